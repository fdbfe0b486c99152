/**
 * The event store port. Two adapters implement it: PostgreSQL (the embedded default) and
 * EventStoreDB. Both pass the same conformance suite (libs/event-store/test).
 *
 * Versions: a stream's version is the number of events in it; its first event has version 1.
 * Positions: every event has a global position in the whole log, increasing in the order in
 * which events become visible to readers, so a reader that has seen position P has seen every
 * event below P that will ever exist.
 */
/** An event as the store knows it: a type name and JSON data. The store knows no schemas. */
export interface UntypedEvent {
  type: string;
  data: Record<string, unknown>;
}

export interface EventToAppend extends UntypedEvent {
  metadata?: Record<string, unknown>;
}

/** What the store records about every event, whatever its type. */
export interface EventEnvelope {
  /** Unique id of the event (UUID). */
  id: string;
  streamId: string;
  /** 1-based position of the event in its stream. */
  streamVersion: number;
  /** Position in the whole log; increasing in visibility order. */
  globalPosition: bigint;
  metadata: Record<string, unknown>;
  recordedAt: Date;
}

/**
 * An event read from the store. `E` is for callers that know the schemas: the store hands out
 * untyped events, and the domain narrows them to its own union (libs/domain/src/event-types.ts, `isEventOf`).
 */
export type StoredEvent<E extends UntypedEvent = UntypedEvent> = E & EventEnvelope;

/** The stream's current version the caller expects: 0 means "the stream must not exist". */
export type ExpectedVersion = number | 'any';

export interface AppendResult {
  /** The stream's version after the append. */
  nextVersion: number;
  /** Global positions of the appended events, in order. */
  positions: bigint[];
}

export interface AppendOptions {
  /**
   * Wrapped data keys (crypto-shredding) to store in the same transaction as the events, for an
   * adapter whose key vault lives beside its log (PostgreSQL). Others never receive any.
   */
  dataKeys?: { id: string; wrapped: Buffer }[];
  /**
   * Keys this append claims for good: at most one stream ever holds a key. The append that first
   * claims a key holds it for its stream; a later append to another stream claiming it is
   * rejected with ClaimTakenError naming the holder, atomically with the events (nothing is
   * appended). An append to the holder's own stream may claim it again: that stream's version
   * check arbitrates. Used for idempotency keys that span streams (a sender's clientMsgId).
   */
  claims?: string[];
}

export interface CatchUpSubscription {
  /** Resolves once the subscription has stopped and no handler call is running. */
  stop(): Promise<void>;
  /** Rejects if the subscription fails for good (the handler threw, or the store is gone). */
  readonly done: Promise<void>;
}

export interface SubscribeOptions {
  /** Deliver events with a global position strictly greater than this; 0n means from the start. */
  after: bigint;
  /** Called with batches of events in global-position order, one call at a time. */
  handle(events: StoredEvent[]): Promise<void>;
  maxBatchSize?: number;
}

export interface EventStore {
  /**
   * Appends atomically, checking the stream's version.
   * Rejects with WrongExpectedVersionError when the stream is not at `expected`, and with
   * ClaimTakenError when another stream holds one of `options.claims`.
   */
  append(streamId: string, events: EventToAppend[], expected: ExpectedVersion, options?: AppendOptions): Promise<AppendResult>;
  /** Events of one stream with version > afterVersion, in stream order. */
  readStream(streamId: string, afterVersion?: number): Promise<StoredEvent[]>;
  /** Up to `limit` events of the whole log with position > after, in position order. */
  readAll(after: bigint, limit: number): Promise<StoredEvent[]>;
  /** The position of the last event in the log (0n when empty). */
  headPosition(): Promise<bigint>;
  /** Catch-up subscription to the whole log: reads history from `after`, then goes live. */
  subscribeToAll(options: SubscribeOptions): CatchUpSubscription;
  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EventStore');

export class WrongExpectedVersionError extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number,
  ) {
    super(`stream ${streamId} is at version ${actual}, expected ${expected}`);
    this.name = 'WrongExpectedVersionError';
  }
}

export class ClaimTakenError extends Error {
  constructor(
    readonly key: string,
    /** The stream that holds the key. */
    readonly holder: string,
  ) {
    super(`claim ${key} is held by stream ${holder}`);
    this.name = 'ClaimTakenError';
  }
}
