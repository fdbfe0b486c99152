import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Disappearing messages: when each message expires, with an index of the ones still to erase
 * (what the expiry job polls; an erased message leaves it), and each conversation's timer.
 */
export class Disappearing1767000000003 implements MigrationInterface {
  name = 'Disappearing1767000000003';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE messages ADD COLUMN expires_at timestamptz');
    await db.query('CREATE INDEX messages_pending_expiry ON messages (expires_at) WHERE expires_at IS NOT NULL AND NOT erased');
    await db.query(`CREATE TABLE disappearing_timers (
      conversation_id text PRIMARY KEY, seconds integer NOT NULL, set_by text NOT NULL, set_at timestamptz NOT NULL)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE disappearing_timers');
    await db.query('DROP INDEX messages_pending_expiry');
    await db.query('ALTER TABLE messages DROP COLUMN expires_at');
  }
}
