import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Where each analytics publisher (libs/analytics) is in the event log. Not a read model: a
 * rebuild that drops the read models (and their migrations table) keeps it, so the publisher
 * does not publish the whole history again; hence IF NOT EXISTS when the migrations re-run.
 */
export class AnalyticsCheckpoints1765000000000 implements MigrationInterface {
  name = 'AnalyticsCheckpoints1765000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE IF NOT EXISTS analytics_checkpoints (
      publisher text PRIMARY KEY, position bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE analytics_checkpoints');
  }
}
