import { LRUCache } from 'lru-cache';
import type { DomainEventType } from '../../domain/src/events.js';
import { EventOfType, EventTypeSet, isEventOf } from '../../domain/src/event-types.js';
import { AppendOptions, EventStore, StoredEvent, WrongExpectedVersionError } from '../../event-store/src/event-store.port.js';
import { PositionsUnknownError } from '../../event-store/src/store-failures.js';

/** An aggregate whose events are of the types `T`. */
export interface AggregateType<State, T extends DomainEventType> {
  /** Names the cache entry: one stream may be read as different aggregates. */
  name: string;
  /** The events the aggregate folds: its stream holds no others. */
  eventTypes: EventTypeSet<T>;
  initial(): State;
  /** May mutate and return the state it is given. */
  evolve(state: State, event: EventOfType<T>): State;
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

/** Folds stored events of the aggregate's stream into `state`. */
export function foldStream<S, T extends DomainEventType>(type: AggregateType<S, T>, state: S, events: StoredEvent[]): S {
  return events.filter(isEventOf(type.eventTypes)).reduce((folded, event) => type.evolve(folded, event), state);
}

/**
 * Loads aggregates by folding their streams and appends what `decide` returns, with the
 * stream version as the optimistic-concurrency check.
 *
 * States are cached: a hit costs no read when the command appends, because a stale state
 * cannot get through: its append fails the version check, and the retry reads the missing
 * events first. A refusal or a no-op decided on a cached state has no append to catch it, so
 * it is decided again after reading the stream's newest events. Commands on one stream run
 * one at a time in this process, so the cache never folds an event twice.
 */
export class AggregateStore {
  private readonly cache: LRUCache<string, Cached>;
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: EventStore,
    maxCached = 50_000,
  ) {
    this.cache = new LRUCache({ max: maxCached });
  }

  /** The current state (refresh: read the stream's newest events even on a cache hit). */
  load<S, T extends DomainEventType>(streamId: string, type: AggregateType<S, T>, refresh = true): Promise<{ state: S; version: number }> {
    return this.serialised(streamId, () => this.loadUnlocked(streamId, type, refresh));
  }

  execute<S, T extends DomainEventType, R>(
    streamId: string,
    type: AggregateType<S, T>,
    decide: (state: S) => Decision<EventOfType<T>, R>,
    options?: AppendOptions,
  ): Promise<R> {
    return this.serialised(streamId, async () => {
      let refresh = false;
      for (let attempt = 1; ; attempt++) {
        const unread = !refresh && this.cache.has(`${type.name}:${streamId}`);
        const current = await this.loadUnlocked(streamId, type, refresh);
        let decision: Decision<EventOfType<T>, R>;
        try {
          decision = decide(current.state);
        } catch (error) {
          if (!unread) throw error;
          refresh = true;
          continue;
        }
        const { events, result } = decision;
        if (events.length === 0) {
          if (!unread) return result;
          refresh = true;
          continue;
        }
        try {
          const nextVersion = await this.store.append(streamId, events, current.version, options).then(
            (appended) => appended.nextVersion,
            // Written, only the positions unknown: this store needs only the version.
            (error: unknown) => {
              if (error instanceof PositionsUnknownError) return error.nextVersion;
              throw error;
            },
          );
          let state = current.state;
          for (const event of events) state = type.evolve(state, event);
          this.cache.set(`${type.name}:${streamId}`, { state, version: nextVersion });
          return result;
        } catch (error) {
          if (!(error instanceof WrongExpectedVersionError) || attempt >= MAX_ATTEMPTS) throw error;
          refresh = true;
        }
      }
    });
  }

  private async loadUnlocked<S, T extends DomainEventType>(streamId: string, type: AggregateType<S, T>, refresh: boolean) {
    const key = `${type.name}:${streamId}`;
    const cached = this.cache.get(key) as { state: S; version: number } | undefined;
    if (cached && !refresh) return cached;
    const entry = cached ?? { state: type.initial(), version: 0 };
    const events = await this.store.readStream(streamId, entry.version);
    entry.state = foldStream(type, entry.state, events);
    if (events.length > 0) entry.version = events[events.length - 1].streamVersion;
    this.cache.set(key, entry);
    return entry;
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
