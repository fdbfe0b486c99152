import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Forwards: history says whether a message was forwarded many times, from the forwarding hops
 * behind its content. Rows of earlier forwards count one hop, as their events are upcast.
 */
export class Forwards1767000000002 implements MigrationInterface {
  name = 'Forwards1767000000002';

  async up(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE messages ADD COLUMN forward_score integer NOT NULL DEFAULT 0');
    await db.query('UPDATE messages SET forward_score = 1 WHERE forward_of IS NOT NULL');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE messages DROP COLUMN forward_score');
  }
}
