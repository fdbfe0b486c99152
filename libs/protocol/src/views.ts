import { FORWARDED_MANY_TIMES } from '../../domain/src/conversation/message-log.js';
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
  /** A forward whose content has been forwarded five times or more: it goes to one chat at a time. */
  forwardedManyTimes: boolean;
  sentAt: string;
  /** For the viewer's own messages: sent | delivered | read; null for others' messages. */
  status: MessageStatus | null;
  /** When the text was last edited (history; a frame of the message as sent says null). */
  editedAt: string | null;
  /** When and by whom it was deleted for everyone (history; null in the frame of the message as sent). */
  deletedAt: string | null;
  deletedBy: string | null;
  /** Present (true) once the message's content is erased: deleted for everyone, or expired. */
  erased?: true;
  /** Present for a message sent with disappearing messages on: when it is erased. */
  expiresAt?: string;
}

/** The start of a replied-to message, as history shows it beside the reply. */
export interface QuoteView {
  messageId: string;
  seq: number;
  senderId: string;
  kind: string;
  /** Its first 100 characters; null once erased. */
  body: string | null;
  mediaId: string | null;
  /** Present once the quoted message is deleted for everyone: the quote is its tombstone. */
  erased?: true;
}

export interface ReactionView {
  userId: string;
  emoji: string;
}

/** History's message: what the feed's `message` frame holds, plus what changes after sending (computed when read, never stored in frames). */
export interface HistoryMessageView extends MessageView {
  quote: QuoteView | null;
  reactions: ReactionView[];
}

/** A stored message, from an event (times as strings) or a row (times as dates). */
export type MessageFields = Omit<MessageView, 'status' | 'sentAt' | 'erased' | 'editedAt' | 'deletedAt' | 'deletedBy' | 'expiresAt' | 'forwardedManyTimes'> & {
  forwardScore: number;
  sentAt: string | Date;
  expiresAt?: string | Date | null;
  erased?: boolean;
  editedAt?: string | null;
  deletedAt?: string | null;
  deletedBy?: string | null;
};

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
    forwardedManyTimes: m.forwardScore >= FORWARDED_MANY_TIMES,
    sentAt: typeof m.sentAt === 'string' ? m.sentAt : m.sentAt.toISOString(),
    status: m.senderId === viewerId ? status : null,
    editedAt: m.editedAt ?? null,
    deletedAt: m.deletedAt ?? null,
    deletedBy: m.deletedBy ?? null,
    // Only when set, so a message that never expires looks as it did before disappearing messages.
    ...(m.expiresAt ? { expiresAt: typeof m.expiresAt === 'string' ? m.expiresAt : m.expiresAt.toISOString() } : {}),
    // Last, as erasedFrame puts it: a rewritten frame equals one rebuilt from the erased event.
    ...(m.erased ? { erased: true as const } : {}),
  };
}

/**
 * The same frame with its content erased: `body` null and `erased: true` last, exactly as the
 * frame of the erased event is built. The stored feed's frames of a deleted message are rewritten
 * with it, so they equal what a rebuild from the log (where the body is gone) produces.
 */
export function erasedFrame(frame: string): string {
  const parsed = JSON.parse(frame) as { message?: Record<string, unknown> } & Record<string, unknown>;
  const content = parsed.message ?? parsed;
  content.body = null;
  delete content.erased;
  content.erased = true;
  return JSON.stringify(parsed);
}

/** The status of a message for its sender, given the other members' lowest watermarks. */
export function messageStatus(seq: number, deliveredUpTo: number, readUpTo: number): MessageStatus {
  if (readUpTo >= seq) return 'read';
  if (deliveredUpTo >= seq) return 'delivered';
  return 'sent';
}
