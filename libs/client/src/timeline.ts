// A conversation's messages as a client holds them: pages from history and items from the feed
// merged by seq, each message once, with the sender's ticks moved by receipt watermarks.
import type { HistoryMessage } from './api.js';
import type { DurableFrame } from './frames.js';
import type { MessageView } from '../../protocol/src/views.js';

export type TimelineMessage = MessageView & Partial<Pick<HistoryMessage, 'quote' | 'reactions'>> & {
  /** Set on the sender's own device for a message it sends before the `sent` answer. */
  pending?: boolean;
  clientMsgId?: string;
};

/**
 * Merges messages into a list sorted by seq. A message already there keeps the fields only
 * history knows (quote, reactions) unless the newcomer has them, and never loses a tick.
 */
export function mergeMessages(list: readonly TimelineMessage[], incoming: readonly TimelineMessage[]): TimelineMessage[] {
  if (incoming.length === 0) return list as TimelineMessage[];
  const bySeq = new Map<number, TimelineMessage>();
  for (const message of list) bySeq.set(message.seq, message);
  for (const message of incoming) {
    const known = bySeq.get(message.seq);
    bySeq.set(message.seq, known ? { ...known, ...message, quote: message.quote ?? known.quote, reactions: message.reactions ?? known.reactions, status: laterStatus(known.status, message.status) } : message);
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/**
 * A message from the feed into a timeline that holds the newest pages: older than the oldest
 * held, it is left for history paging (adding it would leave a hole that paging never fills);
 * newer than the newest, it is appended without re-sorting (a catch-up of thousands stays linear).
 */
export function addFromFeed(list: readonly TimelineMessage[], message: TimelineMessage): TimelineMessage[] {
  if (list.length && message.seq < list[0].seq) return list as TimelineMessage[];
  if (!list.length || message.seq > list[list.length - 1].seq) return [...list, message];
  return mergeMessages(list, [message]);
}

const STATUS_ORDER = [null, 'sent', 'delivered', 'read'] as const;
function laterStatus(a: MessageView['status'], b: MessageView['status']): MessageView['status'] {
  return STATUS_ORDER.indexOf(a) >= STATUS_ORDER.indexOf(b) ? a : b;
}

/**
 * A direct chat's ticks: the peer's watermark covers the viewer's messages up to `upToSeq`.
 * (A group's message is delivered only once every member at send time has it: the server
 * computes that, so a group client re-reads the statuses instead.)
 */
export function applyPeerReceipt(list: readonly TimelineMessage[], viewerId: string, kind: 'delivered' | 'read', upToSeq: number): TimelineMessage[] {
  let changed = false;
  const next = list.map((message) => {
    if (message.senderId !== viewerId || message.seq > upToSeq) return message;
    const status = laterStatus(message.status, kind);
    if (status === message.status) return message;
    changed = true;
    return { ...message, status };
  });
  return changed ? next : (list as TimelineMessage[]);
}

/** A lifecycle frame (edit, delete, expiry, reaction, hide) applied to the messages it names. */
export function applyLifecycle(list: readonly TimelineMessage[], frame: DurableFrame): TimelineMessage[] {
  if (frame.type === 'message_hidden') return list.filter((m) => m.messageId !== frame.messageId);
  return list.map((message) => {
    if (!('messageId' in frame) || message.messageId !== frame.messageId) return message;
    switch (frame.type) {
      case 'message_edited':
        return { ...message, body: frame.body, editedAt: frame.editedAt };
      case 'message_deleted':
        return { ...message, body: null, erased: true, deletedAt: frame.deletedAt, deletedBy: frame.deletedBy, reactions: [] };
      case 'message_expired':
        return { ...message, body: null, erased: true, reactions: [] };
      case 'message_reacted': {
        const others = (message.reactions ?? []).filter((r) => r.userId !== frame.userId);
        return { ...message, reactions: frame.emoji === null ? others : [...others, { userId: frame.userId, emoji: frame.emoji }] };
      }
      default:
        return message;
    }
  });
}

/**
 * The quote history would show for a reply, made from the replied-to message when the client
 * holds it (the feed's message frame carries none: a quote changes after sending).
 */
export function withQuote(list: readonly TimelineMessage[], message: TimelineMessage): TimelineMessage {
  if (!message.replyTo || message.quote) return message;
  const quoted = list.find((m) => m.messageId === message.replyTo);
  if (!quoted) return message;
  const { messageId, seq, senderId, kind, mediaId } = quoted;
  return { ...message, quote: { messageId, seq, senderId, kind, mediaId, body: quoted.body?.slice(0, 100) ?? null, ...(quoted.erased ? { erased: true } : {}) } };
}
