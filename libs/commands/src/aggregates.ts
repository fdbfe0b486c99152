import {
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

export const DirectConversationAggregate: AggregateType<DirectConversation, ConversationEvent> = {
  name: 'DirectConversation',
  initial: initialDirectConversation,
  evolve: evolveDirectConversation,
};

export const ReceiptWatermarkAggregate: AggregateType<ReceiptWatermark, ReceiptEvent> = {
  name: 'ReceiptWatermark',
  initial: initialReceiptWatermark,
  evolve: evolveReceiptWatermark,
};

export const UserAggregate: AggregateType<User, UserEvent> = {
  name: 'User',
  initial: initialUser,
  evolve: evolveUser,
};

export const GroupAggregate: AggregateType<GroupConversation, GroupEvent> = {
  name: 'Group',
  initial: initialGroup,
  evolve: evolveGroup,
};

export const PrivacyAggregate: AggregateType<Privacy, PrivacyEvent> = {
  name: 'Privacy',
  initial: initialPrivacy,
  evolve: evolvePrivacy,
};
