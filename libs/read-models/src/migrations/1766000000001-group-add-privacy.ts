import { MigrationInterface, QueryRunner } from 'typeorm';

/** Who may add a user to groups (privacy setting `groupAdd`). */
export class GroupAddPrivacy1766000000001 implements MigrationInterface {
  name = 'GroupAddPrivacy1766000000001';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE privacy_settings ADD COLUMN group_add text NOT NULL DEFAULT 'everyone'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query('ALTER TABLE privacy_settings DROP COLUMN group_add');
  }
}
