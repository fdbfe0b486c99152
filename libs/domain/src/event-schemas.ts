/**
 * Schema versions of the events' data and the upcasters from older shapes (see
 * libs/event-store/src/upcasting). Plain data and pure functions, so the domain depends on
 * nothing; libs/platform/src/event-upcasting.ts wires them into the event store.
 *
 * Types not listed are at version 1. When an event's shape changes: raise its version here,
 * add an upcaster from the previous version, and add a fixture of the old shape to
 * libs/event-store/test/fixtures.
 */
export const EVENT_SCHEMA_VERSIONS: Record<string, number> = {
  MessageSent: 4,
  MessageDelivered: 2,
  MessageRead: 2,
};

/**
 * MessageSent v1, the prototype's shape (direct text messages only):
 * `{messageId, conversationId, seq, senderId, senderDeviceId, recipientId, clientMsgId, text, sentAt}`.
 * v2 (current) names the conversation's type, lists every recipient (groups) and carries a
 * kind, an optional body and the media / reply / forward references.
 *
 * Events appended before versions were stamped carry no version and read as v1, but most of
 * them already have the v2 shape: those pass through unchanged.
 */
function messageSentV1ToV2(data: Record<string, unknown>): Record<string, unknown> {
  if (Array.isArray(data.recipientIds) && typeof data.kind === 'string') return data;
  const { recipientId, text, ...rest } = data;
  return {
    ...rest,
    conversationType: 'direct',
    recipientIds: typeof recipientId === 'string' ? [recipientId] : [],
    kind: 'text',
    body: typeof text === 'string' ? text : null,
    mediaId: null,
    replyTo: null,
    forwardOf: null,
  };
}

/** MessageSent v3 adds `expiresAt` (disappearing messages); messages sent before it never expire. */
function messageSentV2ToV3(data: Record<string, unknown>): Record<string, unknown> {
  return 'expiresAt' in data ? data : { ...data, expiresAt: null };
}

/**
 * MessageSent v4 adds `forwardScore`, the forwarding hops behind the content. Before it nothing
 * checked `forwardOf`: an older forward counts as one hop, anything else as an original.
 */
function messageSentV3ToV4(data: Record<string, unknown>): Record<string, unknown> {
  if (typeof data.forwardScore === 'number') return data;
  return { ...data, forwardScore: typeof data.forwardOf === 'string' ? 1 : 0 };
}

/**
 * MessageDelivered / MessageRead v1 had no `audience`: the feed worked it out from read models.
 * v2 records it with the event. Who else a v1 receipt concerned cannot be told from the event
 * alone, so a v1 receipt reaches only the acknowledging user's devices.
 */
function receiptV1ToV2(data: Record<string, unknown>): Record<string, unknown> {
  if (Array.isArray(data.audience)) return data;
  return { ...data, audience: typeof data.userId === 'string' ? [data.userId] : [] };
}

export const EVENT_UPCASTERS = [
  { type: 'MessageSent', fromVersion: 1, upcast: messageSentV1ToV2 },
  { type: 'MessageSent', fromVersion: 2, upcast: messageSentV2ToV3 },
  { type: 'MessageSent', fromVersion: 3, upcast: messageSentV3ToV4 },
  { type: 'MessageDelivered', fromVersion: 1, upcast: receiptV1ToV2 },
  { type: 'MessageRead', fromVersion: 1, upcast: receiptV1ToV2 },
];
