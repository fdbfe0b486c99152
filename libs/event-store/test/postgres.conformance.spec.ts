import pg from 'pg';
import { beforeAll } from 'vitest';
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
  async (holdMs) => {
    const pool = new pg.Pool({ connectionString: url, max: 5 });
    const store = new PostgresEventStore(pool, () => new Promise((resolve) => setTimeout(resolve, holdMs)));
    pools.set(store, pool);
    return store;
  },
);
