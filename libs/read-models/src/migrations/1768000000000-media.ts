import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Media: one row per uploaded object (kept beside the read models, not projected: an upload is
 * storage bookkeeping, the fact that it was shared is the `MessageSent` naming it), and an index
 * of the messages naming each media object (who may fetch it, and whether anything still does).
 */
export class Media1768000000000 implements MigrationInterface {
  name = 'Media1768000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE TABLE media_objects (
      media_id text PRIMARY KEY,
      uploader_id text NOT NULL,
      kind text NOT NULL,
      mime_type text NOT NULL,
      size bigint NOT NULL,
      sha256 text NOT NULL,
      -- uploaded already encrypted by the client: stored as is, no type check, no thumbnails
      encrypted boolean NOT NULL,
      width integer,
      height integer,
      -- pending | ready | none | failed
      thumbnails text NOT NULL,
      created_at timestamptz NOT NULL,
      -- the last time a send named it: the sweeper leaves an object alone for a while after
      used_at timestamptz,
      -- its objects were removed from storage and its key destroyed
      removed_at timestamptz)`);
    await db.query(`CREATE INDEX media_objects_thumbnails_pending ON media_objects (created_at) WHERE thumbnails = 'pending' AND removed_at IS NULL`);
    await db.query(`CREATE INDEX media_objects_present ON media_objects (created_at) WHERE removed_at IS NULL`);
    await db.query('CREATE INDEX messages_media ON messages (media_id) WHERE media_id IS NOT NULL');
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('DROP INDEX messages_media');
    await db.query('DROP TABLE media_objects');
  }
}
