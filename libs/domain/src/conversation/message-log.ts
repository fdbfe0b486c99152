import { DomainError, forbidden, invalid, notFound } from '../errors.js';
import {
  DisappearingTimer,
  DisappearingTimerSet,
  MessageDeleted,
  MessageEdited,
  MessageExpired,
  MessageHidden,
  MessageKind,
  MessageLifecycleEvent,
  MessageReacted,
  MessageSent,
  MessageStarred,
  MessageUnstarred,
} from '../events.js';

/** Message bodies are opaque (maybe ciphertext) but bounded. */
export const MAX_BODY_BYTES = 65_536;

/** The part of any conversation's state that numbers messages and remembers sends. */
export interface MessageLog {
  lastSeq: number;
  /** Every message, by id: what edits and deletions are decided on. */
  messages: Map<string, LoggedMessage>;
  /** Sender of each message, by seq - 1: who a receipt watermark newly concerns. */
  senders: string[];
  /** Results of earlier sends by (sender, clientMsgId), to answer duplicates. */
  sends: Map<string, SentMessage>;
  /** Disappearing messages: seconds after sending that a message sent now expires (0: off). */
  timerSeconds: DisappearingTimer;
}

export interface LoggedMessage {
  seq: number;
  senderId: string;
  kind: MessageKind;
  sentAt: string;
  /** Deleted for everyone or expired: its content is erased. */
  deleted: boolean;
  expiresAt: string | null;
  /** Users who deleted it for themselves. */
  hiddenFor: Set<string>;
  /** Each user's reaction (one emoji), by user id. */
  reactions: Map<string, string>;
  /** Users who starred it. */
  starredBy: Set<string>;
  /**
   * What a forward copies: the current text (null once deleted), media and score. Kept here
   * because the forward is decided on this state and a long stream is not read again for it.
   */
  body: string | null;
  mediaId: string | null;
  forwardScore: number;
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
  /**
   * Set by a forward whose source was checked in its own conversation (`decideForward`);
   * without it, `forwardOf` must name a message of this conversation the sender can see.
   */
  forwardScore?: number;
  now: Date;
}

export type SendDecision = { duplicateOf: SentMessage } | { events: [MessageSent]; sent: SentMessage };

export const initialMessageLog = (): MessageLog => ({ lastSeq: 0, messages: new Map(), senders: [], sends: new Map(), timerSeconds: 0 });

export const sendKey = (senderId: string, clientMsgId: string) => `${senderId}\u0000${clientMsgId}`;

/** A repeated (sender, clientMsgId) is answered with the first result; nothing new is decided. */
export function earlierSend(log: MessageLog, draft: MessageDraft): SentMessage | undefined {
  return log.sends.get(sendKey(draft.senderId, draft.clientMsgId));
}

/**
 * Checks the draft against the log and numbers it: the next seq, with no gaps. `senderSees`
 * tells whether the sender could see the message at a seq (in a group: a membership covering it).
 */
export function decideMessage(
  log: MessageLog,
  draft: MessageDraft,
  conversationType: 'direct' | 'group',
  recipientIds: string[],
  senderSees: (seq: number) => boolean = () => true,
): SendDecision {
  const earlier = earlierSend(log, draft);
  if (earlier) return { duplicateOf: earlier };
  if (draft.body !== null && Buffer.byteLength(draft.body, 'utf8') > MAX_BODY_BYTES) {
    throw new DomainError('too_large', 'body_too_large', `body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  const quoted = draft.replyTo === null ? null : log.messages.get(draft.replyTo);
  // A message the sender never saw, or deleted for themselves, is answered as if it did not exist.
  if (quoted !== null && (quoted === undefined || quoted.hiddenFor.has(draft.senderId) || !senderSees(quoted.seq))) {
    throw notFound('reply_target_not_found', 'replyTo names no message of this conversation that you can see');
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
      forwardScore: draft.forwardScore ?? 0,
      sentAt: sent.sentAt,
      expiresAt: log.timerSeconds === 0 ? null : new Date(draft.now.getTime() + log.timerSeconds * 1000).toISOString(),
    },
  };
  return { events: [event], sent };
}

export function recordMessage(log: MessageLog, { data }: MessageSent): void {
  log.lastSeq = data.seq;
  log.messages.set(data.messageId, {
    seq: data.seq, senderId: data.senderId, kind: data.kind, sentAt: data.sentAt, deleted: data.erased === true, expiresAt: data.expiresAt,
    hiddenFor: new Set(), reactions: new Map(), starredBy: new Set(), body: data.body, mediaId: data.mediaId, forwardScore: data.forwardScore,
  });
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

/** How long after sending a message may still be changed (configurable: EDIT_WINDOW_MS, DELETE_WINDOW_MS). */
export interface LifecycleWindows {
  editMs: number;
  deleteMs: number;
}

export const DEFAULT_LIFECYCLE_WINDOWS: LifecycleWindows = { editMs: 15 * 60_000, deleteMs: 60 * 3_600_000 };

/** A change to one message of a conversation, by `userId`. */
export type LifecycleCommand =
  | { type: 'EditMessage'; messageId: string; userId: string; body: string; now: Date }
  | { type: 'DeleteForEveryone'; messageId: string; userId: string; now: Date }
  | { type: 'DeleteForMe'; messageId: string; userId: string; now: Date }
  /** `emoji` null removes the user's reaction. */
  | { type: 'React'; messageId: string; userId: string; emoji: string | null; now: Date }
  | { type: 'Star' | 'Unstar'; messageId: string; userId: string; now: Date };

/** What the conversation says about the user and the message, for the rules below. */
export interface LifecycleContext {
  conversationId: string;
  /** Whoever can see the message (its audience). */
  audience: string[];
  /** The user may see the message. */
  canSee: boolean;
  /** The user is a group admin (may delete any message of the group) */
  isAdmin: boolean;
  /** The user may still write in the conversation (a member; not blocked in a direct chat). */
  mayWrite: boolean;
}

export function loggedMessage(log: MessageLog, messageId: string): LoggedMessage {
  const message = log.messages.get(messageId);
  if (!message) throw notFound('message_not_found', 'no message with that id in this conversation');
  return message;
}

/**
 * Edits, deletions, reactions and stars, the same for direct chats and groups. Asking for the
 * state a message already has (a repeated deletion, the same reaction, a second star) records
 * nothing; editing, reacting to or starring a deleted message is refused.
 */
export function decideLifecycle(log: MessageLog, command: LifecycleCommand, context: LifecycleContext, windows: LifecycleWindows): MessageLifecycleEvent[] {
  const message = loggedMessage(log, command.messageId);
  const hidden = message.hiddenFor.has(command.userId);
  if (command.type === 'DeleteForMe' && hidden) return [];
  if (!context.canSee || hidden) throw notFound('message_not_found', 'no message with that id in this conversation');
  const at = command.now.toISOString();
  const age = command.now.getTime() - Date.parse(message.sentAt);
  const fact = { messageId: command.messageId, conversationId: context.conversationId, seq: message.seq, audience: context.audience };
  switch (command.type) {
    case 'DeleteForMe': {
      const hidden: MessageHidden = { type: 'MessageHidden', data: { messageId: command.messageId, conversationId: context.conversationId, seq: message.seq, userId: command.userId, at } };
      return [hidden];
    }
    case 'DeleteForEveryone': {
      if (message.deleted) return [];
      const own = message.senderId === command.userId;
      if (!own && !context.isAdmin) throw forbidden('not_your_message', 'only its sender (or a group admin) may delete a message for everyone');
      if (own && !context.isAdmin && age > windows.deleteMs) throw forbidden('delete_window_passed', `a message can be deleted for everyone only within ${windows.deleteMs / 3_600_000} hours of sending`);
      if (!context.mayWrite && !context.isAdmin) throw forbidden('not_a_participant', 'you can no longer write in this conversation');
      const deleted: MessageDeleted = { type: 'MessageDeleted', data: { ...fact, senderId: message.senderId, deletedBy: command.userId, deletedAt: at } };
      return [deleted];
    }
    case 'EditMessage': {
      if (message.senderId !== command.userId) throw forbidden('not_your_message', 'only its sender may edit a message');
      if (message.deleted) throw new DomainError('conflict', 'message_deleted', 'a deleted message cannot be edited');
      if (message.kind !== 'text') throw new DomainError('invalid', 'not_editable', 'only text messages can be edited');
      if (age > windows.editMs) throw forbidden('edit_window_passed', `a message can be edited only within ${windows.editMs / 60_000} minutes of sending`);
      if (!context.mayWrite) throw forbidden('not_a_participant', 'you can no longer write in this conversation');
      if (Buffer.byteLength(command.body, 'utf8') > MAX_BODY_BYTES) throw new DomainError('too_large', 'body_too_large', `body is larger than ${MAX_BODY_BYTES} bytes`);
      const edited: MessageEdited = { type: 'MessageEdited', data: { ...fact, senderId: message.senderId, body: command.body, editedAt: at } };
      return [edited];
    }
    case 'React': {
      if (message.deleted) throw new DomainError('conflict', 'message_deleted', 'a deleted message cannot be reacted to');
      // Reacting writes to the conversation: a former member or a blocked chat may not.
      if (!context.mayWrite) throw forbidden('not_a_participant', 'you can no longer write in this conversation');
      if ((message.reactions.get(command.userId) ?? null) === command.emoji) return [];
      const reacted: MessageReacted = { type: 'MessageReacted', data: { ...fact, userId: command.userId, emoji: command.emoji, at } };
      return [reacted];
    }
    case 'Star':
    case 'Unstar': {
      if (message.deleted) throw new DomainError('conflict', 'message_deleted', 'a deleted message cannot be starred');
      // A star is the user's own bookmark: seeing the message is enough, as a former member too.
      if (message.starredBy.has(command.userId) === (command.type === 'Star')) return [];
      const data = { messageId: command.messageId, conversationId: context.conversationId, seq: message.seq, userId: command.userId, at };
      const starred: MessageStarred | MessageUnstarred = command.type === 'Star' ? { type: 'MessageStarred', data } : { type: 'MessageUnstarred', data };
      return [starred];
    }
  }
}

/**
 * A message's time came: it is erased as a deletion for everyone is, but by no one. Not before
 * its `expiresAt`, to the millisecond; an already erased message records nothing, so any number
 * of expiry jobs may ask at once.
 */
export function decideExpiry(log: MessageLog, messageId: string, now: Date, conversationId: string, audience: string[]): MessageExpired[] {
  const message = loggedMessage(log, messageId);
  if (message.deleted) return [];
  if (message.expiresAt === null) throw new DomainError('conflict', 'not_disappearing', 'the message was not sent with disappearing messages on');
  if (now.getTime() < Date.parse(message.expiresAt)) throw new DomainError('conflict', 'not_expired_yet', `the message expires at ${message.expiresAt}`);
  return [{
    type: 'MessageExpired',
    data: { messageId, conversationId, seq: message.seq, audience, senderId: message.senderId, expiresAt: message.expiresAt, expiredAt: now.toISOString() },
  }];
}

/** Setting the timer it already has records nothing. Who may set it is the conversation's rule. */
export function decideTimer(log: MessageLog, seconds: DisappearingTimer, by: string, now: Date, conversationId: string, audience: string[]): DisappearingTimerSet[] {
  if (seconds === log.timerSeconds) return [];
  return [{ type: 'DisappearingTimerSet', data: { conversationId, by, seconds, at: now.toISOString(), audience } }];
}

export function recordTimer(log: MessageLog, event: DisappearingTimerSet): void {
  log.timerSeconds = event.data.seconds;
}

export function recordLifecycle(log: MessageLog, event: MessageLifecycleEvent): void {
  const message = log.messages.get(event.data.messageId);
  if (!message) return;
  switch (event.type) {
    case 'MessageEdited':
      message.body = event.data.body;
      break;
    case 'MessageDeleted':
    case 'MessageExpired':
      // Nothing of a deleted message is kept: its reactions and stars go with it.
      message.deleted = true;
      message.body = null;
      message.reactions.clear();
      message.starredBy.clear();
      break;
    case 'MessageHidden':
      message.hiddenFor.add(event.data.userId);
      message.starredBy.delete(event.data.userId);
      break;
    case 'MessageReacted':
      if (event.data.emoji === null) message.reactions.delete(event.data.userId);
      else message.reactions.set(event.data.userId, event.data.emoji);
      break;
    case 'MessageStarred':
      message.starredBy.add(event.data.userId);
      break;
    case 'MessageUnstarred':
      message.starredBy.delete(event.data.userId);
      break;
  }
}

/** From this score on a message is "forwarded many times" (WhatsApp's rule) and goes to one chat at a time. */
export const FORWARDED_MANY_TIMES = 5;
/** At most this many chats per forward. */
export const MAX_FORWARD_TARGETS = 5;

/** Forward one message of this conversation, seen by `userId`, to `targets` chats. */
export interface ForwardMessage {
  messageId: string;
  userId: string;
  targets: number;
}

/** What each copy of a forward carries: the source's content and one more hop. */
export interface ForwardCopy {
  forwardOf: string;
  kind: MessageKind;
  body: string | null;
  mediaId: string | null;
  forwardScore: number;
}

/**
 * Decided on the source's conversation: only a message the user can see (and has not deleted for
 * themselves) is forwarded, never a deleted one, and a message forwarded many times to one chat only.
 */
export function decideForward(log: MessageLog, command: ForwardMessage, canSee: boolean): ForwardCopy {
  const message = log.messages.get(command.messageId);
  if (!message || !canSee || message.hiddenFor.has(command.userId)) {
    throw notFound('forward_source_not_found', 'no message with that id in that conversation that you can see');
  }
  if (message.deleted) throw new DomainError('conflict', 'message_deleted', 'a deleted message cannot be forwarded');
  if (command.targets > MAX_FORWARD_TARGETS) throw invalid('too_many_targets', `a message can be forwarded to at most ${MAX_FORWARD_TARGETS} chats at a time`);
  if (message.forwardScore >= FORWARDED_MANY_TIMES && command.targets > 1) {
    throw forbidden('forwarded_many_times', 'a message forwarded many times can be forwarded to only one chat at a time');
  }
  return { forwardOf: command.messageId, kind: message.kind, body: message.body, mediaId: message.mediaId, forwardScore: message.forwardScore + 1 };
}

/** A send naming `forwardOf` itself forwards a message of the same conversation: its score is decided here. */
export function withForwardScore<D extends MessageDraft>(log: MessageLog, draft: D, canSee: (seq: number) => boolean): D {
  if (draft.forwardOf === null || draft.forwardScore !== undefined) return draft;
  const seq = log.messages.get(draft.forwardOf)?.seq;
  const copy = decideForward(log, { messageId: draft.forwardOf, userId: draft.senderId, targets: 1 }, seq !== undefined && canSee(seq));
  return { ...draft, forwardScore: copy.forwardScore };
}
