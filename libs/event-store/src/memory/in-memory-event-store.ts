import { randomUUID } from 'node:crypto';
import {
  AppendOptions,
  AppendResult,
  CatchUpSubscription,
  ClaimTakenError,
  EventStore,
  EventToAppend,
  ExpectedVersion,
  StoredEvent,
  SubscribeOptions,
  WrongExpectedVersionError,
} from '../event-store.port.js';

const DEFAULT_MAX_BATCH = 500;

/**
 * The log itself: what a database server holds. Several `InMemoryEventStore`s given the same log
 * behave like several processes connected to one store.
 */
export class InMemoryEventLog {
  /** Every event, in position order: the event at index i has global position i + 1. */
  readonly events: StoredEvent[] = [];
  readonly streams = new Map<string, StoredEvent[]>();
  /** Claimed key → the stream holding it. */
  readonly claims = new Map<string, string>();
  /** Woken after every append, so subscribers in any store on this log go live. */
  readonly appended = new Set<() => void>();
}

/**
 * An event store in this process's memory, FOR TESTS ONLY (unit tests of command handlers and
 * the gateway, with no database). It is not wired into the runtime configuration and must not
 * be: nothing survives the process.
 *
 * It keeps every promise of the port (libs/event-store/test/event-store.conformance.ts): each
 * append is decided and written in one synchronous step, so appends are atomic, the version and
 * claim checks cannot race, and positions become visible in order with no gaps. Data is stored
 * and handed out as JSON copies, as a database would: a caller mutating what it appended or read
 * cannot change the log, and what JSON does not keep is lost here too (a Date comes back a string, undefined fields go).
 */
export class InMemoryEventStore implements EventStore {
  private closed = false;
  private readonly subscriptions = new Set<CatchUpSubscription>();

  constructor(readonly log: InMemoryEventLog = new InMemoryEventLog()) {}

  async append(streamId: string, events: EventToAppend[], expected: ExpectedVersion, options: AppendOptions = {}): Promise<AppendResult> {
    this.assertOpen();
    if (events.length === 0) throw new Error('append needs at least one event');
    const stream = this.log.streams.get(streamId);
    const current = stream?.length ?? 0;
    if (expected !== 'any' && expected !== current) throw new WrongExpectedVersionError(streamId, expected, current);
    const claims = options.claims ?? [];
    for (const key of claims) {
      const holder = this.log.claims.get(key);
      if (holder !== undefined && holder !== streamId) throw new ClaimTakenError(key, holder);
    }
    // Copied before anything is written: data that cannot be stored fails the append alone.
    const copies = events.map((event) => ({ type: event.type, data: jsonCopy(event.data), metadata: jsonCopy(event.metadata ?? {}) }));
    const recordedAt = new Date();
    const stored = copies.map(
      (event, i): StoredEvent => ({
        id: randomUUID(),
        streamId,
        streamVersion: current + i + 1,
        globalPosition: BigInt(this.log.events.length + i + 1),
        ...event,
        recordedAt,
      }),
    );
    for (const key of claims) if (!this.log.claims.has(key)) this.log.claims.set(key, streamId);
    if (stream) stream.push(...stored);
    else this.log.streams.set(streamId, stored);
    this.log.events.push(...stored);
    for (const wake of [...this.log.appended]) wake();
    return { nextVersion: current + stored.length, positions: stored.map((e) => e.globalPosition) };
  }

  async readStream(streamId: string, afterVersion = 0): Promise<StoredEvent[]> {
    this.assertOpen();
    return (this.log.streams.get(streamId) ?? []).slice(Math.max(0, afterVersion)).map(copyOf);
  }

  async readAll(after: bigint, limit: number): Promise<StoredEvent[]> {
    this.assertOpen();
    const from = Number(after < 0n ? 0n : after);
    return this.log.events.slice(from, from + limit).map(copyOf);
  }

  async headPosition(): Promise<bigint> {
    this.assertOpen();
    return BigInt(this.log.events.length);
  }

  subscribeToAll(options: SubscribeOptions): CatchUpSubscription {
    const maxBatch = options.maxBatchSize ?? DEFAULT_MAX_BATCH;
    let stopped = false;
    let wake: (() => void) | undefined;
    const onAppended = () => wake?.();
    const run = async () => {
      this.assertOpen();
      let after = options.after;
      while (!stopped) {
        // Armed before reading, so an append while the handler runs is not missed.
        const woken = new Promise<void>((resolve) => (wake = resolve));
        const events = await this.readAll(after, maxBatch);
        if (events.length > 0) {
          await options.handle(events);
          after = events[events.length - 1].globalPosition;
        } else {
          await woken;
        }
      }
    };
    this.log.appended.add(onAppended);
    const done = run().finally(() => {
      this.log.appended.delete(onAppended);
      this.subscriptions.delete(subscription);
    });
    done.catch(() => undefined);
    const subscription: CatchUpSubscription = {
      done,
      stop: async () => {
        stopped = true;
        wake?.();
        await done.catch(() => undefined);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Stops this store's subscriptions (their `done` resolves); the log stays for other stores on it. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the in-memory event store is closed');
  }
}

function jsonCopy(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

function copyOf(event: StoredEvent): StoredEvent {
  return { ...event, data: structuredClone(event.data), metadata: structuredClone(event.metadata), recordedAt: new Date(event.recordedAt) };
}
