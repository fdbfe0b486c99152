/**
 * What of each event's data may leave in analytics records: an allow-list per event type.
 * A field not listed never leaves, so a field added to an event later is redacted until
 * someone decides otherwise here; an event type not listed leaves with empty data.
 *
 * Never listed: message bodies, media ids, client message ids, phone numbers, names,
 * descriptions, icons, "about" texts, device names, contact lists, who blocked whom.
 */
export type FieldRule = true | { readonly [field: string]: FieldRule } | readonly [FieldRule];
export type AllowList = { readonly [field: string]: FieldRule };

export const ANALYTICS_ALLOW_LIST: Readonly<Record<string, AllowList>> = {
  MessageSent: {
    messageId: true,
    conversationId: true,
    conversationType: true,
    seq: true,
    senderId: true,
    recipientIds: true,
    kind: true,
    replyTo: true,
    forwardOf: true,
    forwardScore: true,
    sentAt: true,
    expiresAt: true,
  },
  MessageDelivered: { conversationId: true, userId: true, upToSeq: true, at: true },
  MessageRead: { conversationId: true, userId: true, upToSeq: true, at: true, shared: true },
  MessageEdited: { messageId: true, conversationId: true, seq: true, senderId: true, at: true, editedAt: true },
  MessageDeleted: { messageId: true, conversationId: true, seq: true, senderId: true, at: true, deletedAt: true, forEveryone: true },
  MessageExpired: { messageId: true, conversationId: true, seq: true, senderId: true, expiresAt: true, expiredAt: true },
  DisappearingTimerSet: { conversationId: true, by: true, seconds: true, at: true },
  // The emoji stays behind: what a user felt about a message is theirs, like its body.
  MessageReacted: { messageId: true, conversationId: true, seq: true, userId: true, at: true },
  MessageStarred: { messageId: true, conversationId: true, seq: true, userId: true, at: true },
  MessageUnstarred: { messageId: true, conversationId: true, seq: true, userId: true, at: true },
  GroupChanged: {
    groupId: true,
    by: true,
    at: true,
    atSeq: true,
    // membersAfter leaves as memberCount (countedLists below).
    // name, description and iconMediaId of `created` / `updated` changes stay behind.
    change: { kind: true, userId: true, userIds: true, members: [{ userId: true, role: true }] },
  },
  // Calls are metadata only (no media passes the server): who, when, how long, how it ended.
  CallStarted: { callId: true, conversationId: true, callerId: true, media: true, invitees: true, busy: true, at: true },
  CallAnswered: { callId: true, conversationId: true, userId: true, deviceId: true, at: true },
  CallDeclined: { callId: true, conversationId: true, userId: true, at: true },
  CallLeft: { callId: true, conversationId: true, userId: true, at: true },
  CallEnded: { callId: true, conversationId: true, callerId: true, media: true, reason: true, endedBy: true, durationSeconds: true, participants: true, at: true },
  CallLineTaken: { userId: true, callId: true, conversationId: true, role: true, at: true },
  UserRegistered: { userId: true, registeredAt: true },
  DeviceLoggedIn: { userId: true, deviceId: true, at: true },
  DeviceLoggedOut: { userId: true, deviceId: true, at: true },
  DeviceConnected: { userId: true, deviceId: true, at: true },
  DeviceDisconnected: { userId: true, deviceId: true, at: true },
  ProfileUpdated: { userId: true, at: true },
  PrivacySettingsChanged: { userId: true, at: true },
  UserBlocked: { userId: true, at: true },
  UserUnblocked: { userId: true, at: true },
  ContactsSynced: { userId: true, at: true },
};

function apply(rule: FieldRule, value: unknown): unknown {
  if (rule === true) return isPlainObject(value) ? undefined : Array.isArray(value) ? value.filter((v) => !isPlainObject(v) && !Array.isArray(v)) : value;
  if (Array.isArray(rule)) return Array.isArray(value) ? value.map((item) => apply(rule[0], item)) : undefined;
  if (!isPlainObject(value)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [field, fieldRule] of Object.entries(rule as AllowList)) {
    if (!(field in value)) continue;
    const kept = apply(fieldRule, value[field]);
    if (kept !== undefined) out[field] = kept;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Lists that grow with a group leave as counts. A group message's recipients are the group's
 * members, which GroupChanged events carry as changes (`change.userIds`, `change.members`); as
 * ids, a 1,024-member group would put ~27 KB into every message record and every membership
 * change (docs/analytics.md). A direct message keeps its one recipient id.
 */
function countedLists(type: string, data: Record<string, unknown>, out: Record<string, unknown>): Record<string, unknown> {
  if (type === 'MessageSent' && Array.isArray(data.recipientIds)) {
    out.recipientCount = data.recipientIds.length;
    if (data.conversationType !== 'direct') delete out.recipientIds;
  }
  if (type === 'GroupChanged' && Array.isArray(data.membersAfter)) out.memberCount = data.membersAfter.length;
  return out;
}

/** The event's data with only the allowed fields (a new object; the input is not changed). */
export function redact(type: string, data: Record<string, unknown>, allowList = ANALYTICS_ALLOW_LIST): Record<string, unknown> {
  const rule = allowList[type];
  if (!rule) return {};
  return countedLists(type, data, apply(rule, data) as Record<string, unknown>);
}
