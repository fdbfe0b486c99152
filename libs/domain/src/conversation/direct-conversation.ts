import { forbidden } from '../errors.js';
import { MessageSent } from '../events.js';
import { decideMessage, earlierSend, initialMessageLog, MessageDraft, MessageLog, recordMessage, SendDecision, sendErrors } from './message-log.js';

/** What the command side needs to know about a direct conversation to decide a send. */
export interface DirectConversation {
  participants: [string, string] | null;
  log: MessageLog;
}

export interface SendDirectMessage extends MessageDraft {
  recipientId: string;
  /** Either side's block stops the chat; the blocked side learns only that it may not send. */
  recipientBlocksSender: boolean;
  senderBlocksRecipient: boolean;
}

export const initialDirectConversation = (): DirectConversation => ({ participants: null, log: initialMessageLog() });

export function decideSendDirectMessage(command: SendDirectMessage, state: DirectConversation): SendDecision {
  const earlier = earlierSend(state.log, command);
  if (earlier) return { duplicateOf: earlier };
  if (command.senderId === command.recipientId) throw sendErrors.self();
  if (command.recipientBlocksSender) throw forbidden('blocked', 'you cannot send messages to this user');
  if (command.senderBlocksRecipient) throw forbidden('you_blocked_recipient', 'unblock this user to send them messages');
  if (state.participants && !state.participants.includes(command.senderId)) {
    throw forbidden('not_a_participant', 'you are not a participant of this conversation');
  }
  return decideMessage(state.log, command, 'direct', [command.recipientId]);
}

/** Folds one event into the state; mutates and returns it (the command side caches states). */
export function evolveDirectConversation(state: DirectConversation, event: MessageSent): DirectConversation {
  state.participants ??= [event.data.senderId, event.data.recipientIds[0]].sort() as [string, string];
  recordMessage(state.log, event);
  return state;
}
