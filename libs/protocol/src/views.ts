import type { MessageStatus } from '../../domain/src/receipts/message-states.js';

/** Response shapes of docs/protocol.md that more than one place builds (history and the feed). */
export interface MessageView {
  messageId: string;
  conversationId: string;
  seq: number;
  senderId: string;
  kind: string;
  body: string | null;
  mediaId: string | null;
  replyTo: string | null;
  forwardOf: string | null;
  sentAt: string;
  /** For the viewer's own messages: sent | delivered | read; null for others' messages. */
  status: MessageStatus | null;
}

/** A stored message, from an event (times as strings) or a row (times as dates). */
export type MessageFields = Omit<MessageView, 'status' | 'sentAt'> & { sentAt: string | Date };

export function messageView(m: MessageFields, viewerId: string, status: MessageStatus): MessageView {
  return {
    messageId: m.messageId,
    conversationId: m.conversationId,
    seq: m.seq,
    senderId: m.senderId,
    kind: m.kind,
    body: m.body,
    mediaId: m.mediaId,
    replyTo: m.replyTo,
    forwardOf: m.forwardOf,
    sentAt: typeof m.sentAt === 'string' ? m.sentAt : m.sentAt.toISOString(),
    status: m.senderId === viewerId ? status : null,
  };
}

/** The status of a message for its sender, given the other members' lowest watermarks. */
export function messageStatus(seq: number, deliveredUpTo: number, readUpTo: number): MessageStatus {
  if (readUpTo >= seq) return 'read';
  if (deliveredUpTo >= seq) return 'delivered';
  return 'sent';
}
