import { Readable, type ReadableOptions } from 'node:stream';
import {
  CancelledError,
  MaxAppendSizeExceededError,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AppendResult,
  type AppendToStreamOptions,
  type EventData,
  type ReadAllOptions,
  type ReadStreamOptions,
  type ResolvedEvent,
  type SubscribeToAllOptions,
} from '@eventstore/db-client';
import type { EsdbAllSubscription, EsdbClient } from '../src/eventstoredb/eventstoredb-event-store.js';

type Recorded = NonNullable<AllStreamResolvedEvent['event']>;

/**
 * NOT EventStoreDB: the log of a fake server that FakeEsdbClients share. Commit positions are
 * byte offsets (increasing, with gaps); `readAll` from a position includes it, a subscription
 * from a position starts after it; an append over `maxAppendSize` is refused as the server
 * refuses it (MaxAppendSizeExceeded). Failures are scripted: `failReads`, `failReadsAfterNextAppend`, `holdAppends`,
 * `dropSubscriptions`, `endSubscriptions`.
 */
export class FakeEsdbServer {
  readonly all: Recorded[] = [];
  readonly streams = new Map<string, Recorded[]>();
  readonly subscriptions = new Set<FakeAllSubscription>();
  /** Every subscription's starting position, in order. */
  readonly subscribedFrom: (bigint | 'start' | 'end')[] = [];
  maxAppendSize = 1_048_576;
  /** This many stream reads fail next (the server away) before reads work again. */
  failReads = 0;
  /** Becomes `failReads` once the next append is written (the server going away just after a commit). */
  failReadsAfterNextAppend = 0;
  /** While set, appends wait for `releaseAppends` (an append in flight). */
  holdAppends = false;
  private held: (() => void)[] = [];
  private nextPosition = 4_096n;

  releaseAppends(): void {
    this.holdAppends = false;
    for (const write of this.held.splice(0)) write();
  }

  get appendsWaiting(): number {
    return this.held.length;
  }

  /** The server drops every open subscription with `error` (e.g. UNAVAILABLE when it restarts). */
  dropSubscriptions(error: Error = new UnavailableError()): void {
    for (const subscription of [...this.subscriptions]) subscription.dropWith(error);
  }

  /** The server ends every open subscription without an error. */
  endSubscriptions(): void {
    for (const subscription of [...this.subscriptions]) subscription.endByServer();
  }

  hold(write: () => void): void {
    if (this.holdAppends) this.held.push(write);
    else write();
  }

  write(streamName: string, events: EventData[], expectedRevision: AppendToStreamOptions['expectedRevision'] = 'any'): AppendResult {
    const size = events.reduce((sum, e) => sum + JSON.stringify(e.data).length + JSON.stringify(e.metadata ?? {}).length, 0);
    if (size > this.maxAppendSize) throw new MaxAppendSizeExceededError(undefined, this.maxAppendSize);
    const stream = this.streams.get(streamName) ?? [];
    const current = stream.length === 0 ? 'no_stream' : BigInt(stream.length - 1);
    const fits =
      expectedRevision === 'any' ||
      (expectedRevision === 'no_stream' && current === 'no_stream') ||
      (expectedRevision === 'stream_exists' && current !== 'no_stream') ||
      (typeof expectedRevision === 'bigint' && expectedRevision === current);
    if (!fits) throw new WrongExpectedVersionError(undefined, { streamName, current, expected: expectedRevision });
    for (const event of events) {
      const position = { commit: this.nextPosition, prepare: this.nextPosition };
      this.nextPosition += 100n + BigInt(JSON.stringify(event.data).length);
      const recorded = {
        streamId: streamName,
        id: event.id,
        isJson: true,
        revision: BigInt(stream.length),
        type: event.type,
        created: new Date(),
        data: event.data,
        metadata: event.metadata,
        position,
      } as Recorded;
      stream.push(recorded);
      this.all.push(recorded);
      for (const subscription of this.subscriptions) subscription.offer(recorded);
    }
    this.streams.set(streamName, stream);
    this.failReads += this.failReadsAfterNextAppend;
    this.failReadsAfterNextAppend = 0;
    const last = stream[stream.length - 1];
    return { success: true, nextExpectedRevision: last.revision, position: last.position };
  }
}

/** Appends in flight on every FakeEsdbClient: like the real client's batch-append promise bank, one for the whole module. */
const appendsInFlight = new Set<(error: Error) => void>();

/**
 * NOT EventStoreDBClient: a fake of the methods the adapter uses, over a FakeEsdbServer, with
 * the client's own ways as read in @eventstore/db-client 6.2.1: `dispose()` of any client
 * rejects the batch appends in flight on every client of the module (CANCELLED), and a
 * subscription reports a server failure by emitting 'error' rather than ending.
 */
export class FakeEsdbClient implements EsdbClient {
  disposed = false;

  constructor(readonly server: FakeEsdbServer) {}

  appendToStream(streamName: string, events: EventData | EventData[], options: AppendToStreamOptions = {}): Promise<AppendResult> {
    if (this.disposed) return Promise.reject(new CancelledError());
    return new Promise<AppendResult>((resolve, reject) => {
      const fail = (error: Error) => {
        appendsInFlight.delete(fail);
        reject(error);
      };
      appendsInFlight.add(fail);
      this.server.hold(() => {
        if (!appendsInFlight.delete(fail)) return;
        try {
          resolve(this.server.write(streamName, Array.isArray(events) ? events : [events], options.expectedRevision));
        } catch (error) {
          reject(error);
        }
      });
    });
  }

  async *readStream(streamName: string, options: ReadStreamOptions = {}): AsyncIterable<ResolvedEvent> {
    this.refuseWhenDisposed();
    if (this.server.failReads > 0) {
      this.server.failReads--;
      throw new UnavailableError();
    }
    const stream = this.server.streams.get(streamName);
    if (!stream) throw new StreamNotFoundError(undefined, streamName);
    const from = typeof options.fromRevision === 'bigint' ? Number(options.fromRevision) : 0;
    const count = options.maxCount === undefined ? Infinity : Number(options.maxCount);
    for (const event of stream.slice(from, from + count)) yield { event };
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<AllStreamResolvedEvent> {
    this.refuseWhenDisposed();
    const count = options.maxCount === undefined ? Infinity : Number(options.maxCount);
    const from = options.fromPosition;
    let events: Recorded[];
    if (options.direction === 'backwards') {
      events = [...this.server.all].reverse().filter((e) => from === undefined || from === 'end' || (from !== 'start' && e.position.commit <= from.commit));
    } else {
      events = this.server.all.filter((e) => from === undefined || from === 'start' || (from !== 'end' && e.position.commit >= from.commit));
    }
    for (const event of events.slice(0, count)) yield { event, commitPosition: event.position.commit } as AllStreamResolvedEvent;
  }

  subscribeToAll(options: SubscribeToAllOptions = {}, readableOptions: ReadableOptions = {}): EsdbAllSubscription {
    this.refuseWhenDisposed();
    const from = options.fromPosition === undefined || options.fromPosition === 'start' ? 'start' : options.fromPosition === 'end' ? 'end' : options.fromPosition.commit;
    this.server.subscribedFrom.push(from);
    const subscription = new FakeAllSubscription(this.server, from, readableOptions);
    this.server.subscriptions.add(subscription);
    for (const event of this.server.all) subscription.offer(event);
    return subscription;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const fail of [...appendsInFlight]) fail(new CancelledError());
    for (const subscription of [...this.server.subscriptions]) subscription.destroy();
  }

  private refuseWhenDisposed(): void {
    if (this.disposed) throw new Error('fake client: disposed');
  }
}

/** NOT the client's Subscription: an object-mode Readable that the fake server feeds. */
export class FakeAllSubscription extends Readable implements EsdbAllSubscription {
  constructor(
    private readonly server: FakeEsdbServer,
    private readonly after: bigint | 'start' | 'end',
    options: ReadableOptions,
  ) {
    super({ ...options, objectMode: true });
  }

  offer(event: Recorded): void {
    if (this.after === 'end' || (this.after !== 'start' && event.position.commit <= this.after)) return;
    this.push({ event, commitPosition: event.position.commit });
  }

  override _read(): void {}

  // Node calls read(0) inside; the size must get through.
  override read(size?: number): AllStreamResolvedEvent | null {
    return super.read(size) as AllStreamResolvedEvent | null;
  }

  async unsubscribe(): Promise<void> {
    this.server.subscriptions.delete(this);
  }

  dropWith(error: Error): void {
    this.server.subscriptions.delete(this);
    this.emit('error', error);
  }

  endByServer(): void {
    this.server.subscriptions.delete(this);
    this.push(null);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.server.subscriptions.delete(this);
    callback(error);
  }
}
