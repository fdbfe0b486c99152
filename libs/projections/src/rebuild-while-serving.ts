import type { DataSource } from 'typeorm';
import type { EventStore } from '../../event-store/src/event-store.port.js';
import { createReadModelDataSource } from '../../read-models/src/data-source.js';
import type { Projection } from './projection.js';
import { Projector } from './projector.js';
import { PROJECTION_TABLES } from '../../read-models/src/tables.js';

export interface RebuildProgress {
  /** Called as the shadow copy advances: its position and the log's head. */
  update(position: bigint, head: bigint, eventsProjected: number): void;
}

export interface RebuildResult {
  projections: string[];
  events: number;
  seconds: number;
  /** Position at which the rebuilt tables took over. */
  switchedAt: bigint;
}

/** Stop chasing the head and switch once the shadow is this close to it. */
const SWITCH_LAG_EVENTS = 2_000;

/**
 * Rebuilds projections from the event history while the live system keeps serving the old
 * read model: the new tables are built in a shadow schema (`search_path` puts it first, so the
 * same projection SQL writes there, and tables of projections not being rebuilt are read from
 * the live schema), chase the head of the log, and then, in one transaction that holds the live
 * projector's checkpoints, take the last events and trade places with the live tables.
 */
export async function rebuildWhileServing(options: {
  databaseUrl: string;
  live: DataSource;
  store: EventStore;
  projections: Projection[];
  batchSize?: number;
  progress?: RebuildProgress;
}): Promise<RebuildResult> {
  const { live, store, projections } = options;
  const batchSize = options.batchSize ?? 5_000;
  const started = Date.now();
  const stamp = `${Date.now()}`;
  const shadow = `rebuild_${stamp}`;
  const replaced = `replaced_${stamp}`;
  const tables = [...new Set(projections.flatMap((p) => PROJECTION_TABLES[p.name]))];
  const names = projections.map((p) => p.name);

  await live.query(`CREATE SCHEMA ${shadow}`);
  for (const table of [...tables, 'projection_checkpoints']) {
    await live.query(`CREATE TABLE ${shadow}.${table} (LIKE public.${table} INCLUDING ALL)`);
  }
  const shadowDb = createReadModelDataSource(options.databaseUrl, 4, `${shadow},public`);
  await shadowDb.initialize();
  let events = 0;
  try {
    const projector = new Projector(shadowDb, store, projections, {
      onBatch: (count, position) => {
        events += count;
        void store.headPosition().then((head) => options.progress?.update(position, head, events));
      },
    });
    // Chase the head until the remaining gap is small enough to close while the live projector waits.
    for (;;) {
      const reached = await projector.catchUp(batchSize, false);
      const behind = await store.readAll(reached, SWITCH_LAG_EVENTS);
      if (behind.length < SWITCH_LAG_EVENTS) break;
    }

    const switchedAt = await withLockRetries(() =>
      live.transaction(async (tx) => {
        // Take every lock the switch needs without waiting: a waiting DDL lock could deadlock
        // with a reader that already holds one of the tables; NOWAIT never waits, so never deadlocks.
        await tx.query(`LOCK TABLE ${tables.map((t) => `public.${t}`).join(', ')} IN ACCESS EXCLUSIVE MODE NOWAIT`);
        // The live projector locks these rows for each batch: holding them pauses it here.
        await tx.query('SELECT projection FROM public.projection_checkpoints FOR UPDATE NOWAIT');
        await tx.query(`SET LOCAL search_path TO ${shadow}, public`);
        let after = await lowestCheckpoint(tx, shadow, names);
        for (;;) {
          const batch = await store.readAll(after, batchSize);
          if (batch.length === 0) break;
          await projector.projectWithin(tx, batch, false);
          events += batch.length;
          after = batch[batch.length - 1].globalPosition;
        }
        await tx.query('SET LOCAL search_path TO public');
        await tx.query(`CREATE SCHEMA ${replaced}`);
        for (const table of tables) {
          await tx.query(`ALTER TABLE public.${table} SET SCHEMA ${replaced}`);
          await tx.query(`ALTER TABLE ${shadow}.${table} SET SCHEMA public`);
        }
        await tx.query(
          `INSERT INTO public.projection_checkpoints (projection, position)
           SELECT projection, position FROM ${shadow}.projection_checkpoints WHERE projection = ANY($1)
           ON CONFLICT (projection) DO UPDATE SET position = excluded.position`,
          [names],
        );
        return after;
      }),
    );
    await live.query(`DROP SCHEMA ${replaced} CASCADE`);
    return { projections: names, events, seconds: (Date.now() - started) / 1000, switchedAt };
  } finally {
    await shadowDb.destroy();
    await live.query(`DROP SCHEMA IF EXISTS ${shadow} CASCADE`);
  }
}

async function lowestCheckpoint(tx: { query(sql: string, params?: unknown[]): Promise<unknown> }, schema: string, names: string[]): Promise<bigint> {
  const rows = (await tx.query(`SELECT min(position) AS position FROM ${schema}.projection_checkpoints WHERE projection = ANY($1)`, [names])) as {
    position: string | null;
  }[];
  return BigInt(rows[0]?.position ?? 0);
}

/** Retries the switch while a table or checkpoint is busy (PostgreSQL's lock_not_available). */
async function withLockRetries<T>(attempt: () => Promise<T>, attempts = 500): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      const code = (error as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (error as { code?: string }).code;
      if (code !== '55P03' || i >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    }
  }
}
