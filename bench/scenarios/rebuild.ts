// Projection rebuild throughput. On a fresh server, BENCH_REBUILD_EVENTS (1,000,000) MessageSent
// events are written straight into the event store table (`es_events`) with INSERT … SELECT …
// FROM generate_series: BENCH_REBUILD_USERS (1,000) made-up users in 500 direct conversations,
// seq 1, 2, 3 … per conversation, the sender alternating. The users are not registered (the
// projections do not need them). The server's live projector sees them too: the scenario waits
// until it has projected them all (timed: `liveProjector`), so that the rebuild then runs on an
// idle server. Then `node dist/apps/admin/src/main.js rebuild` (what `npm run admin -- rebuild`
// runs) rebuilds every projection while the server serves, against the server's embedded
// PostgreSQL (DATA_DIR + EMBEDDED_POSTGRES_PORT); it prints {events, seconds, …} on stdout.
import pg from 'pg';
import { log, round } from '../lib/log.js';
import { insertMessageEvents, runAdminRebuild, serverDatabaseUrl, waitForLiveProjector } from '../lib/rebuild-util.js';
import { TreeCpu } from '../lib/scenario-util.js';
import type { BenchContext, Scenario } from './types.js';

const LIVE_TIMEOUT_S = 900;

export async function rebuild(ctx: BenchContext) {
  const { config, server } = ctx;
  if (!server.dataDir || !server.postgresPort) throw new Error('rebuild needs the bench-started embedded server (not BENCH_SERVER_URL)');
  const total = config.rebuildEvents;
  const db = new pg.Client({ connectionString: serverDatabaseUrl(server) });
  await db.connect();
  try {
    // 1. the events
    const ins = await insertMessageEvents(db, total, config.rebuildUsers, 'rebuild');
    const insertS = ins.insertSeconds;
    const head = ins.head;

    // 2. the live projector (of the running server) projects them; wait, so the rebuild runs on an idle server
    let liveProjector: Record<string, unknown> | null = null;
    if (config.rebuildWaitLive) {
      const cpuTree = new TreeCpu(server.pid);
      const live = await waitForLiveProjector(db, head, LIVE_TIMEOUT_S, 'rebuild');
      const cpu = cpuTree.stop();
      liveProjector = {
        caughtUp: live.caughtUp,
        // from the end of the inserts (the projector may have started on the first chunks already)
        secondsAfterInsert: round(live.seconds, 1),
        eventsPerSecondAfterInsert: live.caughtUp ? Math.round((head - ins.basePosition) / (live.seconds + insertS)) : null,
        serverCpuPct: cpu.rootPct,
        postgresCpuPct: cpu.descendantsPct,
      };
      log(`[rebuild] live projector ${JSON.stringify(liveProjector)}`);
    }

    // 3. the rebuild, by the admin command
    const serverTree = new TreeCpu(server.pid);
    const run = await runAdminRebuild(server, [], 'rebuild');
    const serverCpu = serverTree.stop();
    if (run.exitCode !== 0) throw new Error(`admin rebuild exited with ${run.signal ? `signal ${run.signal}` : `code ${run.exitCode}`}; stderr tail: ${run.stderrTail.slice(-1500)}`);
    const out = run.output;
    if (!out) throw new Error(`admin rebuild printed no JSON line on stdout: ${run.stdout.slice(0, 500)}`);
    const result = {
      eventsGenerated: total,
      users: ins.users,
      conversations: ins.conversations,
      insertSeconds: round(insertS, 1),
      insertEventsPerSecond: Math.round(total / insertS),
      liveProjector,
      events: out.events ?? null,
      seconds: out.seconds ?? null,
      eventsPerSecond: out.events && out.seconds ? Math.round(out.events / out.seconds) : null,
      projections: out.projections ?? null,
      switchedAt: out.switchedAt ?? null,
      // the admin process as a whole (start-up, migrations check, rebuild, exit)
      adminWallSeconds: round(run.wallSeconds, 1),
      adminCpuPct: run.adminCpuPct,
      // the server is idle meanwhile; its PostgreSQL (backends sampled every 0.5 s) does the rebuild's reads and writes
      serverCpuPct: serverCpu.rootPct,
      postgresCpuPct: serverCpu.descendantsPct,
    };
    log(`[rebuild] ${JSON.stringify(result)}`);
    return result;
  } finally {
    await db.end().catch(() => undefined);
  }
}

export const rebuildScenario: Scenario = { name: 'rebuild', freshServer: true, run: rebuild };
