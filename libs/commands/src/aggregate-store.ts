import { AppendOptions, EventStore, EventToAppend, WrongExpectedVersionError } from '../../event-store/src/event-store.port.js';
import { PositionsUnknownError } from '../../event-store/src/store-failures.js';

export interface AggregateType<State, Event extends { type: string; data: object }> {
  /** Names the cache entry: one stream may be read as different aggregates. */
  name: string;
  initial(): State;
  /** May mutate and return the state it is given. */
  evolve(state: State, event: Event): State;
}

export interface Decision<Event, Result> {
  events: Event[];
  result: Result;
}

interface Cached {
  state: unknown;
  version: number;
}

const MAX_ATTEMPTS = 8;

/**
 * Loads aggregates by folding their streams and appends what `decide` returns, with the
 * stream version as the optimistic-concurrency check.
 *
 * States are cached: a hit costs no read, because a stale state cannot get through: its
 * append fails the version check, and the retry reads the missing events first. Commands on
 * one stream run one at a time in this process, so the cache never folds an event twice.
 */
export class AggregateStore {
  private readonly cache = new Map<string, Cached>();
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: EventStore,
    private readonly maxCached = 50_000,
  ) {}

  /** The current state (refresh: read the stream's newest events even on a cache hit). */
  load<S, E extends { type: string; data: object }>(streamId: string, type: AggregateType<S, E>, refresh = true): Promise<{ state: S; version: number }> {
    return this.serialised(streamId, () => this.loadUnlocked(streamId, type, refresh));
  }

  execute<S, E extends { type: string; data: object }, R>(
    streamId: string,
    type: AggregateType<S, E>,
    decide: (state: S) => Decision<E, R>,
    options?: AppendOptions,
  ): Promise<R> {
    return this.serialised(streamId, async () => {
      let refresh = false;
      for (let attempt = 1; ; attempt++) {
        const current = await this.loadUnlocked(streamId, type, refresh);
        const { events, result } = decide(current.state);
        if (events.length === 0) return result;
        try {
          const nextVersion = await this.store.append(streamId, events as unknown as EventToAppend[], current.version, options).then(
            (appended) => appended.nextVersion,
            // Written, only the positions unknown: this store needs only the version.
            (error: unknown) => {
              if (error instanceof PositionsUnknownError) return error.nextVersion;
              throw error;
            },
          );
          for (const event of events) type.evolve(current.state, event);
          this.remember(`${type.name}:${streamId}`, { state: current.state, version: nextVersion });
          return result;
        } catch (error) {
          if (!(error instanceof WrongExpectedVersionError) || attempt >= MAX_ATTEMPTS) throw error;
          refresh = true;
        }
      }
    });
  }

  private async loadUnlocked<S, E extends { type: string; data: object }>(streamId: string, type: AggregateType<S, E>, refresh: boolean) {
    const key = `${type.name}:${streamId}`;
    const cached = this.cache.get(key) as { state: S; version: number } | undefined;
    if (cached && !refresh) return cached;
    const entry = cached ?? { state: type.initial(), version: 0 };
    const events = await this.store.readStream(streamId, entry.version);
    for (const event of events) {
      entry.state = type.evolve(entry.state, event as unknown as E);
      entry.version = event.streamVersion;
    }
    this.remember(key, entry);
    return entry;
  }

  private remember(key: string, entry: Cached): void {
    this.cache.delete(key);
    this.cache.set(key, entry);
    if (this.cache.size > this.maxCached) this.cache.delete(this.cache.keys().next().value!);
  }

  private serialised<T>(streamId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(streamId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.queues.set(streamId, settled);
    void settled.then(() => {
      if (this.queues.get(streamId) === settled) this.queues.delete(streamId);
    });
    return next;
  }
}
