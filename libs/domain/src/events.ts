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
    sentAt: string;
  }
>;

export type ReceiptKind = 'delivered' | 'read';

interface ReceiptData extends Record<string, unknown> {
  conversationId: string;
  userId: string;
  /** Watermark: every message of the conversation up to this seq. */
  upToSeq: number;
  at: string;
}
export type MessageDelivered = Event<'MessageDelivered', ReceiptData>;
export type MessageRead = Event<'MessageRead', ReceiptData>;

export type UserRegistered = Event<'UserRegistered', { userId: string; phone: string; registeredAt: string }>;
export type DeviceLoggedIn = Event<'DeviceLoggedIn', { userId: string; deviceId: string; deviceName: string; at: string }>;

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

export type ConversationEvent = MessageSent;
export type GroupEvent = GroupChanged | MessageSent;
export type ReceiptEvent = MessageDelivered | MessageRead;
export type UserEvent = UserRegistered | DeviceLoggedIn;
export type PresenceEvent = DeviceConnected | DeviceDisconnected;
export type DomainEvent = ConversationEvent | GroupChanged | ReceiptEvent | UserEvent | PresenceEvent;
export type DomainEventType = DomainEvent['type'];
