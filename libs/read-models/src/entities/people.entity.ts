import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'profiles' })
export class ProfileRow {
  @PrimaryColumn({ name: 'user_id', type: 'text' }) userId: string;
  @Column({ name: 'display_name', type: 'text', default: '' }) displayName: string;
  @Column({ type: 'text', default: '' }) about: string;
  @Column({ name: 'avatar_media_id', type: 'text', nullable: true }) avatarMediaId: string | null;
}

/** Only users who changed a setting have a row; the defaults apply to everyone else. */
@Entity({ name: 'privacy_settings' })
export class PrivacySettingsRow {
  @PrimaryColumn({ name: 'user_id', type: 'text' }) userId: string;
  @Column({ name: 'last_seen', type: 'text' }) lastSeen: string;
  @Column({ type: 'text' }) online: string;
  @Column({ name: 'profile_photo', type: 'text' }) profilePhoto: string;
  @Column({ type: 'text' }) about: string;
  @Column({ name: 'read_receipts', type: 'boolean' }) readReceipts: boolean;
  @Column({ name: 'group_add', type: 'text' }) groupAdd: string;
}

@Entity({ name: 'blocks' })
export class BlockRow {
  @PrimaryColumn({ name: 'blocker_id', type: 'text' }) blockerId: string;
  @PrimaryColumn({ name: 'blocked_id', type: 'text' }) blockedId: string;
}

/** `user_id` has `contact_id` in their synced address book. */
@Entity({ name: 'contacts' })
export class ContactRow {
  @PrimaryColumn({ name: 'user_id', type: 'text' }) userId: string;
  @PrimaryColumn({ name: 'contact_id', type: 'text' }) contactId: string;
}

@Entity({ name: 'device_activity' })
export class DeviceActivityRow {
  @PrimaryColumn({ name: 'device_id', type: 'text' }) deviceId: string;
  @Column({ name: 'last_active_at', type: 'timestamptz' }) lastActiveAt: Date;
}
