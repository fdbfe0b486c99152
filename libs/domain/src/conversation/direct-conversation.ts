import { DomainError, forbidden, notFound } from '../errors.js';
import { BlockEvent, ConversationEvent, DisappearingTimer, DisappearingTimerSet, MessageExpired, MessageLifecycleEvent } from '../events.js';
import {
  decideExpiry,
  decideForward,
  decideLifecycle,
  decideMessage,
  decideTimer,
  earlierSend,
  ForwardCopy,
  ForwardMessage,
  initialMessageLog,
  LifecycleCommand,
  LifecycleWindows,
  MessageDraft,
  MessageLog,
  recordLifecycle,
  recordMessage,
  recordTimer,
  SendDecision,
  sendErrors,
  withForwardScore,
} from './message-log.js';

/** What the command side needs to know about a direct conversation to decide a send. */
export interface DirectConversation {
  participants: [string, string] | null;
  log: MessageLog;
  /**
   * Who of the two has blocked the other. Blocks live in the conversation's own stream, so a send
   * is decided against the blocks at the version it appends at: no block can slip past a send.
   */
  blockers: Set<string>;
}

export interface SendDirectMessage extends MessageDraft {
  recipientId: string;
}

export const initialDirectConversation = (): DirectConversation => ({ participants: null, log: initialMessageLog(), blockers: new Set() });

export function decideSendDirectMessage(command: SendDirectMessage, state: DirectConversation): SendDecision {
  const earlier = earlierSend(state.log, command);
  if (earlier) return { duplicateOf: earlier };
  if (command.senderId === command.recipientId) throw sendErrors.self();
  // Either side's block stops the chat; the blocked side learns only that it may not send.
  if (state.blockers.has(command.recipientId)) throw forbidden('blocked', 'you cannot send messages to this user');
  if (state.blockers.has(command.senderId)) throw forbidden('you_blocked_recipient', 'unblock this user to send them messages');
  if (state.participants && !state.participants.includes(command.senderId)) {
    throw forbidden('not_a_participant', 'you are not a participant of this conversation');
  }
  // The sender is a participant here, so sees every message of the chat.
  return decideMessage(state.log, withForwardScore(state.log, command, () => true), 'direct', [command.recipientId]);
}

/** Forwarding out of a direct chat: either participant may forward any message they have not deleted for themselves. */
export function decideDirectForward(command: ForwardMessage, state: DirectConversation): ForwardCopy {
  return decideForward(state.log, command, state.participants?.includes(command.userId) ?? false);
}

export interface ChangeBlock {
  type: 'BlockUser' | 'UnblockUser';
  userId: string;
  blockedUserId: string;
  now: Date;
}

/** Blocking twice, or unblocking someone not blocked, records nothing: the state asked for holds. */
export function decideChangeBlock(command: ChangeBlock, state: DirectConversation): BlockEvent[] {
  if (command.blockedUserId === command.userId) throw new DomainError('invalid', 'cannot_block_self', 'you cannot block yourself');
  const data = { userId: command.userId, blockedUserId: command.blockedUserId, at: command.now.toISOString() };
  const blocking = state.blockers.has(command.userId);
  if (command.type === 'BlockUser') return blocking ? [] : [{ type: 'UserBlocked', data }];
  return blocking ? [{ type: 'UserUnblocked', data }] : [];
}

/** Edits, deletions, reactions and stars in a direct chat: both participants see every message; a block stops edits and reactions, not deletions or stars. */
export function decideDirectLifecycle(command: LifecycleCommand, state: DirectConversation, conversationId: string, windows: LifecycleWindows): MessageLifecycleEvent[] {
  const participants: string[] = state.participants ?? [];
  const participant = participants.includes(command.userId);
  return decideLifecycle(state.log, command, {
    conversationId,
    audience: [...participants],
    canSee: participant,
    isAdmin: false,
    mayWrite: participant && state.blockers.size === 0,
  }, windows);
}

/** Either participant sets the timer, unless one blocks the other (the other side would be told of it). */
export function decideDirectTimer(state: DirectConversation, conversationId: string, userId: string, seconds: DisappearingTimer, now: Date): DisappearingTimerSet[] {
  const participants: string[] = state.participants ?? [];
  if (!participants.includes(userId)) throw notFound('conversation_not_found', 'no conversation with that id');
  if (state.blockers.size > 0) throw forbidden('blocked', 'disappearing messages cannot be changed while either of you blocks the other');
  return decideTimer(state.log, seconds, userId, now, conversationId, [...participants]);
}

export function decideDirectExpiry(state: DirectConversation, conversationId: string, messageId: string, now: Date): MessageExpired[] {
  return decideExpiry(state.log, messageId, now, conversationId, [...(state.participants ?? [])]);
}

/** Folds one event into the state; mutates and returns it (the command side caches states). */
export function evolveDirectConversation(state: DirectConversation, event: ConversationEvent): DirectConversation {
  if (event.type === 'MessageSent') {
    state.participants ??= [event.data.senderId, event.data.recipientIds[0]].sort() as [string, string];
    recordMessage(state.log, event);
  } else if (event.type === 'DisappearingTimerSet') {
    recordTimer(state.log, event);
  } else if (event.type !== 'UserBlocked' && event.type !== 'UserUnblocked') {
    recordLifecycle(state.log, event);
  } else {
    state.participants ??= [event.data.userId, event.data.blockedUserId].sort() as [string, string];
    if (event.type === 'UserBlocked') state.blockers.add(event.data.userId);
    else state.blockers.delete(event.data.userId);
  }
  return state;
}
