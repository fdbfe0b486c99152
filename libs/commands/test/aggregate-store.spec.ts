import { describe, expect, it } from 'vitest';
import { DomainError } from '../../domain/src/index.js';
import { AppendOptions, AppendResult, ClaimTakenError, EventToAppend, ExpectedVersion, WrongExpectedVersionError } from '../../event-store/src/event-store.port.js';
import { InMemoryEventLog, InMemoryEventStore } from '../../event-store/src/memory/in-memory-event-store.js';
import type { EventOfType } from '../../domain/src/event-types.js';
import { AggregateStore, AggregateType, Decision } from '../src/aggregate-store.js';
import { RecordingEventStore } from './fixtures.js';

/** A stream of numbers 1, 2, 3…: a command decided on a stale state would write a number twice. */
interface Tally {
  numbers: number[];
}
// The tally's numbers ride on a domain event: the aggregate store takes domain events only.
type Added = EventOfType<'DeviceConnected'>;
const addedEvent = (n: number): Added => ({ type: 'DeviceConnected', data: { userId: 'u', deviceId: 'd', connectionId: String(n), at: '2026-01-01T00:00:00.000Z' } });
const numberOf = (event: { data: Record<string, unknown> }) => Number(event.data.connectionId);

const TallyAggregate: AggregateType<Tally, 'DeviceConnected'> = {
  name: 'Tally',
  eventTypes: { DeviceConnected: true },
  initial: () => ({ numbers: [] }),
  evolve: (state, event) => {
    state.numbers.push(numberOf(event));
    return state;
  },
};

const addNext = (state: Tally): Decision<Added, number> => {
  const n = state.numbers.length + 1;
  return { events: [addedEvent(n)], result: n };
};

const added = (n: number): EventToAppend => addedEvent(n);
const numbersIn = async (store: InMemoryEventStore, streamId: string) => (await store.readStream(streamId)).map(numberOf);

describe('AggregateStore', () => {
  it('folds a stream on first use, then decides from the cache without reading', async () => {
    const store = new RecordingEventStore();
    await store.append('tally', [added(1), added(2)], 0);
    const aggregates = new AggregateStore(store);

    expect(await aggregates.execute('tally', TallyAggregate, addNext)).toBe(3);
    expect(await aggregates.execute('tally', TallyAggregate, addNext)).toBe(4);

    expect(store.reads).toEqual([{ streamId: 'tally', afterVersion: 0 }]);
    expect(store.appends.map((a) => [a.expected, a.outcome])).toEqual([
      [0, 'ok'],
      [2, 'ok'],
      [3, 'ok'],
    ]);
    expect(await numbersIn(store, 'tally')).toEqual([1, 2, 3, 4]);
  });

  it('with a stale cache (another process appended), the append conflicts, the missing events are read and the command is decided again', async () => {
    const log = new InMemoryEventLog();
    const store = new RecordingEventStore(log);
    const aggregates = new AggregateStore(store);
    const otherProcess = new AggregateStore(new InMemoryEventStore(log));
    await aggregates.execute('tally', TallyAggregate, addNext);
    await otherProcess.execute('tally', TallyAggregate, addNext);

    const decidedOn: number[][] = [];
    const result = await aggregates.execute('tally', TallyAggregate, (state) => {
      decidedOn.push([...state.numbers]);
      return addNext(state);
    });

    expect(result).toBe(3);
    expect(decidedOn).toEqual([[1], [1, 2]]);
    expect(store.appends.map((a) => [a.expected, a.outcome])).toEqual([
      [0, 'ok'],
      [1, 'WrongExpectedVersionError'],
      [2, 'ok'],
    ]);
    // The retry reads only what the cache misses.
    expect(store.reads).toEqual([
      { streamId: 'tally', afterVersion: 0 },
      { streamId: 'tally', afterVersion: 1 },
    ]);
    expect(await numbersIn(store, 'tally')).toEqual([1, 2, 3]);
  });

  it('gives up with the conflict, having written nothing, when the stream moves on before every attempt', async () => {
    class RacedStore extends RecordingEventStore {
      override async append(streamId: string, events: EventToAppend[], expected: ExpectedVersion, options?: AppendOptions): Promise<AppendResult> {
        // Another writer gets in first, every time.
        if (expected !== 'any') await super.append(streamId, [{ type: 'Foreign', data: {} }], 'any');
        return super.append(streamId, events, expected, options);
      }
    }
    const store = new RacedStore();
    let decisions = 0;
    const outcome = await new AggregateStore(store)
      .execute('tally', TallyAggregate, (state) => (decisions++, addNext(state)))
      .catch((error: unknown) => error);

    expect(outcome).toBeInstanceOf(WrongExpectedVersionError);
    const ours = store.appends.filter((a) => a.expected !== 'any');
    expect(ours.length).toBeGreaterThan(1);
    expect(ours.every((a) => a.outcome === 'WrongExpectedVersionError')).toBe(true);
    expect(decisions).toBe(ours.length);
    expect((await store.readStream('tally')).map((e) => e.type)).toEqual(ours.map(() => 'Foreign'));
  });

  it('runs concurrent commands on one stream one at a time: each decides on the state the previous one left, none conflicts', async () => {
    const store = new RecordingEventStore();
    const aggregates = new AggregateStore(store);

    const results = await Promise.all(Array.from({ length: 20 }, () => aggregates.execute('tally', TallyAggregate, addNext)));

    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(store.appends.every((a) => a.outcome === 'ok')).toBe(true);
    expect(store.appends).toHaveLength(20);
    expect(store.reads).toHaveLength(1);
    expect(await numbersIn(store, 'tally')).toEqual(results);
  });

  it('does not hold a command on one stream behind a slow one on another', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    class SlowOnOneStream extends InMemoryEventStore {
      override async append(streamId: string, events: EventToAppend[], expected: ExpectedVersion, options?: AppendOptions): Promise<AppendResult> {
        if (streamId === 'slow') await held;
        return super.append(streamId, events, expected, options);
      }
    }
    const aggregates = new AggregateStore(new SlowOnOneStream());
    let slowDone = false;
    const slow = aggregates.execute('slow', TallyAggregate, addNext).then(() => (slowDone = true));

    await aggregates.execute('fast', TallyAggregate, addNext);

    expect(slowDone).toBe(false);
    release();
    await slow;
    expect(slowDone).toBe(true);
  });

  it('a refused decision appends nothing, leaves the state as it was, and does not block the next command', async () => {
    const store = new RecordingEventStore();
    const aggregates = new AggregateStore(store);
    await aggregates.execute('tally', TallyAggregate, addNext);
    const refusal = new DomainError('conflict', 'refused', 'no');

    const failing = aggregates.execute('tally', TallyAggregate, () => {
      throw refusal;
    });
    const next = aggregates.execute('tally', TallyAggregate, addNext);

    await expect(failing).rejects.toBe(refusal);
    expect(await next).toBe(2);
    expect(store.appends.map((a) => a.expected)).toEqual([0, 1]);
    expect(await numbersIn(store, 'tally')).toEqual([1, 2]);
  });

  it('decides a refusal made on a cached state again on the newest events before answering it', async () => {
    const log = new InMemoryEventLog();
    const store = new RecordingEventStore(log);
    const aggregates = new AggregateStore(store);
    await aggregates.execute('tally', TallyAggregate, addNext);
    await new InMemoryEventStore(log).append('tally', [added(2)], 1);

    const decidedOn: number[][] = [];
    const result = await aggregates.execute('tally', TallyAggregate, (state) => {
      decidedOn.push([...state.numbers]);
      if (state.numbers.length < 2) throw new DomainError('conflict', 'too_early', 'needs two numbers first');
      return addNext(state);
    });

    expect(result).toBe(3);
    expect(decidedOn).toEqual([[1], [1, 2]]);
    expect(store.reads).toEqual([
      { streamId: 'tally', afterVersion: 0 },
      { streamId: 'tally', afterVersion: 1 },
    ]);
    expect(await numbersIn(store, 'tally')).toEqual([1, 2, 3]);
  });

  it('checks a no-op decided on a cached state against the newest events: nothing the caller asked for is lost', async () => {
    const log = new InMemoryEventLog();
    const store = new RecordingEventStore(log);
    const aggregates = new AggregateStore(store);
    /** Idempotent: makes n the last number, appending nothing when it already is. */
    const setLastTo = (n: number) => (state: Tally): Decision<Added, void> => ({
      events: state.numbers.at(-1) === n ? [] : [addedEvent(n)],
      result: undefined,
    });
    await aggregates.execute('tally', TallyAggregate, setLastTo(1));
    await new InMemoryEventStore(log).append('tally', [added(2)], 1);

    await aggregates.execute('tally', TallyAggregate, setLastTo(1));

    expect(await numbersIn(store, 'tally')).toEqual([1, 2, 1]);
  });

  it('a decision with no events appends nothing and returns its result', async () => {
    const store = new RecordingEventStore();
    await store.append('tally', [added(1)], 0);
    const result = await new AggregateStore(store).execute('tally', TallyAggregate, (state) => ({ events: [], result: state.numbers }));
    expect(result).toEqual([1]);
    expect(store.appends).toHaveLength(1);
  });

  it('does not retry a refused claim: one attempt, ClaimTakenError naming the holder', async () => {
    const store = new RecordingEventStore();
    const aggregates = new AggregateStore(store);
    await aggregates.execute('holder', TallyAggregate, addNext, { claims: ['key'] });

    const refused = await aggregates.execute('other', TallyAggregate, addNext, { claims: ['key'] }).catch((error: unknown) => error);

    expect(refused).toBeInstanceOf(ClaimTakenError);
    expect((refused as ClaimTakenError).holder).toBe('holder');
    expect(store.appends.filter((a) => a.streamId === 'other')).toHaveLength(1);
    expect(await store.readStream('other')).toEqual([]);
  });

  it('evicts the least recently used state past maxCached; an evicted stream is folded again from the start', async () => {
    const store = new RecordingEventStore();
    const aggregates = new AggregateStore(store, 2);
    for (const streamId of ['a', 'b', 'a', 'c']) await aggregates.execute(streamId, TallyAggregate, addNext);
    expect(store.reads.map((r) => r.streamId)).toEqual(['a', 'b', 'c']);

    // 'b' was the least recently used when 'c' came in; 'a' was used after it, so it stayed.
    expect(await aggregates.execute('a', TallyAggregate, addNext)).toBe(3);
    expect(await aggregates.execute('b', TallyAggregate, addNext)).toBe(2);

    expect(store.reads.slice(3)).toEqual([{ streamId: 'b', afterVersion: 0 }]);
    expect(await numbersIn(store, 'b')).toEqual([1, 2]);
  });

  it('load reads only the events after the cached version; without refresh it does not read', async () => {
    const log = new InMemoryEventLog();
    const store = new RecordingEventStore(log);
    const aggregates = new AggregateStore(store);
    await aggregates.execute('tally', TallyAggregate, addNext);
    await new InMemoryEventStore(log).append('tally', [added(2)], 1);

    expect((await aggregates.load('tally', TallyAggregate, false)).state.numbers).toEqual([1]);
    expect(store.reads).toHaveLength(1);
    const fresh = await aggregates.load('tally', TallyAggregate, true);

    expect(fresh).toMatchObject({ version: 2, state: { numbers: [1, 2] } });
    expect(store.reads[1]).toEqual({ streamId: 'tally', afterVersion: 1 });
  });

  it('caches one stream read as two aggregate types separately', async () => {
    const store = new RecordingEventStore();
    const aggregates = new AggregateStore(store);
    const Count: AggregateType<{ count: number }, 'DeviceConnected'> = { name: 'Count', eventTypes: { DeviceConnected: true }, initial: () => ({ count: 0 }), evolve: (s) => ({ count: s.count + 1 }) };
    await aggregates.execute('tally', TallyAggregate, addNext);

    expect((await aggregates.load('tally', Count, false)).state.count).toBe(1);
    expect((await aggregates.load('tally', TallyAggregate, false)).state.numbers).toEqual([1]);
  });

  it('keeps the state an evolve returns, for aggregates that do not mutate (the type allows either)', async () => {
    const store = new RecordingEventStore();
    const aggregates = new AggregateStore(store);
    const Immutable: AggregateType<Tally, 'DeviceConnected'> = { ...TallyAggregate, name: 'Immutable', evolve: (s, e) => ({ numbers: [...s.numbers, numberOf(e)] }) };

    await aggregates.execute('tally', Immutable, addNext);
    const second = await aggregates.execute('tally', Immutable, addNext);

    expect(second).toBe(2);
    expect(await numbersIn(store, 'tally')).toEqual([1, 2]);
  });
});
