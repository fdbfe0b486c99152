import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Edits and deletions: history shows when a message was edited and deleted and whether its
 * content is erased; messages a user deleted for themselves; and which stored feed frames carry
 * a message's content, so a deletion can erase them.
 */
export class MessageLifecycle1767000000000 implements MigrationInterface {
  name = 'MessageLifecycle1767000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE messages ADD COLUMN edited_at timestamptz, ADD COLUMN deleted_at timestamptz, ADD COLUMN deleted_by text,
      ADD COLUMN erased boolean NOT NULL DEFAULT false`);
    await db.query(`CREATE TABLE hidden_messages (
      user_id text NOT NULL, conversation_id text NOT NULL, seq integer NOT NULL, PRIMARY KEY (user_id, conversation_id, seq))`);
    await db.query('ALTER TABLE feed_events ADD COLUMN content_of text');
    await db.query(`UPDATE feed_events SET content_of = frame::jsonb->'message'->>'messageId' WHERE frame LIKE '{"type":"message",%'`);
    await db.query('CREATE INDEX feed_events_content_of ON feed_events (content_of) WHERE content_of IS NOT NULL');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE feed_events DROP COLUMN content_of');
    await db.query('DROP TABLE hidden_messages');
    await db.query('ALTER TABLE messages DROP COLUMN edited_at, DROP COLUMN deleted_at, DROP COLUMN deleted_by, DROP COLUMN erased');
  }
}
