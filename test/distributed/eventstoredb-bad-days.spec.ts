import type { EventOfType } from '../../libs/domain/src/event-types.js';
import type { AggregateType } from '../../libs/commands/src/aggregate-store.js';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AggregateStore } from '../../libs/commands/src/aggregate-store.js';
import type { StoredEvent } from '../../libs/event-store/src/event-store.port.js';
import { EventStoreDbEventStore, SharedEsdbClients } from '../../libs/event-store/src/eventstoredb/eventstoredb-event-store.js';
import { FakeEsdbClient, FakeEsdbServer } from '../../libs/event-store/test/fake-esdb-client.js';
import { EventLogTail, type FeedItem } from '../../libs/gateway/src/event-log-tail.js';
import { Metrics } from '../../libs/platform/src/metrics.js';
import { Projector } from '../../libs/projections/src/projector.js';
import type { Projection } from '../../libs/projections/src/projection.js';
import { createReadModelDataSource } from '../../libs/read-models/src/data-source.js';
import { messageSent } from '../support/audit-events.js';
import { createTestDatabase } from '../support/database.js';

/**
 * The projector, the live feed and the command side over the EventStoreDB adapter when the
 * server has a bad day. The server and client are FakeEsdbServer / FakeEsdbClient: fakes, NOT
 * EventStoreDB (libs/event-store/test/fake-esdb-client.ts); PostgreSQL (checkpoints) is real.
 */
function fakeStore() {
  const server = new FakeEsdbServer();
  const store = new EventStoreDbEventStore('esdb://fake:2113?tls=false', new SharedEsdbClients(() => new FakeEsdbClient(server)));
  return { server, store };
}

let db: DataSource;

beforeAll(async () => {
  db = createReadModelDataSource(await createTestDatabase(), 3);
  await db.initialize();
  await db.runMigrations();
});

afterAll(async () => {
  await db?.destroy();
});

// Numbered events ride on a domain event type: projections and aggregates take domain events only.
const numbered = (n: number): EventOfType<'DeviceConnected'> => ({
  type: 'DeviceConnected',
  data: { userId: 'u', deviceId: 'd', connectionId: String(n), at: '2026-01-01T00:00:00.000Z' },
});
const numberOf = (event: { data: Record<string, unknown> }) => Number(event.data.connectionId);

/** A projection that only records what it was given (it borrows the users projection's checkpoint row). */
function recording(fail = false) {
  const applied: number[] = [];
  const projection: Projection = {
    name: 'users',
    handles: ['DeviceConnected'],
    apply: async (_tx, events) => {
      if (fail) throw new Error('projection SQL failed');
      applied.push(...events.map((e) => numberOf(e)));
    },
  };
  return { applied, projection };
}

describe('the projector over EventStoreDB', () => {
  it('survives a dropped subscription: resubscribes after its checkpoint and projects every event once', async () => {
    await db.query("DELETE FROM projection_checkpoints WHERE projection = 'users'");
    const { server, store } = fakeStore();
    const { applied, projection } = recording();
    const projector = new Projector(db, store, [projection]);
    let failed = false;
    await projector.start(100, 0);
    projector.failed.catch(() => (failed = true));
    try {
      const first = await store.append('s-projected', [1, 2, 3].map(numbered), 0);
      await expect.poll(() => applied).toEqual([1, 2, 3]);
      server.dropSubscriptions();
      await store.append('s-projected', [4, 5].map(numbered), 3);
      await expect.poll(() => applied, { timeout: 5_000 }).toEqual([1, 2, 3, 4, 5]);
      expect(server.subscribedFrom).toEqual(['start', first.positions[2]]);
      expect(failed).toBe(false);
    } finally {
      await projector.stop();
      await store.close();
    }
  });

  it('still stops on a projection that fails, rather than skipping past it', async () => {
    await db.query("DELETE FROM projection_checkpoints WHERE projection = 'users'");
    const { store } = fakeStore();
    const projector = new Projector(db, store, [recording(true).projection]);
    await projector.start(100, 0);
    try {
      await store.append('s-failing', [numbered(1)], 0);
      await expect(projector.failed).rejects.toThrow('projection SQL failed');
    } finally {
      await projector.stop();
      await store.close();
    }
  });
});

describe('the live feed over EventStoreDB', () => {
  it('survives a dropped subscription: the events after it still reach the open sockets, none twice', async () => {
    const { server, store } = fakeStore();
    const tail = new EventLogTail(store, new Metrics(), pino({ level: 'silent' }));
    await tail.start();
    const delivered: FeedItem[] = [];
    tail.subscribe('b', { deliver: (item) => delivered.push(item) });
    const send = (seq: number) => store.append('conversation-d1', [messageSent('d1', seq, 'a', ['b'], new Date().toISOString())], seq - 1);
    try {
      await send(1);
      await expect.poll(() => delivered.length).toBe(1);
      server.dropSubscriptions();
      await send(2);
      await send(3);
      await expect.poll(() => delivered.length, { timeout: 5_000 }).toBe(3);
      expect(delivered.map((d) => JSON.parse(d.frame).message.seq)).toEqual([1, 2, 3]);
    } finally {
      await tail.stop();
      await store.close();
    }
  });
});

describe('the command side over EventStoreDB', () => {
  it('an append whose positions cannot be read back counts as done: not appended again, and the next command follows it', async () => {
    const { server, store } = fakeStore();
    const aggregates = new AggregateStore(store);
    const counter: AggregateType<{ n: number }, 'DeviceConnected'> = {
      name: 'counter',
      eventTypes: { DeviceConnected: true },
      initial: () => ({ n: 0 }),
      evolve: (state, event) => Object.assign(state, { n: numberOf(event) }),
    };
    const twoMore = (state: { n: number }) => ({ events: [numbered(state.n + 1), numbered(state.n + 2)], result: state.n + 2 });
    try {
      server.failReadsAfterNextAppend = 100;
      await expect(aggregates.execute('counter-1', counter, twoMore)).resolves.toBe(2);
      server.failReads = 0;
      await expect(aggregates.execute('counter-1', counter, twoMore)).resolves.toBe(4);
      const events: StoredEvent[] = await store.readStream('counter-1');
      expect(events.map(numberOf)).toEqual([1, 2, 3, 4]);
    } finally {
      await store.close();
    }
  }, 10_000);
});
