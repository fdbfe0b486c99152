/**
 * The personal fields of events, sealed in the event store with a data key per message (see
 * libs/event-store/src/sealing). Deleting or expiring a message destroys its key: the fields are
 * then gone from every copy of the log, and read as null with `erased: true`.
 */
export const SEALED_EVENT_FIELDS = {
  MessageSent: { keyField: 'messageId', fields: ['body'], createsKey: true },
  MessageEdited: { keyField: 'messageId', fields: ['body'], createsKey: false },
} as const;

/**
 * The id of a media object's data key in the same vault: media at rest is sealed with a key of
 * its own, destroyed when the last message naming the media is erased (libs/media).
 */
export const mediaKeyId = (mediaId: string): string => `media:${mediaId}`;
