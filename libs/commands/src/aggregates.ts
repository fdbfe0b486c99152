import {
  CONVERSATION_EVENT_TYPES,
  GROUP_EVENT_TYPES,
  PRIVACY_EVENT_TYPES,
  RECEIPT_EVENT_TYPES,
  USER_EVENT_TYPES,
  ConversationEvent,
  DirectConversation,
  evolveDirectConversation,
  evolveGroup,
  evolvePrivacy,
  initialPrivacy,
  Privacy,
  PrivacyEvent,
  evolveReceiptWatermark,
  GroupConversation,
  GroupEvent,
  initialGroup,
  evolveUser,
  initialDirectConversation,
  isGroupConversation,
  streams,
  initialReceiptWatermark,
  initialUser,
  ReceiptEvent,
  ReceiptWatermark,
  User,
  UserEvent,
} from '../../domain/src/index.js';
import type { AggregateStore, AggregateType, Decision } from './aggregate-store.js';

export const DirectConversationAggregate: AggregateType<DirectConversation, ConversationEvent['type']> = {
  name: 'DirectConversation',
  eventTypes: CONVERSATION_EVENT_TYPES,
  initial: initialDirectConversation,
  evolve: evolveDirectConversation,
};

export const ReceiptWatermarkAggregate: AggregateType<ReceiptWatermark, ReceiptEvent['type']> = {
  name: 'ReceiptWatermark',
  eventTypes: RECEIPT_EVENT_TYPES,
  initial: initialReceiptWatermark,
  evolve: evolveReceiptWatermark,
};

export const UserAggregate: AggregateType<User, UserEvent['type']> = {
  name: 'User',
  eventTypes: USER_EVENT_TYPES,
  initial: initialUser,
  evolve: evolveUser,
};

export const GroupAggregate: AggregateType<GroupConversation, GroupEvent['type']> = {
  name: 'Group',
  eventTypes: GROUP_EVENT_TYPES,
  initial: initialGroup,
  evolve: evolveGroup,
};

export const PrivacyAggregate: AggregateType<Privacy, PrivacyEvent['type']> = {
  name: 'Privacy',
  eventTypes: PRIVACY_EVENT_TYPES,
  initial: initialPrivacy,
  evolve: evolvePrivacy,
};

/** How a command decides on a conversation of either kind: the same event types, per kind of state. */
export interface ConversationDecision<E extends ConversationEvent & GroupEvent, R> {
  group(state: GroupConversation): Decision<E, R>;
  direct(state: DirectConversation): Decision<E, R>;
}

/** Runs a command on a conversation's stream, as a group or a direct chat by its id. */
export function executeOnConversation<E extends ConversationEvent & GroupEvent, R>(
  aggregates: AggregateStore,
  conversationId: string,
  decide: ConversationDecision<E, R>,
): Promise<R> {
  const stream = streams.conversation(conversationId);
  return isGroupConversation(conversationId)
    ? aggregates.execute(stream, GroupAggregate, decide.group)
    : aggregates.execute(stream, DirectConversationAggregate, decide.direct);
}
