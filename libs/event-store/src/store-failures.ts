/**
 * Failures an event store reports that its callers act on, beside the port's version and claim
 * refusals (event-store.port.ts).
 */

/**
 * The store ended a subscription: a server restart, a leader change, a keep-alive timeout. It is
 * nothing the handler did, so resubscribing after the last handled position is safe.
 */
export class SubscriptionDroppedError extends Error {
  constructor(
    /** The last position delivered to the handler before the drop. */
    readonly after: bigint,
    readonly cause: unknown,
  ) {
    super(`the event store dropped the subscription after position ${after}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'SubscriptionDroppedError';
  }
}

/**
 * The events were appended, but their positions could not be learnt. The append happened: do
 * not append the events again (a retry would duplicate them or fail its version check).
 */
export class PositionsUnknownError extends Error {
  constructor(
    readonly streamId: string,
    /** The stream's version after the append. */
    readonly nextVersion: number,
    readonly cause: unknown,
  ) {
    super(`appended to ${streamId} (now at version ${nextVersion}) but could not read the positions back: the events are written, do not append them again`);
    this.name = 'PositionsUnknownError';
  }
}

/** The server refused the append as larger than its limit (EventStoreDB: MaxAppendSize, 1 MiB by default). */
export class AppendTooLargeError extends Error {
  constructor(
    readonly streamId: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`append to ${streamId} of about ${bytes} bytes is over the event store's limit of ${maxBytes} bytes; nothing was written`);
    this.name = 'AppendTooLargeError';
  }
}
