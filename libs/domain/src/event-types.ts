import type { CallEvent, CallLineTaken, ConversationEvent, DomainEvent, DomainEventType, GroupEvent, PrivacyEvent, ReceiptEvent, UserEvent } from './events.js';

/** The domain event of that type name (or names). */
export type EventOfType<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;

/** Type names as a set the compiler checks is complete: `{ MessageSent: true, … }`. */
export type EventTypeSet<T extends DomainEventType> = { readonly [K in T]: true };

/** The events each aggregate's stream holds. */
export const CONVERSATION_EVENT_TYPES: EventTypeSet<ConversationEvent['type']> = {
  MessageSent: true,
  MessageEdited: true,
  MessageDeleted: true,
  MessageHidden: true,
  MessageExpired: true,
  MessageReacted: true,
  MessageStarred: true,
  MessageUnstarred: true,
  UserBlocked: true,
  UserUnblocked: true,
  DisappearingTimerSet: true,
};
export const GROUP_EVENT_TYPES: EventTypeSet<GroupEvent['type']> = {
  GroupChanged: true,
  MessageSent: true,
  MessageEdited: true,
  MessageDeleted: true,
  MessageHidden: true,
  MessageExpired: true,
  DisappearingTimerSet: true,
  MessageReacted: true,
  MessageStarred: true,
  MessageUnstarred: true,
};
/** Calls are recorded in the conversation's stream, beside its messages. */
export const CALL_EVENT_TYPES: EventTypeSet<CallEvent['type']> = { CallStarted: true, CallAnswered: true, CallDeclined: true, CallLeft: true, CallEnded: true };
export const CALL_LINE_EVENT_TYPES: EventTypeSet<CallLineTaken['type']> = { CallLineTaken: true };
export const RECEIPT_EVENT_TYPES: EventTypeSet<ReceiptEvent['type']> = { MessageDelivered: true, MessageRead: true };
export const USER_EVENT_TYPES: EventTypeSet<UserEvent['type']> = { UserRegistered: true, DeviceLoggedIn: true, DeviceLoggedOut: true, ProfileUpdated: true };
export const PRIVACY_EVENT_TYPES: EventTypeSet<PrivacyEvent['type']> = { PrivacySettingsChanged: true, ContactsSynced: true };

/** An event as the event store gives it (its `UntypedEvent`: the domain depends on nothing, so the shape is restated). */
interface UntypedEvent {
  type: string;
  data: Record<string, unknown>;
}

/**
 * Where the untyped event log meets the domain: a guard for events of the listed types (an
 * array, or a set such as `GROUP_EVENT_TYPES`). The log hands out events at their current
 * schema (upcasting: event-schemas.ts), so an event whose type names a domain event has that
 * event's data, and checking the name is enough. Whatever else the event carries (`Envelope`:
 * the store's id, positions, …) is kept, so a stored event narrows to a stored domain event.
 */
export function isEventOf<T extends DomainEventType>(types: readonly T[] | EventTypeSet<T>) {
  const known = new Set<string>(Symbol.iterator in types ? types : Object.keys(types));
  return <Envelope>(event: Envelope & UntypedEvent): event is Envelope & EventOfType<T> => known.has(event.type);
}
