import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Projector } from '../../libs/projections/src/projector.js';
import { createReadModelDataSource } from '../../libs/read-models/src/data-source.js';
import { createTestDatabase } from '../support/database.js';
import { openTestEventStore } from '../support/event-store.js';
import { writeHistory } from '../support/history.js';
import { spawnApp } from '../support/processes.js';
import { ALL_TABLES } from '../../libs/read-models/src/tables.js';
import { snapshotReadModels } from '../support/read-models.js';

/** Replays the whole log into the read models in this process, as a run that never crashed. */
async function rebuildInProcess(databaseUrl: string): Promise<void> {
  const db = createReadModelDataSource(databaseUrl, 5);
  await db.initialize();
  await db.runMigrations();
  const { store, close } = await openTestEventStore(databaseUrl, 3);
  try {
    await new Projector(db, store).rebuild(777);
  } finally {
    await close();
    await db.destroy();
  }
}

async function checkpoints(client: pg.Client): Promise<bigint[]> {
  const { rows } = await client.query('SELECT position FROM projection_checkpoints');
  return rows.map((r) => BigInt(r.position));
}

describe('projector crash and rebuild', () => {
  let databaseUrl: string;
  let head: bigint;
  let client: pg.Client;

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
    head = await writeHistory(databaseUrl, { users: 30, messages: 4000 });
    client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
  }, 120_000);

  afterAll(async () => {
    await client?.end();
  });

  it('killing the projector process mid-stream and restarting it gives the read models of a run without the crash', async () => {
    const kills: bigint[] = [];
    // Small batches make the run long enough to be killed in the middle, several times.
    for (let crash = 1; crash <= 3; crash++) {
      const projector = await spawnApp('projector', databaseUrl, { PROJECTOR_BATCH_SIZE: '20' });
      const target = (head * BigInt(crash)) / 4n;
      const deadline = Date.now() + 60_000;
      for (;;) {
        const positions = await checkpoints(client).catch(() => []);
        if (positions.length > 0 && positions.every((p) => p >= target)) break;
        if (Date.now() > deadline) throw new Error(`projector did not reach ${target}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await projector.kill('SIGKILL');
      const positions = await checkpoints(client);
      kills.push(positions[0]);
      expect(positions.some((p) => p < head), 'the crash happened before the end of the log').toBe(true);
    }
    const projector = await spawnApp('projector', databaseUrl);
    try {
      const deadline = Date.now() + 60_000;
      while (!(await checkpoints(client)).every((p) => p === head)) {
        if (Date.now() > deadline) throw new Error('projector did not catch up after the crashes');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await projector.kill('SIGTERM');
    }
    const afterCrashes = await snapshotReadModels(databaseUrl);
    expect(afterCrashes.messages).toHaveLength(4000);
    expect(new Set((afterCrashes.call_history as { outcome: string }[]).map((row) => row.outcome))).toEqual(new Set(['completed', 'declined', 'cancelled', 'missed']));

    await rebuildInProcess(databaseUrl);
    const rebuilt = await snapshotReadModels(databaseUrl);
    expect(rebuilt).toEqual(afterCrashes);
  }, 180_000);

  it('dropping the read models and replaying the history gives identical read models', async () => {
    const before = await snapshotReadModels(databaseUrl);
    await client.query(`DROP TABLE ${[...ALL_TABLES, 'read_model_migrations'].join(', ')}`);
    await rebuildInProcess(databaseUrl);
    const after = await snapshotReadModels(databaseUrl);
    expect(after).toEqual(before);
    expect(after.feed_items.length).toBeGreaterThan(8000);
  }, 120_000);
});
