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
  initialReceiptWatermark,
  initialUser,
  ReceiptEvent,
  ReceiptWatermark,
  User,
  UserEvent,
} from '../../domain/src/index.js';
import { AggregateType } from './aggregate-store.js';

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
