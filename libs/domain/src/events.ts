/**
 * Every fact the system records. Event names are past tense; payloads are plain JSON.
 * `MessageSent`, `MessageDelivered`, `MessageRead` and `GroupChanged` are fixed by the product.
 */
export interface Event<Type extends string, Data extends Record<string, unknown>> {
  type: Type;
  data: Data;
}

export type MessageKind = 'text' | 'image' | 'video' | 'audio' | 'document' | 'location' | 'contact';
export const MESSAGE_KINDS: readonly MessageKind[] = ['text', 'image', 'video', 'audio', 'document', 'location', 'contact'];
export const MEDIA_KINDS: readonly MessageKind[] = ['image', 'video', 'audio', 'document'];

export type MessageSent = Event<
  'MessageSent',
  {
    messageId: string;
    conversationId: string;
    conversationType: 'direct' | 'group';
    seq: number;
    senderId: string;
    senderDeviceId: string;
    /** Everyone else in the conversation when the message was sent. */
    recipientIds: string[];
    clientMsgId: string;
    kind: MessageKind;
    body: string | null;
    mediaId: string | null;
    replyTo: string | null;
    forwardOf: string | null;
    /** Forwarding hops behind this content: 0 for an original, the source's score + 1 for a forward ("forwarded many times" from 5). */
    forwardScore: number;
    sentAt: string;
    /** When a message sent with disappearing messages on is erased (sentAt + the conversation's timer); null otherwise. */
    expiresAt: string | null;
    /** Set by the event store when the message's data key was destroyed: `body` is gone for good. */
    erased?: true;
  }
>;

/** What every later fact about a message carries: which message, and who is told of it. */
interface MessageFact extends Record<string, unknown> {
  messageId: string;
  conversationId: string;
  seq: number;
  /** Everyone who can see the message (its sender and recipients; in a group, whoever was a member when it was sent). */
  audience: string[];
}

/** The sender changed the text of their message; `body` is sealed with the message's own key. */
export type MessageEdited = Event<'MessageEdited', MessageFact & { senderId: string; body: string | null; editedAt: string; erased?: true }>;
/** Deleted for everyone, by its sender or a group admin: the message's key is destroyed, so every body it had is gone. */
export type MessageDeleted = Event<'MessageDeleted', MessageFact & { senderId: string; deletedBy: string; deletedAt: string }>;
/** Deleted for one user only: hidden from that user's devices. */
export type MessageHidden = Event<'MessageHidden', { messageId: string; conversationId: string; seq: number; userId: string; at: string }>;
/** Its disappearing-messages time came: erased like a deletion for everyone, by no user (the expiry job records it). */
export type MessageExpired = Event<'MessageExpired', MessageFact & { senderId: string; expiresAt: string; expiredAt: string }>;

/** Disappearing messages: off (0), 24 hours, 7 days or 90 days. */
export const DISAPPEARING_TIMERS = [0, 86_400, 604_800, 7_776_000] as const;
export type DisappearingTimer = (typeof DISAPPEARING_TIMERS)[number];
/** The conversation's disappearing-messages timer changed; messages sent from now on expire this long after sending. */
export type DisappearingTimerSet = Event<
  'DisappearingTimerSet',
  { conversationId: string; by: string; seconds: DisappearingTimer; at: string; /** The conversation's participants or members: who is told. */ audience: string[] }
>;
/** A user's reaction to a message, replacing their earlier one; `emoji` null removes it. Everyone who can see the message is told. */
export type MessageReacted = Event<'MessageReacted', MessageFact & { userId: string; emoji: string | null; at: string }>;
/** A user starred or unstarred a message: a bookmark of their own, only their devices are told. */
export type MessageStarred = Event<'MessageStarred', { messageId: string; conversationId: string; seq: number; userId: string; at: string }>;
export type MessageUnstarred = Event<'MessageUnstarred', { messageId: string; conversationId: string; seq: number; userId: string; at: string }>;
export type MessageLifecycleEvent =
  | MessageEdited
  | MessageDeleted
  | MessageHidden
  | MessageExpired
  | MessageReacted
  | MessageStarred
  | MessageUnstarred;

export type ReceiptKind = 'delivered' | 'read';

interface ReceiptData extends Record<string, unknown> {
  conversationId: string;
  userId: string;
  /** Watermark: every message of the conversation up to this seq. */
  upToSeq: number;
  at: string;
  /**
   * Who is told on the feed: the acknowledging user and, when the receipt is shared, the other
   * side of a direct chat or the senders of the group messages the watermark newly covers.
   * Decided by the command, so the feed needs no state to address the frame.
   */
  audience: string[];
}
export type MessageDelivered = Event<'MessageDelivered', ReceiptData>;
/** `shared` is false when read receipts are off on either side of a direct chat: the read is kept but not shown to others. */
export type MessageRead = Event<'MessageRead', ReceiptData & { shared: boolean }>;

export type UserRegistered = Event<'UserRegistered', { userId: string; phone: string; registeredAt: string }>;
export type DeviceLoggedIn = Event<'DeviceLoggedIn', { userId: string; deviceId: string; deviceName: string; at: string }>;

export type DeviceLoggedOut = Event<'DeviceLoggedOut', { userId: string; deviceId: string; at: string }>;
export type ProfileUpdated = Event<
  'ProfileUpdated',
  {
    userId: string;
    displayName?: string;
    about?: string;
    avatarMediaId?: string | null;
    at: string;
    /** Who is told of the change: people who share a conversation with the user or have them as a contact, minus those they block. */
    audience: string[];
  }
>;

export type Audience = 'everyone' | 'contacts' | 'nobody';
export const AUDIENCES: readonly Audience[] = ['everyone', 'contacts', 'nobody'];

export interface PrivacySettings {
  lastSeen: Audience;
  online: Audience;
  profilePhoto: Audience;
  about: Audience;
  readReceipts: boolean;
  /** Who may add this user to a group (someone they blocked never can). */
  groupAdd: Audience;
}

export const DEFAULT_PRIVACY: PrivacySettings = {
  lastSeen: 'everyone',
  online: 'everyone',
  profilePhoto: 'everyone',
  about: 'everyone',
  readReceipts: true,
  groupAdd: 'everyone',
};

export type PrivacySettingsChanged = Event<'PrivacySettingsChanged', { userId: string; settings: Partial<PrivacySettings>; at: string }>;
export type UserBlocked = Event<'UserBlocked', { userId: string; blockedUserId: string; at: string }>;
export type UserUnblocked = Event<'UserUnblocked', { userId: string; blockedUserId: string; at: string }>;
/** The registered users found in the user's address book; replaces the previous list. Phone numbers are not kept. */
export type ContactsSynced = Event<'ContactsSynced', { userId: string; contactIds: string[]; at: string }>;

export type DeviceConnected = Event<'DeviceConnected', { userId: string; deviceId: string; connectionId: string; at: string }>;
export type DeviceDisconnected = Event<'DeviceDisconnected', { userId: string; deviceId: string; connectionId: string; at: string }>;

export type GroupRole = 'admin' | 'member';

export interface GroupMemberInfo extends Record<string, unknown> {
  userId: string;
  role: GroupRole;
}

/** What changed in a group; one event type, the change says which. */
export type GroupChange =
  | { kind: 'created'; name: string; description: string; iconMediaId: string | null; members: GroupMemberInfo[] }
  | { kind: 'updated'; name?: string; description?: string; iconMediaId?: string | null }
  | { kind: 'members_added'; userIds: string[] }
  | { kind: 'member_removed'; userId: string }
  | { kind: 'member_left'; userId: string }
  | { kind: 'admin_promoted'; userId: string }
  | { kind: 'admin_demoted'; userId: string };

export type GroupChanged = Event<
  'GroupChanged',
  {
    groupId: string;
    by: string;
    at: string;
    /** The group's last message seq when the change happened: members see messages after they join and up to when they leave. */
    atSeq: number;
    change: GroupChange;
    /** Members after the change: with the removed or leaving member, the audience of this change. */
    membersAfter: string[];
  }
>;

export type CallMedia = 'audio' | 'video';
export const CALL_MEDIA: readonly CallMedia[] = ['audio', 'video'];
/** completed: answered and hung up; missed: nobody answered in time; busy: everyone called was in another call. */
export type CallEndReason = 'completed' | 'missed' | 'declined' | 'cancelled' | 'busy';

/** A call placed in a conversation: who called, whom it rings (the other participants or members). */
export type CallStarted = Event<
  'CallStarted',
  {
    callId: string;
    conversationId: string;
    callerId: string;
    /** The caller's device in the call: the one media flows from. */
    callerDeviceId: string;
    media: CallMedia;
    invitees: string[];
    /** Invitees who were in another call: not rung. */
    busy: string[];
    at: string;
  }
>;
/** One invitee took the call, on this device (their other devices stop ringing). */
export type CallAnswered = Event<'CallAnswered', { callId: string; conversationId: string; userId: string; deviceId: string; at: string }>;
/** One invitee declined: their devices stop ringing (a direct call ends with it; a group call rings on for the others). */
export type CallDeclined = Event<'CallDeclined', { callId: string; conversationId: string; userId: string; at: string }>;
/** Someone left a group call that goes on without them. */
export type CallLeft = Event<'CallLeft', { callId: string; conversationId: string; userId: string; at: string }>;
export type CallEnded = Event<
  'CallEnded',
  {
    callId: string;
    conversationId: string;
    callerId: string;
    media: CallMedia;
    reason: CallEndReason;
    /** Who ended it (hung up, cancelled, declined); null when it ended by itself (missed, busy). */
    endedBy: string | null;
    /** From the first answer to the end; 0 for a call never answered. */
    durationSeconds: number;
    /** The caller and everyone who answered. */
    participants: string[];
    /** The caller and everyone called: who is told of the call and keeps it in their history. */
    audience: string[];
    at: string;
  }
>;
export type CallEvent = CallStarted | CallAnswered | CallDeclined | CallLeft | CallEnded;
/** A user's line was taken by a call they placed or answered (their call-line stream; see call-line.ts). */
export type CallLineTaken = Event<'CallLineTaken', { userId: string; callId: string; conversationId: string; role: 'caller' | 'callee'; at: string }>;

export type ConversationEvent = MessageSent | MessageLifecycleEvent | BlockEvent | DisappearingTimerSet;
export type GroupEvent = GroupChanged | MessageSent | MessageLifecycleEvent | DisappearingTimerSet;
export type ReceiptEvent = MessageDelivered | MessageRead;
export type UserEvent = UserRegistered | DeviceLoggedIn | DeviceLoggedOut | ProfileUpdated;
export type PrivacyEvent = PrivacySettingsChanged | ContactsSynced;
/** Blocks are facts of the direct conversation between the two: a send is decided against them atomically. */
export type BlockEvent = UserBlocked | UserUnblocked;
export type PresenceEvent = DeviceConnected | DeviceDisconnected;
export type DomainEvent = ConversationEvent | CallEvent | CallLineTaken | GroupChanged | ReceiptEvent | UserEvent | PrivacyEvent | PresenceEvent;
export type DomainEventType = DomainEvent['type'];
