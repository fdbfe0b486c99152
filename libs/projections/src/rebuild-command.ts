import cliProgress from 'cli-progress';
import type { EventStore } from '../../event-store/src/event-store.port.js';
import { createReadModelDataSource } from '../../read-models/src/data-source.js';
import { allProjections } from './projector.js';
import { rebuildWhileServing, RebuildResult } from './rebuild-while-serving.js';

/**
 * `npm run admin -- rebuild [name…]`: rebuilds the named projections (all when none are named)
 * while the system serves, with a progress bar on stderr (position in the log, rate, ETA).
 */
export async function runRebuildCommand(names: string[], options: { databaseUrl: string; store: EventStore }): Promise<RebuildResult> {
  const known = allProjections();
  const chosen = names.length === 0 || names.includes('all') ? known : known.filter((p) => names.includes(p.name));
  const unknown = names.filter((n) => n !== 'all' && !known.some((p) => p.name === n));
  if (unknown.length > 0) throw new Error(`unknown projection(s): ${unknown.join(', ')}; known: ${known.map((p) => p.name).join(', ')}`);

  const live = createReadModelDataSource(options.databaseUrl, 4);
  await live.initialize();
  await live.runMigrations({ transaction: 'each' });
  const bar = new cliProgress.SingleBar(
    { format: 'rebuild {bar} {percentage}% | position {value}/{total} | {events} events | {rate} ev/s | ETA {eta_formatted}', stream: process.stderr },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  bar.start(Number(await options.store.headPosition()), 0, { events: 0, rate: 0 });
  try {
    return await rebuildWhileServing({
      databaseUrl: options.databaseUrl,
      live,
      store: options.store,
      projections: chosen,
      progress: {
        update: (position, head, events) => {
          bar.setTotal(Number(head));
          bar.update(Number(position), { events, rate: Math.round(events / Math.max((Date.now() - started) / 1000, 0.001)) });
        },
      },
    });
  } finally {
    bar.stop();
    await live.destroy();
  }
}
