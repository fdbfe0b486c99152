// The oneToOne load (1,000 devices in pairs, 1,000 msg/s; BENCH_REBUILD_LOAD_S = 30 s) while a
// projection rebuild runs against the same server: `node dist/apps/admin/src/main.js rebuild`
// (every projection, into a shadow schema, then the locked switch; docs/decisions.md §11) is
// spawned BENCH_REBUILD_START_S (2) seconds into the load, with the server's DATA_DIR and
// EMBEDDED_POSTGRES_PORT so it reaches the running server's PostgreSQL.
//
// The rebuild replays whatever the log holds. So that it lasts a while, the log is first topped up
// to BENCH_REBUILD_MIN_EVENTS (300,000) events with generated MessageSent events (as the `rebuild`
// scenario writes them; 0 = no top-up), and the live projector is given time to project them, so
// the load does not compete with its catch-up. If the rebuild still ends before the load does,
// `rebuildCoveredLoadFraction` < 1 and `note` say so.
import pg from 'pg';
import { log, nowMs, round, sleep } from '../lib/log.js';
import { PairHarness } from '../lib/pair-load.js';
import { insertMessageEvents, logHead, runAdminRebuild, serverDatabaseUrl, waitForLiveProjector, type AdminRebuildRun } from '../lib/rebuild-util.js';
import type { BenchContext, Scenario } from './types.js';

const LABEL = 'oneToOneDuringRebuild';
const LIVE_TIMEOUT_S = 300;

export async function oneToOneDuringRebuild(ctx: BenchContext) {
  const { config, server } = ctx;
  const db = new pg.Client({ connectionString: serverDatabaseUrl(server) });
  await db.connect();
  let rebuildRun: Promise<AdminRebuildRun> | null = null;
  let harness: PairHarness | null = null;
  try {
    // 1. enough history for the rebuild to take a while
    const logEventsBefore = await logHead(db);
    let seed: Record<string, unknown> | null = null;
    const missing = config.duringRebuildMinEvents - logEventsBefore;
    if (missing > 0) {
      const ins = await insertMessageEvents(db, missing, config.rebuildUsers, LABEL);
      const live = await waitForLiveProjector(db, ins.head, LIVE_TIMEOUT_S, LABEL);
      if (!live.caughtUp) log(`[${LABEL}] the live projector is still at ${live.position}/${ins.head} after ${LIVE_TIMEOUT_S}s; starting the load anyway`);
      seed = {
        events: missing,
        insertSeconds: round(ins.insertSeconds, 1),
        liveProjectorCaughtUp: live.caughtUp,
        liveProjectorSeconds: round(live.seconds, 1),
      };
    }

    // 2. the oneToOne load, with the rebuild spawned a little into it
    const devices = await ctx.devices.take(config.oneToOneDevices);
    harness = await PairHarness.open(
      { wsBase: server.wsBase, api: ctx.api, sendVia: config.sendVia, serverPid: server.pid, connectConcurrency: config.connectConcurrency },
      devices,
    );
    const logEventsAtLoadStart = await logHead(db);
    let loadStart = 0;
    let loadEnd = 0;
    let rebuildFromMs = 0; // epoch ms, for the latency split
    let rebuildToMs = Infinity;
    const r = await harness.runLoad({
      rate: config.oneToOneRate,
      durationS: config.duringRebuildLoadS,
      drainS: config.drainS,
      label: 'rb',
      onSendStart: () => {
        loadStart = performance.now();
        rebuildRun = sleep(config.duringRebuildStartS * 1000).then(() => {
          rebuildFromMs = nowMs();
          return runAdminRebuild(server, [], LABEL).then((run) => {
            rebuildToMs = nowMs();
            return run;
          });
        });
      },
      onSendEnd: () => {
        loadEnd = performance.now();
      },
      window: () => (rebuildFromMs ? { from: rebuildFromMs, to: rebuildToMs } : null),
    });
    const connectMs = Math.round(harness.connectMs);
    await harness.close();
    harness = null;

    // 3. the rebuild may outlast the load
    if (rebuildToMs === Infinity) log(`[${LABEL}] load done; waiting for the rebuild to finish`);
    const run = await rebuildRun!;
    rebuildRun = null;
    const loadS = (loadEnd - loadStart) / 1000;
    const overlapS = Math.max(0, (Math.min(run.endedAt, loadEnd) - Math.max(run.startedAt, loadStart)) / 1000);
    const covered = loadS > 0 ? round(overlapS / loadS, 3) : null;
    const endedBeforeLoad = run.endedAt < loadEnd;
    const notes: string[] = [];
    if (endedBeforeLoad) {
      notes.push(
        `the rebuild ended ${((loadEnd - run.endedAt) / 1000).toFixed(1)} s before the load's last send: it covered ${Math.round((covered ?? 0) * 100)}% of the load ` +
          `(log of ${logEventsAtLoadStart} events at the load's start; raise BENCH_REBUILD_MIN_EVENTS for a longer rebuild)`,
      );
    }
    if (run.exitCode !== 0) notes.push(`the rebuild failed (${run.signal ? `signal ${run.signal}` : `exit code ${run.exitCode}`})`);
    const out = run.output;
    const meetsTarget = r.latencyMs.p99 !== null && r.latencyMs.p99 < 100 && r.lost === 0 && r.duplicated === 0;
    const result = {
      ...r,
      meetsTarget,
      connectMs,
      logEventsBeforeTopUp: logEventsBefore,
      topUp: seed,
      logEventsAtLoadStart,
      rebuildExitCode: run.exitCode,
      // the admin process as a whole (start-up, migration check, rebuild, switch, exit)
      rebuildWallSeconds: round(run.wallSeconds, 1),
      rebuildStartedAfterLoadStartS: round((run.startedAt - loadStart) / 1000, 1),
      rebuildEndedAfterLoadStartS: round((run.endedAt - loadStart) / 1000, 1),
      loadSendSeconds: round(loadS, 1),
      // share of the load's sending time during which the admin process ran
      rebuildCoveredLoadFraction: covered,
      rebuildEndedBeforeLoad: endedBeforeLoad,
      rebuild: {
        events: out?.events ?? null,
        seconds: out?.seconds ?? null,
        eventsPerSecond: out?.events && out?.seconds ? Math.round(out.events / out.seconds) : null,
        projections: out?.projections ?? null,
        switchedAt: out?.switchedAt ?? null,
        adminCpuPct: run.adminCpuPct,
        stderrTail: run.exitCode === 0 ? undefined : run.stderrTail.slice(-1500),
      },
      note: notes.length ? notes.join('; ') : undefined,
    };
    log(
      `[${LABEL}] rebuild exit ${run.exitCode}, ${result.rebuildWallSeconds}s (${result.rebuild.events} events), covered ${covered} of the load; ` +
        `delivery p99 ${r.latencyMs.p99} ms (while rebuilding ${r.latencyInWindowMs?.p99 ?? null}, outside ${r.latencyOutsideWindowMs?.p99 ?? null}), ack p99 ${r.ackLatencyMs.p99} ms`,
    );
    return result;
  } finally {
    await harness?.close();
    // never leave the admin process running against a server that is about to stop
    if (rebuildRun) await (rebuildRun as Promise<AdminRebuildRun>).catch(() => undefined);
    await db.end().catch(() => undefined);
  }
}

export const oneToOneDuringRebuildScenario: Scenario = { name: 'oneToOneDuringRebuild', run: oneToOneDuringRebuild };
