import { DirectConversation, evolveDirectConversation, initialDirectConversation } from '../../domain/src/conversation/direct-conversation.js';
import { notFound } from '../../domain/src/errors.js';
import { CONVERSATION_EVENT_TYPES, GROUP_EVENT_TYPES, isEventOf, RECEIPT_EVENT_TYPES } from '../../domain/src/event-types.js';
import { evolveGroup, GroupConversation, initialGroup } from '../../domain/src/group/group.js';
import { foldReceiptProgress, messageReceiptStates, MessageStatus, ReceiptStep } from '../../domain/src/receipts/message-states.js';
import { isGroupConversation, streams } from '../../domain/src/streams.js';
import type { EventStore, StoredEvent } from '../../event-store/src/event-store.port.js';
import type { MessageView } from '../../protocol/src/views.js';
import { occurredAt } from './replay.js';

/** A message as it stood then: the history shape plus who had it and who had read it. */
export interface MessageAsOf extends Omit<MessageView, 'conversationId' | 'status' | 'editedAt' | 'deletedAt' | 'deletedBy' | 'forwardedManyTimes'> {
  recipients: string[];
  delivered: { userId: string; at: string }[];
  read: { userId: string; at: string }[];
  pending: string[];
  status: MessageStatus;
}

export interface ConversationAsOf {
  conversationId: string;
  type: 'direct' | 'group';
  at: string;
  /** Whether the conversation existed at `at` (a direct chat exists from its first message). */
  existed: boolean;
  /** The highest global position folded (any of the conversation's streams); null when none. */
  position: string | null;
  /** Direct: the two participants. Group: the members at `at`. */
  participants: string[];
  group: {
    groupId: string;
    name: string;
    description: string;
    iconMediaId: string | null;
    createdAt: string | null;
    members: { userId: string; role: 'admin' | 'member'; joinedAt: string }[];
    admins: string[];
    /** Former members and the last seq each may see. */
    departed: { userId: string; lastSeq: number }[];
  } | null;
  lastSeq: number;
  /** Each participant's receipt watermarks at `at`. */
  watermarks: { userId: string; delivered: number; read: number }[];
  totalMessages: number;
  messages: MessageAsOf[];
}

/** The events of a stream up to a moment: its prefix of events that occurred at or before it. */
function prefixUpTo(events: StoredEvent[], at: Date): StoredEvent[] {
  const end = events.findIndex((event) => occurredAt(event).getTime() > at.getTime());
  return end === -1 ? events : events.slice(0, end);
}

/**
 * A conversation or group as it was at a moment, folded from its events with the command
 * side's own `evolveGroup` / `evolveDirectConversation` / `evolveReceiptWatermark`. Each stream
 * contributes its prefix of events that occurred at or before the moment (a stream's order is
 * kept even if clocks disagreed).
 */
export class ConversationHistory {
  constructor(private readonly store: EventStore) {}

  async stateAt(conversationId: string, at: Date, page: { afterSeq?: number; limit?: number } = {}): Promise<ConversationAsOf> {
    const all = await this.store.readStream(streams.conversation(conversationId));
    if (all.length === 0) throw notFound('conversation_not_found', 'no conversation with that id');
    const events = prefixUpTo(all, at);
    const isGroup = isGroupConversation(conversationId);
    let positions = events.map((e) => e.globalPosition);

    let group: GroupConversation | undefined;
    let direct: DirectConversation | undefined;
    if (isGroup) {
      group = initialGroup();
      for (const event of events.filter(isEventOf(GROUP_EVENT_TYPES))) group = evolveGroup(group, event);
    } else {
      direct = initialDirectConversation();
      for (const event of events.filter(isEventOf(CONVERSATION_EVENT_TYPES))) direct = evolveDirectConversation(direct, event);
    }
    const messages = events.filter(isEventOf(['MessageSent'])).map((e) => e.data);

    const users = new Set<string>();
    for (const message of messages) [message.senderId, ...message.recipientIds].forEach((id) => users.add(id));
    if (group) [...group.members.keys(), ...group.departedAtSeq.keys()].forEach((id) => users.add(id));
    if (direct?.participants) direct.participants.forEach((id) => users.add(id));

    const stepsByUser = new Map<string, ReceiptStep[]>();
    const watermarks: ConversationAsOf['watermarks'] = [];
    for (const userId of [...users].sort()) {
      const receipts = prefixUpTo(await this.store.readStream(streams.receipts(conversationId, userId)), at);
      positions = positions.concat(receipts.map((e) => e.globalPosition));
      const { watermark, steps } = foldReceiptProgress(receipts.filter(isEventOf(RECEIPT_EVENT_TYPES)));
      stepsByUser.set(userId, steps);
      watermarks.push({ userId, delivered: watermark.delivered, read: watermark.read });
    }

    const afterSeq = page.afterSeq ?? 0;
    const limit = page.limit ?? 500;
    const shown = messages.filter((m) => m.seq > afterSeq).slice(0, limit);
    const states = new Map(messageReceiptStates(shown, stepsByUser).map((s) => [s.messageId, s]));
    const position = positions.reduce<bigint | null>((max, p) => (max === null || p > max ? p : max), null);

    return {
      conversationId,
      type: isGroup ? 'group' : 'direct',
      at: at.toISOString(),
      existed: isGroup ? group!.exists : messages.length > 0,
      position: position === null ? null : position.toString(),
      participants: isGroup ? [...group!.members.keys()] : [...(direct!.participants ?? [])],
      group: group ? groupView(group) : null,
      lastSeq: (group ?? direct)!.log.lastSeq,
      watermarks,
      totalMessages: messages.length,
      messages: shown.map((m) => {
        const state = states.get(m.messageId)!;
        return {
          messageId: m.messageId,
          seq: m.seq,
          senderId: m.senderId,
          kind: m.kind,
          body: m.body,
          mediaId: m.mediaId,
          replyTo: m.replyTo,
          forwardOf: m.forwardOf,
          sentAt: m.sentAt,
          recipients: state.recipients,
          delivered: state.delivered,
          read: state.read,
          pending: state.pending,
          status: state.status,
        };
      }),
    };
  }
}

function groupView(group: GroupConversation): NonNullable<ConversationAsOf['group']> {
  const members = [...group.members.entries()].sort(([, a], [, b]) => a.order - b.order);
  return {
    groupId: group.groupId,
    name: group.name,
    description: group.description,
    iconMediaId: group.iconMediaId,
    createdAt: group.createdAt,
    members: members.map(([userId, m]) => ({ userId, role: m.role, joinedAt: m.joinedAt })),
    admins: members.filter(([, m]) => m.role === 'admin').map(([userId]) => userId),
    departed: [...group.departedAtSeq.entries()].map(([userId, lastSeq]) => ({ userId, lastSeq })),
  };
}
