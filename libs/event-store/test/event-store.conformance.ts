import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClaimTakenError, EventStore, StoredEvent, WrongExpectedVersionError } from '../src/event-store.port.js';

/**
 * The behaviour every event store adapter must have. Streams get random names, so the suite
 * can run against a shared server. `createStore` may be called several times: separate
 * instances stand for separate processes appending to the same store.
 */
export function describeEventStoreConformance(
  adapterName: string,
  createStore: () => Promise<EventStore>,
  dispose: (store: EventStore) => Promise<void> = (store) => store.close(),
  /**
   * For adapters whose positions are drawn by the client's transaction: a store whose append
   * transactions run `beforeCommit` (and wait for it) just before committing, to open the window
   * in which a later append could become visible first (the global-position-gap bug).
   */
  createSlowStore?: (beforeCommit: () => Promise<void>) => Promise<EventStore>,
) {
  describe(`${adapterName} event store conformance`, () => {
    let store: EventStore;
    const stream = (name: string) => `${name}-${randomUUID()}`;
    const event = (n: number, type = 'Tested') => ({ type, data: { n }, metadata: { by: 'conformance' } });

    beforeAll(async () => {
      store = await createStore();
    });
    afterAll(async () => {
      await dispose(store);
    });

    it('appends to a new stream with expected version 0 and reads it back in order', async () => {
      const id = stream('fresh');
      const result = await store.append(id, [event(1), event(2), event(3)], 0);
      expect(result.nextVersion).toBe(3);
      expect(result.positions).toHaveLength(3);
      expect(result.positions[0] < result.positions[1] && result.positions[1] < result.positions[2]).toBe(true);
      const events = await store.readStream(id);
      expect(events.map((e) => [e.streamVersion, e.type, e.data.n, e.metadata.by])).toEqual([
        [1, 'Tested', 1, 'conformance'],
        [2, 'Tested', 2, 'conformance'],
        [3, 'Tested', 3, 'conformance'],
      ]);
      expect(events.map((e) => e.globalPosition)).toEqual(result.positions);
      expect(events.every((e) => e.streamId === id && e.recordedAt instanceof Date && typeof e.id === 'string')).toBe(true);
    });

    it('reads a stream from a version, and an unknown stream as empty', async () => {
      const id = stream('partial');
      await store.append(id, [event(1), event(2), event(3)], 0);
      expect((await store.readStream(id, 2)).map((e) => e.data.n)).toEqual([3]);
      expect(await store.readStream(stream('missing'))).toEqual([]);
    });

    it('refuses an append at the wrong expected version and appends nothing', async () => {
      const id = stream('conflict');
      await store.append(id, [event(1)], 0);
      await expect(store.append(id, [event(2)], 0)).rejects.toBeInstanceOf(WrongExpectedVersionError);
      await expect(store.append(id, [event(2)], 5)).rejects.toBeInstanceOf(WrongExpectedVersionError);
      await expect(store.append(stream('none'), [event(1)], 1)).rejects.toBeInstanceOf(WrongExpectedVersionError);
      expect((await store.readStream(id)).map((e) => e.data.n)).toEqual([1]);
      const next = await store.append(id, [event(2)], 1);
      expect(next.nextVersion).toBe(2);
    });

    it('appends with "any" whatever the version', async () => {
      const id = stream('any');
      await store.append(id, [event(1)], 'any');
      const result = await store.append(id, [event(2)], 'any');
      expect(result.nextVersion).toBe(2);
    });

    it('lets exactly one of many concurrent appenders at the same version win', async () => {
      const id = stream('race');
      await store.append(id, [event(0)], 0);
      const others = await Promise.all([createStore(), createStore()]);
      try {
        const attempts = [store, ...others].flatMap((s, i) => [0, 1, 2, 3].map((j) => s.append(id, [event(10 * i + j)], 1)));
        const results = await Promise.allSettled(attempts);
        const won = results.filter((r) => r.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(WrongExpectedVersionError);
        expect(await store.readStream(id)).toHaveLength(2);
      } finally {
        await Promise.all(others.map(dispose));
      }
    });

    it('a claimed key belongs to one stream: another stream claiming it is refused and appends nothing', async () => {
      const [a, b, key] = [stream('claim-a'), stream('claim-b'), `key-${randomUUID()}`];
      await store.append(a, [event(1)], 0, { claims: [key] });
      const refused = await store.append(b, [event(2)], 0, { claims: [key] }).catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(ClaimTakenError);
      expect((refused as ClaimTakenError).holder).toBe(a);
      expect(await store.readStream(b)).toEqual([]);
      // The holder's own stream may claim it again (its version check arbitrates).
      await store.append(a, [event(3)], 1, { claims: [key] });
      expect((await store.readStream(a)).map((e) => e.data.n)).toEqual([1, 3]);
    });

    it('of concurrent appends to different streams claiming one key, exactly one wins; the others fail alone', async () => {
      const key = `key-${randomUUID()}`;
      const streams = Array.from({ length: 8 }, (_, i) => stream(`claim-race-${i}`));
      const bystander = stream('claim-bystander');
      const results = await Promise.allSettled([
        ...streams.map((id) => store.append(id, [event(1)], 0, { claims: [key] })),
        store.append(bystander, [event(1)], 0, { claims: [`other-${randomUUID()}`] }),
      ]);
      expect(results.slice(0, 8).filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results.slice(0, 8)) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ClaimTakenError);
      expect(results[8].status).toBe('fulfilled');
      const written = await Promise.all(streams.map((id) => store.readStream(id)));
      expect(written.filter((events) => events.length > 0)).toHaveLength(1);
    });

    it('an append the store may refuse (a NUL character in its data) never fails the appends made beside it', async () => {
      const good = Array.from({ length: 20 }, (_, i) => stream(`beside-poison-${i}`));
      const results = await Promise.allSettled([
        ...good.map((id) => store.append(id, [event(1)], 0)),
        store.append(stream('poison'), [{ type: 'Tested', data: { text: 'bad\u0000byte' } }], 0),
      ]);
      expect(results.slice(0, 20).map((r) => r.status)).toEqual(good.map(() => 'fulfilled'));
      for (const id of good) expect((await store.readStream(id)).map((e) => e.data.n)).toEqual([1]);
    });

    it('reads the whole log after a position, exclusive, in position order', async () => {
      const before = await store.headPosition();
      const a = stream('log-a');
      const b = stream('log-b');
      await store.append(a, [event(1)], 0);
      await store.append(b, [event(2), event(3)], 0);
      await store.append(a, [event(4)], 1);
      const ours = (await readAllAfter(store, before)).filter((e) => e.streamId === a || e.streamId === b);
      expect(ours.map((e) => e.data.n)).toEqual([1, 2, 3, 4]);
      const head = await store.headPosition();
      expect(head).toBe(ours[3].globalPosition);
      const afterSecond = (await readAllAfter(store, ours[1].globalPosition)).filter((e) => e.streamId === a || e.streamId === b);
      expect(afterSecond.map((e) => e.data.n)).toEqual([3, 4]);
    });

    it('catch-up subscription delivers history after the checkpoint, then live events', async () => {
      const id = stream('subscribed');
      const first = await store.append(id, [event(1), event(2)], 0);
      const seen: StoredEvent[] = [];
      const subscription = store.subscribeToAll({
        after: first.positions[0],
        handle: async (events) => {
          seen.push(...events.filter((e) => e.streamId === id));
        },
      });
      try {
        await waitUntil(() => seen.length >= 1);
        await store.append(id, [event(3)], 2);
        await waitUntil(() => seen.length >= 2);
        expect(seen.map((e) => e.data.n)).toEqual([2, 3]);
      } finally {
        await subscription.stop();
      }
    });

    it('with many concurrent appenders, a live subscriber sees every event exactly once, in position order', async () => {
      const start = await store.headPosition();
      const writers = await Promise.all([createStore(), createStore(), createStore()]);
      const seen: StoredEvent[] = [];
      const streamIds = new Set<string>();
      const markerId = stream('marker');
      streamIds.add(markerId);
      const subscription = store.subscribeToAll({
        after: start,
        maxBatchSize: 7,
        handle: async (events) => {
          seen.push(...events.filter((e) => streamIds.has(e.streamId)));
        },
      });
      try {
        const appenders = 24;
        const appendsEach = 15;
        const appended: bigint[] = [];
        await Promise.all(
          Array.from({ length: appenders }, async (_, i) => {
            const writer = writers[i % writers.length];
            const id = stream(`concurrent-${i}`);
            streamIds.add(id);
            for (let j = 0; j < appendsEach; j++) {
              // Varying batch sizes keep transactions of different lengths in flight together.
              const batch = Array.from({ length: 1 + ((i + j) % 3) }, (_, k) => event(j * 10 + k));
              const result = await writer.append(id, batch, 'any');
              appended.push(...result.positions);
            }
          }),
        );
        // A marker appended after them all: once it is seen, any repeat or extra would have been too.
        await store.append(markerId, [event(0)], 0);
        await waitUntil(() => seen.some((e) => e.streamId === markerId), 20_000);
        const positions = seen.filter((e) => e.streamId !== markerId).map((e) => e.globalPosition);
        expect(new Set(positions).size).toBe(positions.length);
        expect(positions.length).toBe(appended.length);
        for (let i = 1; i < positions.length; i++) expect(positions[i] > positions[i - 1]).toBe(true);
        expect([...positions].sort(compare)).toEqual([...appended].sort(compare));
      } finally {
        await subscription.stop();
        await Promise.all(writers.map(dispose));
      }
    }, 60_000);

    it.skipIf(!createSlowStore)('a live subscriber does not skip an event whose transaction commits after a later one', async () => {
      // The slow append holds its transaction open, its position drawn, while the fast ones run.
      let holding!: () => void;
      const held = new Promise<void>((resolve) => (holding = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const slow = await createSlowStore!(() => {
        holding();
        return released;
      });
      const seen: StoredEvent[] = [];
      const ids = new Set<string>();
      const subscription = store.subscribeToAll({
        after: await store.headPosition(),
        handle: async (events) => void seen.push(...events.filter((e) => ids.has(e.streamId))),
      });
      try {
        const slowId = stream('slow');
        const fastId = stream('fast');
        const markerId = stream('marker');
        ids.add(slowId).add(fastId).add(markerId);
        const slowAppend = slow.append(slowId, [event(1)], 0);
        await held;
        const fast = Promise.all(Array.from({ length: 5 }, (_, i) => store.append(fastId, [event(i)], 'any')));
        // A store that lets them commit first has them done here; one that orders appends keeps them
        // waiting behind the slow one, which is then let go after 300 ms.
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([fast, new Promise((resolve) => (timer = setTimeout(resolve, 300)))]);
        clearTimeout(timer);
        release();
        const positions = [...(await slowAppend).positions, ...(await fast).flatMap((r) => r.positions)];
        // A marker appended after them all: once it is seen, a skipped event would have been seen too.
        await store.append(markerId, [event(0)], 0);
        await waitUntil(() => seen.some((e) => e.streamId === markerId), 5_000);
        expect(seen.filter((e) => e.streamId !== markerId).map((e) => e.globalPosition).sort(compare)).toEqual(positions.sort(compare));
      } finally {
        await subscription.stop();
        await dispose(slow);
      }
    });

    it('stops a subscription: no handler call after stop resolves', async () => {
      let calls = 0;
      const subscription = store.subscribeToAll({ after: await store.headPosition(), handle: async () => void calls++ });
      let ended = false;
      void subscription.done.finally(() => (ended = true)).catch(() => undefined);
      await subscription.stop();
      // Its loop has ended when stop resolves: nothing is left that could call the handler.
      expect(ended).toBe(true);
      const before = calls;
      await store.append(stream('after-stop'), [event(1)], 0);
      expect(calls).toBe(before);
    });
  });
}

const compare = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);

async function readAllAfter(store: EventStore, after: bigint): Promise<StoredEvent[]> {
  const all: StoredEvent[] = [];
  for (;;) {
    const page = await store.readAll(after, 100);
    if (page.length === 0) return all;
    all.push(...page);
    after = page[page.length - 1].globalPosition;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
