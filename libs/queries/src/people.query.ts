import type { DataSource } from 'typeorm';
import { notFound } from '../../domain/src/errors.js';
import { DEFAULT_PRIVACY, PrivacySettings } from '../../domain/src/events.js';
import { mayViewSql } from './privacy.sql.js';

export interface ProfileView {
  userId: string;
  displayName: string;
  /** null where the owner's privacy settings hide it from the caller. */
  about: string | null;
  avatarMediaId: string | null;
}

export interface DeviceView {
  deviceId: string;
  name: string;
  loggedInAt: string;
  lastActiveAt: string | null;
  current: boolean;
}

/** What the caller may see of people: profiles, their own settings, devices, blocks and contacts. */
export class PeopleQuery {
  constructor(private readonly db: DataSource) {}

  async profile(viewerId: string, userId: string): Promise<ProfileView> {
    const rows: { display_name: string; about: string; avatar_media_id: string | null; see_about: boolean; see_photo: boolean }[] =
      await this.db.query(
        `SELECT p.display_name, p.about, p.avatar_media_id,
                ${mayViewSql('about', '$1', '$2')} AS see_about, ${mayViewSql('profile_photo', '$1', '$2')} AS see_photo
         FROM profiles p WHERE p.user_id = $1`,
        [userId, viewerId],
      );
    if (rows.length === 0) throw notFound('user_not_found', 'no user with that id');
    const [p] = rows;
    return { userId, displayName: p.display_name, about: p.see_about ? p.about : null, avatarMediaId: p.see_photo ? p.avatar_media_id : null };
  }

  async me(userId: string): Promise<ProfileView & { phone: string; privacy: PrivacySettings }> {
    const rows: {
      phone: string;
      last_seen: string | null;
      online: string | null;
      profile_photo: string | null;
      about_setting: string | null;
      read_receipts: boolean | null;
      group_add: string | null;
    }[] =
      await this.db.query(
        `SELECT u.phone, s.last_seen, s.online, s.profile_photo, s.about AS about_setting, s.read_receipts, s.group_add
         FROM users u LEFT JOIN privacy_settings s ON s.user_id = u.user_id WHERE u.user_id = $1`,
        [userId],
      );
    if (rows.length === 0) throw notFound('user_not_found', 'no user with that id');
    const [r] = rows;
    const profile = await this.profile(userId, userId);
    return {
      ...profile,
      phone: r.phone,
      privacy: {
        lastSeen: (r.last_seen ?? DEFAULT_PRIVACY.lastSeen) as PrivacySettings['lastSeen'],
        online: (r.online ?? DEFAULT_PRIVACY.online) as PrivacySettings['online'],
        profilePhoto: (r.profile_photo ?? DEFAULT_PRIVACY.profilePhoto) as PrivacySettings['profilePhoto'],
        about: (r.about_setting ?? DEFAULT_PRIVACY.about) as PrivacySettings['about'],
        readReceipts: r.read_receipts ?? DEFAULT_PRIVACY.readReceipts,
        groupAdd: (r.group_add ?? DEFAULT_PRIVACY.groupAdd) as PrivacySettings['groupAdd'],
      },
    };
  }

  async devices(userId: string, currentDeviceId: string): Promise<DeviceView[]> {
    const rows: { device_id: string; name: string; logged_in_at: Date; last_active_at: Date | null }[] = await this.db.query(
      `SELECT d.device_id, d.name, d.logged_in_at, a.last_active_at
       FROM devices d LEFT JOIN device_activity a ON a.device_id = d.device_id
       WHERE d.user_id = $1 AND d.logged_out_at IS NULL ORDER BY d.logged_in_at, d.device_id`,
      [userId],
    );
    return rows.map((r) => ({
      deviceId: r.device_id,
      name: r.name,
      loggedInAt: r.logged_in_at.toISOString(),
      lastActiveAt: r.last_active_at?.toISOString() ?? null,
      current: r.device_id === currentDeviceId,
    }));
  }

  async blocked(userId: string): Promise<string[]> {
    const rows: { blocked_id: string }[] = await this.db.query('SELECT blocked_id FROM blocks WHERE blocker_id = $1 ORDER BY blocked_id', [userId]);
    return rows.map((r) => r.blocked_id);
  }

  async contacts(userId: string): Promise<{ userId: string; displayName: string }[]> {
    const rows: { contact_id: string; display_name: string | null }[] = await this.db.query(
      `SELECT c.contact_id, p.display_name FROM contacts c LEFT JOIN profiles p ON p.user_id = c.contact_id
       WHERE c.user_id = $1 ORDER BY p.display_name, c.contact_id`,
      [userId],
    );
    return rows.map((r) => ({ userId: r.contact_id, displayName: r.display_name ?? '' }));
  }
}
