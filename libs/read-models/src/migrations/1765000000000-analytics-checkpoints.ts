import { MigrationInterface, QueryRunner } from 'typeorm';

/** Where each analytics publisher (libs/analytics) is in the event log; not a read model: never rebuilt. */
export class AnalyticsCheckpoints1765000000000 implements MigrationInterface {
  name = 'AnalyticsCheckpoints1765000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE analytics_checkpoints (
      publisher text PRIMARY KEY, position bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE analytics_checkpoints');
  }
}
