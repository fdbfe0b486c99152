import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reactions (one per user per message, shown in history) and each user's starred messages
 * (listed newest first: `position` is the star's place in the log, the page cursor).
 */
export class ReactionsStars1767000000001 implements MigrationInterface {
  name = 'ReactionsStars1767000000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE message_reactions (
      message_id text NOT NULL, user_id text NOT NULL, emoji text NOT NULL, reacted_at timestamptz NOT NULL,
      PRIMARY KEY (message_id, user_id))`);
    await db.query(`CREATE TABLE starred_messages (
      user_id text NOT NULL, message_id text NOT NULL, position bigint NOT NULL, starred_at timestamptz NOT NULL,
      PRIMARY KEY (user_id, message_id))`);
    await db.query('CREATE INDEX starred_messages_newest ON starred_messages (user_id, position DESC)');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE starred_messages');
    await db.query('DROP TABLE message_reactions');
  }
}
