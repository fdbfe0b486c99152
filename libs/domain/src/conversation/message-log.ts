import { DomainError, notFound } from '../errors.js';
import { MessageKind, MessageSent } from '../events.js';

/** Message bodies are opaque (maybe ciphertext) but bounded. */
export const MAX_BODY_BYTES = 65_536;

/** The part of any conversation's state that numbers messages and remembers sends. */
export interface MessageLog {
  lastSeq: number;
  messageIds: Set<string>;
  /** Sender of each message, by seq - 1: who a receipt watermark newly concerns. */
  senders: string[];
  /** Results of earlier sends by (sender, clientMsgId), to answer duplicates. */
  sends: Map<string, SentMessage>;
}

export interface SentMessage {
  messageId: string;
  conversationId: string;
  seq: number;
  sentAt: string;
}

/** What a client asks to send, whatever the conversation. */
export interface MessageDraft {
  conversationId: string;
  messageId: string;
  senderId: string;
  senderDeviceId: string;
  clientMsgId: string;
  kind: MessageKind;
  body: string | null;
  mediaId: string | null;
  replyTo: string | null;
  forwardOf: string | null;
  now: Date;
}

export type SendDecision = { duplicateOf: SentMessage } | { events: [MessageSent]; sent: SentMessage };

export const initialMessageLog = (): MessageLog => ({ lastSeq: 0, messageIds: new Set(), senders: [], sends: new Map() });

export const sendKey = (senderId: string, clientMsgId: string) => `${senderId}\u0000${clientMsgId}`;

/** A repeated (sender, clientMsgId) is answered with the first result; nothing new is decided. */
export function earlierSend(log: MessageLog, draft: MessageDraft): SentMessage | undefined {
  return log.sends.get(sendKey(draft.senderId, draft.clientMsgId));
}

/** Checks the draft against the log and numbers it: the next seq, with no gaps. */
export function decideMessage(
  log: MessageLog,
  draft: MessageDraft,
  conversationType: 'direct' | 'group',
  recipientIds: string[],
): SendDecision {
  const earlier = earlierSend(log, draft);
  if (earlier) return { duplicateOf: earlier };
  if (draft.body !== null && Buffer.byteLength(draft.body, 'utf8') > MAX_BODY_BYTES) {
    throw new DomainError('too_large', 'body_too_large', `body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  if (draft.replyTo !== null && !log.messageIds.has(draft.replyTo)) {
    throw notFound('reply_target_not_found', 'replyTo names no message of this conversation');
  }
  const sent: SentMessage = { messageId: draft.messageId, conversationId: draft.conversationId, seq: log.lastSeq + 1, sentAt: draft.now.toISOString() };
  const event: MessageSent = {
    type: 'MessageSent',
    data: {
      messageId: sent.messageId,
      conversationId: sent.conversationId,
      conversationType,
      seq: sent.seq,
      senderId: draft.senderId,
      senderDeviceId: draft.senderDeviceId,
      recipientIds,
      clientMsgId: draft.clientMsgId,
      kind: draft.kind,
      body: draft.body,
      mediaId: draft.mediaId,
      replyTo: draft.replyTo,
      forwardOf: draft.forwardOf,
      sentAt: sent.sentAt,
    },
  };
  return { events: [event], sent };
}

export function recordMessage(log: MessageLog, { data }: MessageSent): void {
  log.lastSeq = data.seq;
  log.messageIds.add(data.messageId);
  log.senders[data.seq - 1] = data.senderId;
  log.sends.set(sendKey(data.senderId, data.clientMsgId), {
    messageId: data.messageId,
    conversationId: data.conversationId,
    seq: data.seq,
    sentAt: data.sentAt,
  });
}

/** Every failure a send can meet that is about the request rather than the state. */
export const sendErrors = {
  self: () => new DomainError('invalid', 'cannot_message_self', 'to.userId must be another user'),
};
