import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Feed frames are stored as the exact text pushed live (`frame`, and the sender's own copy of a
 * message in `own_frame`), so a frame replayed after `since` is byte-identical to the live one.
 * The feed is a projection: its rows are dropped and projected again from the log.
 */
export class FeedFramesAsText1766000000000 implements MigrationInterface {
  name = 'FeedFramesAsText1766000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query('TRUNCATE feed_items, feed_events');
    await db.query('ALTER TABLE feed_events DROP COLUMN payload, ADD COLUMN frame text NOT NULL, ADD COLUMN own_frame text');
    await db.query(`UPDATE projection_checkpoints SET position = 0 WHERE projection = 'feed'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('TRUNCATE feed_items, feed_events');
    await db.query(`ALTER TABLE feed_events DROP COLUMN frame, DROP COLUMN own_frame, ADD COLUMN payload jsonb NOT NULL`);
    await db.query(`UPDATE projection_checkpoints SET position = 0 WHERE projection = 'feed'`);
  }
}
