import { describe, expect, it } from 'vitest';
import { InMemoryEventLog, InMemoryEventStore } from '../src/memory/in-memory-event-store.js';
import { describeEventStoreConformance } from './event-store.conformance.js';

// One log for the suite: stores created on it stand for separate processes sharing one server.
const log = new InMemoryEventLog();

describeEventStoreConformance(
  'In-memory',
  async () => new InMemoryEventStore(log),
  (store) => store.close(),
  // Positions are drawn when an append is written, so a slow writer is one that waits before it writes.
  async (beforeCommit) => {
    const store = new InMemoryEventStore(log);
    const append = store.append.bind(store);
    store.append = async (...args) => {
      await beforeCommit();
      return append(...args);
    };
    return store;
  },
);

describe('In-memory event store: stored as a database would store it', () => {
  it('keeps a copy: mutating what was appended or read changes nothing stored', async () => {
    const store = new InMemoryEventStore();
    const data = { list: [1] };
    await store.append('copied', [{ type: 'Tested', data }], 0);
    data.list.push(2);
    const [read] = await store.readStream('copied');
    (read.data.list as number[]).push(3);
    expect((await store.readStream('copied'))[0].data).toEqual({ list: [1] });
    expect((await store.readAll(0n, 10))[0].data).toEqual({ list: [1] });
  });

  it('stores data as JSON: a Date comes back as its ISO string, undefined fields are dropped', async () => {
    const store = new InMemoryEventStore();
    await store.append('json', [{ type: 'Tested', data: { at: new Date('2026-01-02T03:04:05.000Z'), gone: undefined } }], 0);
    expect((await store.readStream('json'))[0].data).toEqual({ at: '2026-01-02T03:04:05.000Z' });
  });

  it('refuses an empty append, and every call once closed', async () => {
    const store = new InMemoryEventStore();
    await expect(store.append('empty', [], 'any')).rejects.toThrow();
    await store.close();
    await expect(store.append('closed', [{ type: 'Tested', data: {} }], 0)).rejects.toThrow(/closed/);
    await expect(store.readAll(0n, 1)).rejects.toThrow(/closed/);
    await expect(store.subscribeToAll({ after: 0n, handle: async () => undefined }).done).rejects.toThrow(/closed/);
  });

  it('close ends its subscriptions (done resolves) but not those of another store on the same log', async () => {
    const shared = new InMemoryEventLog();
    const [closing, staying] = [new InMemoryEventStore(shared), new InMemoryEventStore(shared)];
    const seen: number[] = [];
    const ended = closing.subscribeToAll({ after: 0n, handle: async () => undefined });
    const live = staying.subscribeToAll({ after: 0n, handle: async (events) => void seen.push(...events.map((e) => e.data.n as number)) });
    await closing.close();
    await expect(ended.done).resolves.toBeUndefined();
    await staying.append('after-close', [{ type: 'Tested', data: { n: 1 } }], 0);
    await expect.poll(() => seen).toEqual([1]);
    await live.stop();
  });

  it('a handler that throws ends its subscription: done rejects with that error', async () => {
    const store = new InMemoryEventStore();
    await store.append('failing', [{ type: 'Tested', data: {} }], 0);
    const subscription = store.subscribeToAll({ after: 0n, handle: async () => Promise.reject(new Error('handler failed')) });
    await expect(subscription.done).rejects.toThrow('handler failed');
  });
});
