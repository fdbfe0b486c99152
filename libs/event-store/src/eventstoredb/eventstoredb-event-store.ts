import {
  ANY,
  BACKWARDS,
  END,
  EventStoreDBClient,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
} from '@eventstore/db-client';
import type {
  AllStreamResolvedEvent,
  AppendExpectedRevision,
  ReadAllOptions,
  ReadPosition,
  RecordedEvent,
} from '@eventstore/db-client';
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

const DEFAULT_MAX_BATCH = 500;
/** Events per request when reading $all; system events are skipped client-side. */
const PAGE_SIZE = 500;
/** What the server sends for "position unknown" (-1 as an unsigned 64-bit number). */
const NO_POSITION = 0xffff_ffff_ffff_ffffn;
/** Claims live in streams of their own, one per key, hidden from readers of the log. */
const CLAIM_STREAM_PREFIX = 'es-claim-';
const CLAIM_EVENT = 'ClaimRecorded';

/**
 * EventStoreDB adapter. Versions: ours are 1-based, ESDB revisions 0-based (version = revision + 1).
 * Global position = the event's commit position in $all (for gRPC appends every event is its own
 * implicit commit, so commit positions are distinct and increase in visibility order).
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  private readonly subscriptions = new Set<CatchUpSubscription>();

  constructor(connectionString: string) {
    this.client = EventStoreDBClient.connectionString(connectionString);
  }

  async append(streamId: string, events: EventToAppend[], expected: ExpectedVersion, options: AppendOptions = {}): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    for (const key of options.claims ?? []) await this.claim(key, streamId);
    let result;
    try {
      result = await this.client.appendToStream(
        streamId,
        events.map((e) => jsonEvent({ type: e.type, data: e.data, metadata: e.metadata ?? {} })),
        { expectedRevision: toExpectedRevision(expected) },
      );
    } catch (err) {
      if (err instanceof EsdbWrongExpectedVersionError) {
        const actual = err.actualVersion === NO_STREAM ? 0 : Number(err.actualVersion) + 1;
        throw new WrongExpectedVersionError(streamId, expected, actual);
      }
      throw err;
    }
    const nextVersion = Number(result.nextExpectedRevision) + 1;
    // The append reply carries the position of the last event written, which for one event is
    // exactly its position; for several we read them back to get each one's position.
    if (events.length === 1 && result.position) return { nextVersion, positions: [result.position.commit] };
    const written = await this.readStream(streamId, nextVersion - events.length);
    return { nextVersion, positions: written.slice(0, events.length).map((e) => e.globalPosition) };
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
          const first = await events.next();
          if (stopped) break;
          if (first.done) throw new Error('EventStoreDB subscription to $all ended unexpectedly');
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

  async close(): Promise<void> {
    // Stop subscriptions first so their `done` resolves instead of rejecting with a cancelled call.
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    await this.client.dispose();
  }

  /** Reads one page of $all to the end before returning, so no half-read stream is left open. */
  private async readAllPage(options: ReadAllOptions): Promise<AllStreamResolvedEvent[]> {
    const page: AllStreamResolvedEvent[] = [];
    for await (const resolved of this.client.readAll(options)) page.push(resolved);
    return page;
  }
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
