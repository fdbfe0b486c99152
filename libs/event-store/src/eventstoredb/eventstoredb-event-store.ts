import {
  ANY,
  BACKWARDS,
  CancelledError,
  DeadlineExceededError,
  END,
  EventStoreDBClient,
  MaxAppendSizeExceededError,
  NO_STREAM,
  NotLeaderError,
  START,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
} from '@eventstore/db-client';
import type {
  AllStreamResolvedEvent,
  AppendExpectedRevision,
  AppendResult as EsdbAppendResult,
  AppendToStreamOptions,
  EventData,
  ReadAllOptions,
  ReadPosition,
  ReadStreamOptions,
  RecordedEvent,
  ResolvedEvent,
  SubscribeToAllOptions,
} from '@eventstore/db-client';
import type { ReadableOptions } from 'node:stream';
import {
  ClaimTakenError,
  WrongExpectedVersionError,
  type AppendOptions,
  type AppendResult,
  type CatchUpSubscription,
  type EventStore,
  type EventToAppend,
  type ExpectedVersion,
  type StoredEvent,
  type SubscribeOptions,
} from '../event-store.port.js';
import { AppendTooLargeError, PositionsUnknownError, SubscriptionDroppedError } from '../store-failures.js';

const DEFAULT_MAX_BATCH = 500;
/** Events per request when reading $all; system events are skipped client-side. */
const PAGE_SIZE = 500;
/** What the server sends for "position unknown" (-1 as an unsigned 64-bit number). */
const NO_POSITION = 0xffff_ffff_ffff_ffffn;
/** Claims live in streams of their own, one per key, hidden from readers of the log. */
const CLAIM_STREAM_PREFIX = 'es-claim-';
const CLAIM_EVENT = 'ClaimRecorded';
/** Reading a multi-event append's positions back: attempts, and the wait before the n-th retry (× n). */
const READ_BACK_ATTEMPTS = 4;
const READ_BACK_RETRY_MS = 250;

/** What the adapter uses of a subscription to $all (the client's is a Readable). */
export interface EsdbAllSubscription extends AsyncIterable<AllStreamResolvedEvent> {
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** The next buffered event without waiting, or null. */
  read(): AllStreamResolvedEvent | null;
  unsubscribe(): Promise<void>;
  destroy(): unknown;
}

/** What the adapter uses of EventStoreDBClient; tests put a fake behind it. */
export interface EsdbClient {
  appendToStream(streamName: string, events: EventData | EventData[], options?: AppendToStreamOptions): Promise<EsdbAppendResult>;
  readStream(streamName: string, options?: ReadStreamOptions): AsyncIterable<ResolvedEvent>;
  readAll(options?: ReadAllOptions): AsyncIterable<AllStreamResolvedEvent>;
  subscribeToAll(options?: SubscribeToAllOptions, readableOptions?: ReadableOptions): EsdbAllSubscription;
  dispose(): Promise<void>;
}

/**
 * One client per connection string, shared by the stores of the process and disposed when the
 * last of them closes. The client keeps its batch appends' promises in one map for the whole
 * module (@eventstore/db-client 6.2.1, streams/appendToStream/batchAppend.js) and rejects every
 * entry when any client's batch-append stream fails, which disposing a client makes it do: a
 * store closing its own client would fail the appends in flight on every other.
 */
export class SharedEsdbClients {
  private readonly clients = new Map<string, { client: EsdbClient; users: number }>();

  constructor(private readonly connect: (connectionString: string) => EsdbClient) {}

  acquire(connectionString: string): EsdbClient {
    const entry = this.clients.get(connectionString) ?? { client: this.connect(connectionString), users: 0 };
    entry.users++;
    this.clients.set(connectionString, entry);
    return entry.client;
  }

  async release(connectionString: string): Promise<void> {
    const entry = this.clients.get(connectionString);
    if (!entry || --entry.users > 0) return;
    this.clients.delete(connectionString);
    await entry.client.dispose();
  }
}

const processClients = new SharedEsdbClients((connectionString) => EventStoreDBClient.connectionString(connectionString));

/**
 * EventStoreDB adapter. Versions: ours are 1-based, ESDB revisions 0-based (version = revision + 1).
 * Global position = the event's commit position in $all (for gRPC appends every event is its own
 * implicit commit, so commit positions are distinct and increase in visibility order).
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly client: EsdbClient;
  private readonly subscriptions = new Set<CatchUpSubscription>();
  private readonly appending = new Set<Promise<unknown>>();
  private closed?: Promise<void>;

  constructor(
    private readonly connectionString: string,
    private readonly clients: SharedEsdbClients = processClients,
  ) {
    this.client = clients.acquire(connectionString);
  }

  /** Appends are tracked so that close() can let them finish before letting go of the client. */
  append(streamId: string, events: EventToAppend[], expected: ExpectedVersion, options: AppendOptions = {}): Promise<AppendResult> {
    const appending = this.appendNow(streamId, events, expected, options);
    const settled = appending.catch(() => undefined);
    this.appending.add(settled);
    void settled.then(() => this.appending.delete(settled));
    return appending;
  }

  private async appendNow(streamId: string, events: EventToAppend[], expected: ExpectedVersion, options: AppendOptions): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    for (const key of options.claims ?? []) await this.claim(key, streamId);
    const proposed = events.map((e) => jsonEvent({ type: e.type, data: e.data, metadata: e.metadata ?? {} }));
    let result;
    try {
      result = await this.client.appendToStream(streamId, proposed, { expectedRevision: toExpectedRevision(expected) });
    } catch (err) {
      if (err instanceof EsdbWrongExpectedVersionError) {
        const actual = err.actualVersion === NO_STREAM ? 0 : Number(err.actualVersion) + 1;
        throw new WrongExpectedVersionError(streamId, expected, actual);
      }
      if (err instanceof MaxAppendSizeExceededError) {
        const bytes = proposed.reduce((sum, e) => sum + JSON.stringify(e.data).length + JSON.stringify(e.metadata ?? {}).length, 0);
        throw new AppendTooLargeError(streamId, bytes, err.maxAppendSize);
      }
      throw err;
    }
    const nextVersion = Number(result.nextExpectedRevision) + 1;
    // The append reply carries the position of the last event written, which for one event is
    // exactly its position; for several we read them back to get each one's position.
    if (events.length === 1 && result.position) return { nextVersion, positions: [result.position.commit] };
    return { nextVersion, positions: await this.positionsOf(streamId, nextVersion, proposed.map((e) => e.id)) };
  }

  /**
   * The positions of events just appended, read back by revision. The append has committed, so
   * a failed read is retried (reads change nothing); if it keeps failing the caller is told the
   * events are written (PositionsUnknownError) rather than given a failure it would retry.
   */
  private async positionsOf(streamId: string, nextVersion: number, ids: string[]): Promise<bigint[]> {
    const fromRevision = BigInt(nextVersion - ids.length);
    for (let attempt = 1; ; attempt++) {
      try {
        const written: StoredEvent[] = [];
        for await (const resolved of this.client.readStream(streamId, { fromRevision, maxCount: ids.length })) {
          if (resolved.event) written.push(toStoredEvent(resolved.event));
        }
        if (written.map((e) => e.id).join() !== ids.join()) throw new Error(`${streamId} does not hold the appended events at revision ${fromRevision}`);
        return written.map((e) => e.globalPosition);
      } catch (error) {
        if (attempt >= READ_BACK_ATTEMPTS) throw new PositionsUnknownError(streamId, nextVersion, error);
        await new Promise((resolve) => setTimeout(resolve, READ_BACK_RETRY_MS * attempt));
      }
    }
  }

  /**
   * ESDB has no multi-stream transaction, so a claim is a reservation appended first: a stream
   * per key that only its first writer creates. If the events' own append then fails, the
   * reservation stays with this stream, which is harmless: only this stream may use the key,
   * and its version check decides whether it already did.
   */
  private async claim(key: string, streamId: string): Promise<void> {
    const claimStream = CLAIM_STREAM_PREFIX + key;
    try {
      await this.client.appendToStream(claimStream, jsonEvent({ type: CLAIM_EVENT, data: { streamId } }), { expectedRevision: NO_STREAM });
    } catch (err) {
      if (!(err instanceof EsdbWrongExpectedVersionError)) throw err;
      const [holder] = await this.readStream(claimStream);
      const holderStream = String(holder?.data.streamId);
      if (holderStream !== streamId) throw new ClaimTakenError(key, holderStream);
    }
  }

  async readStream(streamId: string, afterVersion = 0): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    try {
      // Version v is revision v-1, so "version > afterVersion" starts at revision afterVersion.
      for await (const resolved of this.client.readStream(streamId, { fromRevision: BigInt(afterVersion) })) {
        if (resolved.event) out.push(toStoredEvent(resolved.event));
      }
    } catch (err) {
      if (err instanceof StreamNotFoundError) return [];
      throw err;
    }
    return out;
  }

  async readAll(after: bigint, limit: number): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    let cursor = after;
    while (out.length < limit) {
      // ESDB's fromPosition is inclusive, so the event at `cursor` comes back and is skipped.
      const page = await this.readAllPage({ fromPosition: fromPosition(cursor), maxCount: PAGE_SIZE });
      let advanced = false;
      for (const { event } of page) {
        if (!event || event.position.commit <= cursor) continue;
        cursor = event.position.commit;
        advanced = true;
        if (isHidden(event)) continue;
        out.push(toStoredEvent(event));
        if (out.length === limit) break;
      }
      if (!advanced || page.length < PAGE_SIZE) break;
    }
    return out;
  }

  async headPosition(): Promise<bigint> {
    let from: ReadPosition = END;
    for (;;) {
      const page = await this.readAllPage({ direction: BACKWARDS, fromPosition: from, maxCount: PAGE_SIZE });
      let oldest: bigint | undefined;
      for (const { event } of page) {
        if (!event || (from !== END && event.position.commit >= from.commit)) continue;
        if (!isHidden(event)) return event.position.commit;
        oldest = event.position.commit;
      }
      if (oldest === undefined || page.length < PAGE_SIZE) return 0n;
      from = { commit: oldest, prepare: oldest };
    }
  }

  /**
   * A subscription the server ends (restart, leader change, keep-alive timeout: routine on gRPC)
   * fails `done` with SubscriptionDroppedError, so the owner resubscribes from its checkpoint
   * (LogFollower); a failure of the handler comes out as it was thrown. The client reconnects on
   * the next call by itself (it drops its channel after UNAVAILABLE, CANCELLED or NOT_LEADER).
   */
  subscribeToAll({ after, handle, maxBatchSize = DEFAULT_MAX_BATCH }: SubscribeOptions): CatchUpSubscription {
    const source = this.client.subscribeToAll(
      { fromPosition: fromPosition(after), filter: excludeSystemEvents() },
      // Let up to a full batch wait in the buffer while the handler runs.
      { highWaterMark: maxBatchSize },
    );
    // Errors reach the loop through the iterator; this listener only keeps a late error (after
    // the loop has finished) from becoming an uncaught exception.
    source.on('error', () => {});
    let stopped = false;
    let last = after;

    const run = async (): Promise<void> => {
      const events = source[Symbol.asyncIterator]();
      try {
        while (!stopped) {
          const first = await events.next().catch((err: unknown) => {
            throw isDrop(err) ? new SubscriptionDroppedError(last, err) : err;
          });
          if (stopped) break;
          if (first.done) throw new SubscriptionDroppedError(last, new Error('EventStoreDB ended the subscription to $all'));
          const batch: StoredEvent[] = [];
          let next: AllStreamResolvedEvent | null = first.value;
          // Take what is already buffered, without waiting, up to maxBatchSize.
          while (next) {
            // A subscription from a position starts after it, but skip anything at or before the
            // last delivered position anyway: the contract is "strictly after".
            if (next.event && next.event.position.commit > last && !isHidden(next.event)) {
              batch.push(toStoredEvent(next.event));
              last = next.event.position.commit;
            }
            next = batch.length < maxBatchSize ? (source.read() as AllStreamResolvedEvent | null) : null;
          }
          if (batch.length > 0) await handle(batch);
        }
      } catch (err) {
        if (!stopped) throw err;
      } finally {
        stopped = true;
        await source.unsubscribe().catch(() => {});
        // Cancelling the gRPC call does not end the readable; destroy it so nothing stays pending.
        source.destroy();
      }
    };

    const done = run();
    const subscription: CatchUpSubscription = {
      done,
      stop: async () => {
        if (!stopped) {
          stopped = true;
          await source.unsubscribe().catch(() => {});
          source.destroy();
        }
        await done.catch(() => {});
      },
    };
    this.subscriptions.add(subscription);
    done.then(
      () => this.subscriptions.delete(subscription),
      () => this.subscriptions.delete(subscription),
    );
    return subscription;
  }

  /** Stops this store's subscriptions, lets its appends in flight finish, then lets go of the shared client. */
  close(): Promise<void> {
    this.closed ??= (async () => {
      // Subscriptions first, so their `done` resolves instead of rejecting with a cancelled call.
      await Promise.all([...this.subscriptions].map((s) => s.stop()));
      await Promise.all(this.appending);
      await this.clients.release(this.connectionString);
    })();
    return this.closed;
  }

  /** Reads one page of $all to the end before returning, so no half-read stream is left open. */
  private async readAllPage(options: ReadAllOptions): Promise<AllStreamResolvedEvent[]> {
    const page: AllStreamResolvedEvent[] = [];
    for await (const resolved of this.client.readAll(options)) page.push(resolved);
    return page;
  }
}

/** gRPC failures that end a subscription with nothing wrong with it: the server restarting or leading no more, a connection timing out. */
function isDrop(error: unknown): boolean {
  return [UnavailableError, CancelledError, DeadlineExceededError, TimeoutError, NotLeaderError, UnknownError].some((type) => error instanceof type);
}

function toExpectedRevision(expected: ExpectedVersion): AppendExpectedRevision {
  if (expected === 'any') return ANY;
  if (!Number.isSafeInteger(expected) || expected < 0) {
    throw new RangeError(`expected version must be a non-negative integer or 'any', got ${expected}`);
  }
  return expected === 0 ? NO_STREAM : BigInt(expected - 1);
}

function fromPosition(after: bigint): ReadPosition {
  // For gRPC appends commit and prepare positions are equal, so one number names the event.
  return after === 0n ? START : { commit: after, prepare: after };
}

/** System events, and the adapter's own claim streams: not part of the application's log. */
function isHidden(event: RecordedEvent): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith(CLAIM_STREAM_PREFIX);
}

function toStoredEvent(event: RecordedEvent): StoredEvent {
  // Stream reads carry positions only from server 22.6 on, and only for events that committed
  // themselves (every gRPC append); otherwise the server sends -1, i.e. 2^64-1.
  if (!event.position || event.position.commit === NO_POSITION) {
    throw new Error(`EventStoreDB returned no position for ${event.streamId}@${event.revision}; server 22.6+ is required`);
  }
  return {
    id: event.id,
    streamId: event.streamId,
    streamVersion: Number(event.revision) + 1,
    globalPosition: event.position.commit,
    type: event.type,
    // We only ever write JSON objects; anything else (a foreign binary event) reads as {}.
    data: event.isJson && isPlainObject(event.data) ? event.data : {},
    metadata: isPlainObject(event.metadata) ? event.metadata : {},
    recordedAt: event.created,
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}
