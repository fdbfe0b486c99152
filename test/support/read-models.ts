import pg from 'pg';
import { REBUILT_TABLES } from '../../libs/read-models/src/tables.js';


/** Every row of every read model, in a stable order, for comparing two builds of them. */
export async function snapshotReadModels(databaseUrl: string): Promise<Record<string, unknown[]>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const snapshot: Record<string, unknown[]> = {};
    for (const table of REBUILT_TABLES) {
      const { rows } = await client.query(`SELECT to_jsonb(t) AS row FROM ${table} t ORDER BY to_jsonb(t)::text`);
      snapshot[table] = rows.map((r) => r.row);
    }
    return snapshot;
  } finally {
    await client.end();
  }
}
