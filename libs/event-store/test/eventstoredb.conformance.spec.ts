import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EventStore } from '../src/event-store.port.js';
import { EventStoreDbEventStore } from '../src/eventstoredb/eventstoredb-event-store.js';
import { describeEventStoreConformance } from './event-store.conformance.js';

const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;

if (!connectionString) {
  console.warn('EventStoreDB conformance suite skipped: EVENTSTORE_CONNECTION_STRING is not set');
}

describe.skipIf(!connectionString)('EventStoreDB event store (server at EVENTSTORE_CONNECTION_STRING)', () => {
  describeEventStoreConformance(
    'EventStoreDB',
    async () => new EventStoreDbEventStore(connectionString!),
    (store: EventStore) => store.close(),
  );
});

// Runs everywhere: with nothing listening, the adapter must fail fast rather than hang.
describe('EventStoreDB event store without a server', () => {
  const unreachable = 'esdb://127.0.0.1:1?tls=false';

  it('rejects append within a few seconds', async () => {
    const store = new EventStoreDbEventStore(unreachable);
    try {
      const started = Date.now();
      await expect(
        store.append(`no-server-${randomUUID()}`, [{ type: 'Probe', data: { n: 1 } }], 0),
      ).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await store.close();
    }
  }, 15_000);

  it('rejects readStream and readAll within a few seconds', async () => {
    const store = new EventStoreDbEventStore(unreachable);
    try {
      const started = Date.now();
      await expect(store.readStream(`no-server-${randomUUID()}`)).rejects.toThrow();
      await expect(store.readAll(0n, 10)).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await store.close();
    }
  }, 20_000);

  it('rejects the subscription\'s done without calling the handler', async () => {
    const store = new EventStoreDbEventStore(unreachable);
    let calls = 0;
    try {
      const sub = store.subscribeToAll({
        after: 0n,
        handle: async () => {
          calls++;
        },
      });
      await expect(sub.done).rejects.toThrow();
      await sub.stop();
      expect(calls).toBe(0);
    } finally {
      await store.close();
    }
  }, 20_000);
});
