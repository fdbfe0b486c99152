import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialReadModels1764000000000 implements MigrationInterface {
  name = 'InitialReadModels1764000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE users (
      user_id text PRIMARY KEY, phone text NOT NULL UNIQUE, registered_at timestamptz NOT NULL)`);
    await db.query(`CREATE TABLE devices (
      device_id text PRIMARY KEY, user_id text NOT NULL, name text NOT NULL, logged_in_at timestamptz NOT NULL)`);
    await db.query(`CREATE INDEX devices_user_id ON devices (user_id)`);
    await db.query(`CREATE TABLE conversation_members (
      user_id text NOT NULL, conversation_id text NOT NULL, type text NOT NULL, peer_user_id text,
      last_seq integer NOT NULL, last_message jsonb, updated_at timestamptz NOT NULL,
      delivered_up_to integer NOT NULL DEFAULT 0, delivered_at timestamptz,
      read_up_to integer NOT NULL DEFAULT 0, read_at timestamptz,
      shared_read_up_to integer NOT NULL DEFAULT 0,
      visible_up_to integer,
      PRIMARY KEY (user_id, conversation_id))`);
    await db.query(`CREATE INDEX conversation_members_conversation ON conversation_members (conversation_id)`);
    await db.query(`CREATE TABLE messages (
      conversation_id text NOT NULL, seq integer NOT NULL, message_id text NOT NULL UNIQUE,
      sender_id text NOT NULL, client_msg_id text NOT NULL, kind text NOT NULL, body text, media_id text,
      reply_to text, forward_of text, sent_at timestamptz NOT NULL, PRIMARY KEY (conversation_id, seq))`);
    await db.query(`CREATE INDEX messages_sender_client_msg_id ON messages (sender_id, client_msg_id)`);
    await db.query(`CREATE TABLE groups (
      group_id text PRIMARY KEY, name text NOT NULL, description text NOT NULL, icon_media_id text,
      created_at timestamptz NOT NULL, created_by text NOT NULL)`);
    await db.query(`CREATE TABLE group_members (
      group_id text NOT NULL, user_id text NOT NULL, role text NOT NULL, joined_at timestamptz NOT NULL,
      PRIMARY KEY (group_id, user_id))`);
    await db.query(`CREATE TABLE group_memberships (
      group_id text NOT NULL, user_id text NOT NULL, from_seq integer NOT NULL, to_seq integer,
      PRIMARY KEY (group_id, user_id, from_seq))`);
    await db.query(`CREATE TABLE receipt_history (
      conversation_id text NOT NULL, user_id text NOT NULL, kind text NOT NULL, up_to_seq integer NOT NULL,
      at timestamptz NOT NULL, shared boolean NOT NULL DEFAULT true,
      PRIMARY KEY (conversation_id, user_id, kind, up_to_seq))`);
    await db.query(`CREATE TABLE feed_events (position bigint PRIMARY KEY, payload jsonb NOT NULL)`);
    await db.query(`CREATE TABLE feed_items (
      user_id text NOT NULL, position bigint NOT NULL, own boolean NOT NULL DEFAULT false, PRIMARY KEY (user_id, position))`);
    await db.query(`CREATE INDEX feed_items_position ON feed_items (position)`);
    await db.query(`CREATE TABLE presence (
      user_id text PRIMARY KEY, open_connections text[] NOT NULL DEFAULT '{}', last_seen timestamptz)`);
    await db.query(`CREATE TABLE projection_checkpoints (projection text PRIMARY KEY, position bigint NOT NULL)`);
    await db.query(`CREATE TABLE auth_codes (
      phone text PRIMARY KEY, code_hash text NOT NULL, expires_at timestamptz NOT NULL,
      failed_attempts integer NOT NULL DEFAULT 0)`);
    await db.query(`CREATE TABLE auth_code_requests (
      id bigserial PRIMARY KEY, phone text NOT NULL, requested_at timestamptz NOT NULL)`);
    await db.query(`CREATE INDEX auth_code_requests_phone ON auth_code_requests (phone, requested_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    for (const table of [
      'auth_code_requests', 'auth_codes', 'projection_checkpoints', 'presence', 'feed_items', 'feed_events',
      'receipt_history', 'group_memberships', 'group_members', 'groups', 'messages', 'conversation_members', 'devices', 'users',
    ]) {
      await db.query(`DROP TABLE ${table}`);
    }
  }
}
