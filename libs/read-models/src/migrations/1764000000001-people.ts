import { MigrationInterface, QueryRunner } from 'typeorm';

/** Profiles, privacy settings, blocks, contacts, device logout and activity. */
export class People1764000000001 implements MigrationInterface {
  name = 'People1764000000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE profiles (
      user_id text PRIMARY KEY, display_name text NOT NULL DEFAULT '', about text NOT NULL DEFAULT '', avatar_media_id text)`);
    await db.query(`CREATE TABLE privacy_settings (
      user_id text PRIMARY KEY, last_seen text NOT NULL DEFAULT 'everyone', online text NOT NULL DEFAULT 'everyone',
      profile_photo text NOT NULL DEFAULT 'everyone', about text NOT NULL DEFAULT 'everyone', read_receipts boolean NOT NULL DEFAULT true)`);
    await db.query(`CREATE TABLE blocks (blocker_id text NOT NULL, blocked_id text NOT NULL, PRIMARY KEY (blocker_id, blocked_id))`);
    await db.query(`CREATE INDEX blocks_blocked ON blocks (blocked_id)`);
    await db.query(`CREATE TABLE contacts (user_id text NOT NULL, contact_id text NOT NULL, PRIMARY KEY (user_id, contact_id))`);
    await db.query(`CREATE INDEX contacts_contact ON contacts (contact_id)`);
    await db.query(`ALTER TABLE devices ADD COLUMN logged_out_at timestamptz`);
    await db.query(`CREATE TABLE device_activity (device_id text PRIMARY KEY, last_active_at timestamptz NOT NULL)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP TABLE device_activity, contacts, blocks, privacy_settings, profiles');
    await db.query('ALTER TABLE devices DROP COLUMN logged_out_at');
  }
}
