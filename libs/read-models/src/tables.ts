/**
 * The read-model schema in one list. The migrations create these tables; a test checks that
 * the migrated database has exactly them. Projections own (write, and empty on a rebuild) the
 * tables listed under their name; the other tables are kept beside the read models.
 */
export const PROJECTION_TABLES = {
  users: ['users', 'devices', 'profiles'],
  groups: ['groups', 'group_members', 'group_memberships'],
  messages: ['messages', 'hidden_messages', 'message_reactions', 'starred_messages'],
  inbox: ['conversation_members', 'disappearing_timers'],
  receipts: ['receipt_history'],
  feed: ['feed_events', 'feed_items'],
  people: ['privacy_settings', 'blocks', 'contacts'],
  'last-seen': ['presence', 'device_activity'],
  calls: ['call_history'],
} as const;

export type ProjectionName = keyof typeof PROJECTION_TABLES;

/** The stored feed: the query side reads its checkpoint to hand a socket from the stored feed to the log. */
export const FEED_PROJECTION: ProjectionName = 'feed';

/** Tables that are not projections of the log. */
export const OTHER_TABLES = [
  /** each projection's position in the log */
  'projection_checkpoints',
  /** each Kafka publisher's position in the log */
  'analytics_checkpoints',
  /** login codes and their per-phone rate limit */
  'auth_codes',
  'auth_code_requests',
  /** uploaded media: who uploaded it, its type, size, hash and thumbnails (libs/media) */
  'media_objects',
] as const;

/** What a rebuild from the log reproduces: every projection's rows and their checkpoints. */
export const REBUILT_TABLES: readonly string[] = [...Object.values(PROJECTION_TABLES).flat(), 'projection_checkpoints'];

export const ALL_TABLES: readonly string[] = [...Object.values(PROJECTION_TABLES).flat(), ...OTHER_TABLES];

/** The inbox's `conversation_members.last_message` (jsonb). */
export interface LastMessage {
  messageId: string;
  seq: number;
  senderId: string;
  kind: string;
  body: string | null;
  sentAt: string;
  /** The message was deleted for everyone (or expired): its body is gone. */
  erased?: true;
}
