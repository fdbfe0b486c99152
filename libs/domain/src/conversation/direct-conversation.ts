import { DomainError, forbidden, notFound } from '../errors.js';
import { MessageKind, MessageSent } from '../events.js';

/** What the command side needs to know about a direct conversation to decide a send. */
export interface DirectConversation {
  participants: [string, string] | null;
  lastSeq: number;
  messageIds: Set<string>;
  /** Results of earlier sends by (sender, clientMsgId), to answer duplicates. */
  sends: Map<string, SentMessage>;
}

export interface SentMessage {
  messageId: string;
  conversationId: string;
  seq: number;
  sentAt: string;
}

/** Message bodies are opaque (maybe ciphertext) but bounded. */
export const MAX_BODY_BYTES = 65_536;

export interface SendDirectMessage {
  conversationId: string;
  messageId: string;
  senderId: string;
  senderDeviceId: string;
  recipientId: string;
  clientMsgId: string;
  kind: MessageKind;
  body: string | null;
  mediaId: string | null;
  replyTo: string | null;
  forwardOf: string | null;
  now: Date;
}

export type SendDecision = { duplicateOf: SentMessage } | { events: [MessageSent]; sent: SentMessage };

export const initialDirectConversation = (): DirectConversation => ({
  participants: null,
  lastSeq: 0,
  messageIds: new Set(),
  sends: new Map(),
});

const sendKey = (senderId: string, clientMsgId: string) => `${senderId}\u0000${clientMsgId}`;

export function decideSendDirectMessage(command: SendDirectMessage, state: DirectConversation): SendDecision {
  const earlier = state.sends.get(sendKey(command.senderId, command.clientMsgId));
  if (earlier) return { duplicateOf: earlier };
  if (command.body !== null && Buffer.byteLength(command.body, 'utf8') > MAX_BODY_BYTES) {
    throw new DomainError('too_large', 'body_too_large', `body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  if (command.senderId === command.recipientId) {
    throw new DomainError('invalid', 'cannot_message_self', 'to.userId must be another user');
  }
  if (state.participants && !state.participants.includes(command.senderId)) {
    throw forbidden('not_a_participant', 'you are not a participant of this conversation');
  }
  if (command.replyTo !== null && !state.messageIds.has(command.replyTo)) {
    throw notFound('reply_target_not_found', 'replyTo names no message of this conversation');
  }
  const sent: SentMessage = {
    messageId: command.messageId,
    conversationId: command.conversationId,
    seq: state.lastSeq + 1,
    sentAt: command.now.toISOString(),
  };
  const event: MessageSent = {
    type: 'MessageSent',
    data: {
      messageId: sent.messageId,
      conversationId: sent.conversationId,
      conversationType: 'direct',
      seq: sent.seq,
      senderId: command.senderId,
      senderDeviceId: command.senderDeviceId,
      recipientIds: [command.recipientId],
      clientMsgId: command.clientMsgId,
      kind: command.kind,
      body: command.body,
      mediaId: command.mediaId,
      replyTo: command.replyTo,
      forwardOf: command.forwardOf,
      sentAt: sent.sentAt,
    },
  };
  return { events: [event], sent };
}

/** Folds one event into the state; mutates and returns it (the command side caches states). */
export function evolveDirectConversation(state: DirectConversation, event: MessageSent): DirectConversation {
  const { data } = event;
  state.participants ??= [data.senderId, data.recipientIds[0]].sort() as [string, string];
  state.lastSeq = data.seq;
  state.messageIds.add(data.messageId);
  state.sends.set(sendKey(data.senderId, data.clientMsgId), {
    messageId: data.messageId,
    conversationId: data.conversationId,
    seq: data.seq,
    sentAt: data.sentAt,
  });
  return state;
}
