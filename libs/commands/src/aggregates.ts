import {
  ConversationEvent,
  DirectConversation,
  evolveDirectConversation,
  evolveReceiptWatermark,
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
  initial: initialDirectConversation,
  evolve: evolveDirectConversation,
};

export const ReceiptWatermarkAggregate: AggregateType<ReceiptWatermark, ReceiptEvent> = {
  initial: initialReceiptWatermark,
  evolve: evolveReceiptWatermark,
};

export const UserAggregate: AggregateType<User, UserEvent> = {
  initial: initialUser,
  evolve: evolveUser,
};
