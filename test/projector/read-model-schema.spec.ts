import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { createReadModelDataSource } from '../../libs/read-models/src/data-source.js';
import { ALL_TABLES, PROJECTION_TABLES } from '../../libs/read-models/src/tables.js';
import { allProjections } from '../../libs/projections/src/projector.js';
import { createTestDatabase } from '../support/database.js';

describe('the read-model schema registry (libs/read-models/src/tables.ts)', () => {
  it('lists exactly the tables the migrations create', async () => {
    const url = await createTestDatabase();
    const db = createReadModelDataSource(url, 2);
    await db.initialize();
    await db.runMigrations({ transaction: 'each' });
    await db.destroy();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'read_model_migrations'`,
    );
    await client.end();
    expect(rows.map((r) => r.table_name).sort()).toEqual([...ALL_TABLES].sort());
  });

  it('names every projection the projector runs, and no other', () => {
    expect(allProjections().map((p) => p.name).sort()).toEqual(Object.keys(PROJECTION_TABLES).sort());
  });
});
