/**
 * The personal fields of events, sealed in the event store with a data key per message (see
 * libs/event-store/src/sealing). Deleting or expiring a message destroys its key: the fields are
 * then gone from every copy of the log, and read as null with `erased: true`.
 */
export const SEALED_EVENT_FIELDS = {
  MessageSent: { keyField: 'messageId', fields: ['body'], createsKey: true },
  MessageEdited: { keyField: 'messageId', fields: ['body'], createsKey: false },
} as const;
