import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WrongExpectedVersionError } from '../src/event-store.port.js';
import { PostgresEventStore } from '../src/postgres/postgres-event-store.js';
import { createTestDatabase } from '../../../test/support/database.js';
import { describeEventStoreConformance } from './event-store.conformance.js';

let url: string;
const pools = new Map<PostgresEventStore, pg.Pool>();

beforeAll(async () => {
  url = await createTestDatabase();
  const pool = new pg.Pool({ connectionString: url });
  await PostgresEventStore.migrate(pool);
  await pool.end();
});

describeEventStoreConformance(
  'PostgreSQL',
  async () => {
    const pool = new pg.Pool({ connectionString: url, max: 5 });
    const store = new PostgresEventStore(pool);
    pools.set(store, pool);
    return store;
  },
  async (store) => {
    await store.close();
    await pools.get(store as PostgresEventStore)?.end();
  },
  async (beforeCommit) => {
    const pool = new pg.Pool({ connectionString: url, max: 5 });
    const store = new PostgresEventStore(pool, beforeCommit);
    pools.set(store, pool);
    return store;
  },
);

describe('PostgreSQL event store: group commit isolates what the database refuses', () => {
  let pool: pg.Pool;
  let store: PostgresEventStore;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: url, max: 5 });
    store = new PostgresEventStore(pool);
  });
  afterAll(async () => {
    await store.close();
    await pool.end();
  });

  it('refuses the poisoned append alone, and decides again what was decided against it', async () => {
    const id = `isolation-${randomUUID()}`;
    const [poisoned, second, third] = await Promise.allSettled([
      store.append(id, [{ type: 'Tested', data: { text: 'bad\u0000byte' } }], 0),
      // In the batch, this one lost to the poisoned append at version 0; that one was never written, so it wins.
      store.append(id, [{ type: 'Tested', data: { n: 2 } }], 0),
      store.append(id, [{ type: 'Tested', data: { n: 3 } }], 0),
    ]);
    expect(poisoned.status).toBe('rejected');
    expect(second.status).toBe('fulfilled');
    expect(third.status === 'rejected' && third.reason instanceof WrongExpectedVersionError).toBe(true);
    expect((await store.readStream(id)).map((e) => e.data.n)).toEqual([2]);
  });
});
