import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Calls: one row per call and person called (or calling): what the history route lists, and
 * where the ring sweeper finds calls still ringing after their time.
 */
export class CallHistory1768000000100 implements MigrationInterface {
  name = 'CallHistory1768000000100';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE call_history (
      call_id text NOT NULL, user_id text NOT NULL, conversation_id text NOT NULL, caller_id text NOT NULL,
      media text NOT NULL, direction text NOT NULL, status text NOT NULL, joined boolean NOT NULL, declined boolean NOT NULL DEFAULT false,
      outcome text, started_at timestamptz NOT NULL, ended_at timestamptz, duration_seconds integer NOT NULL DEFAULT 0,
      PRIMARY KEY (call_id, user_id))`);
    await db.query('CREATE INDEX call_history_by_user ON call_history (user_id, started_at DESC, call_id)');
    await db.query("CREATE INDEX call_history_ringing ON call_history (started_at) WHERE status = 'ringing'");
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE call_history');
  }
}
