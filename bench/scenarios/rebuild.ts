// Projection rebuild throughput. On a fresh server, BENCH_REBUILD_EVENTS (1,000,000) MessageSent
// events are written straight into the event store table (`es_events`) with INSERT … SELECT …
// FROM generate_series: BENCH_REBUILD_USERS (1,000) made-up users in 500 direct conversations,
// seq 1, 2, 3 … per conversation, the sender alternating. The users are not registered (the
// projections do not need them). The server's live projector sees them too: the scenario waits
// until it has projected them all (timed: `liveProjector`), so that the rebuild then runs on an
// idle server. Then `node dist/apps/admin/src/main.js rebuild` (what `npm run admin -- rebuild`
// runs) rebuilds every projection while the server serves, against the server's embedded
// PostgreSQL (DATA_DIR + EMBEDDED_POSTGRES_PORT); it prints {events, seconds, …} on stdout.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { log, round, sleep } from '../lib/log.js';
import { TreeCpu } from '../lib/scenario-util.js';
import { projectRoot } from '../lib/server.js';
import type { BenchContext, Scenario } from './types.js';

const CHUNK = 100_000;
const LIVE_TIMEOUT_S = 900;

/** Same as the domain's directConversationId (libs/domain/src/streams.ts). */
function directConversationId(a: string, b: string): string {
  const [first, second] = [a, b].sort();
  return 'd' + createHash('sha256').update(`${first}\u0000${second}`).digest('base64url').slice(0, 26);
}

const fakeUserId = () => 'u' + randomBytes(17).toString('base64url').slice(0, 22);

export async function rebuild(ctx: BenchContext) {
  const { config, server } = ctx;
  if (!server.dataDir || !server.postgresPort) throw new Error('rebuild needs the bench-started embedded server (not BENCH_SERVER_URL)');
  const total = config.rebuildEvents;
  const users = Array.from({ length: config.rebuildUsers }, fakeUserId);
  const convCount = Math.floor(users.length / 2);
  const convA = Array.from({ length: convCount }, (_, c) => users[2 * c]);
  const convB = Array.from({ length: convCount }, (_, c) => users[2 * c + 1]);
  const convIds = convA.map((a, c) => directConversationId(a, convB[c]));

  const secrets = JSON.parse(readFileSync(path.join(server.dataDir, 'secrets.json'), 'utf8')) as { databasePassword: string };
  const url = `postgres://messenger:${encodeURIComponent(secrets.databasePassword)}@localhost:${server.postgresPort}/messenger`;
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const before = await db.query<{ head: string | null; n: string }>('SELECT max(global_position) AS head, count(*) AS n FROM es_events');
    const basePosition = Number(before.rows[0].head ?? 0);

    // 1. the events: event g (1-based) is message seq ceil(g / convs) of conversation (g-1) % convs
    log(`[rebuild] inserting ${total} MessageSent events (${convCount} conversations of ${users.length} users) into es_events`);
    const insertStarted = performance.now();
    for (let lo = 1; lo <= total; lo += CHUNK) {
      const hi = Math.min(total, lo + CHUNK - 1);
      await db.query(
        `INSERT INTO es_events (event_id, stream_id, stream_version, type, data, metadata, recorded_at)
         SELECT gen_random_uuid(), 'conversation-' || c.conv, s.seq, 'MessageSent',
                jsonb_build_object(
                  'messageId', gen_random_uuid()::text,
                  'conversationId', c.conv,
                  'conversationType', 'direct',
                  'seq', s.seq,
                  'senderId', CASE WHEN s.seq % 2 = 1 THEN c.ua ELSE c.ub END,
                  'senderDeviceId', 'dev-' || CASE WHEN s.seq % 2 = 1 THEN c.ua ELSE c.ub END,
                  'recipientIds', jsonb_build_array(CASE WHEN s.seq % 2 = 1 THEN c.ub ELSE c.ua END),
                  'clientMsgId', 'rb-' || s.g,
                  'kind', 'text',
                  'body', 'Message ' || s.g || ': see you at the station at ' || (s.g % 24) || ':' || lpad((s.g % 60)::text, 2, '0') || ', bring the tickets',
                  'mediaId', NULL::text,
                  'replyTo', NULL::text,
                  'forwardOf', NULL::text,
                  'sentAt', to_char(s.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
                '{"schemaVersion": 2}'::jsonb,
                s.at
         FROM (SELECT g, ((g - 1) % $4) + 1 AS ci, ((g - 1) / $4) + 1 AS seq,
                      now() - ($5 - g) * interval '10 milliseconds' AS at
               FROM generate_series($1::int, $2::int) AS g) s
         JOIN unnest($3::text[], $6::text[], $7::text[]) WITH ORDINALITY AS c(conv, ua, ub, idx) ON c.idx = s.ci
         ORDER BY s.g`,
        [lo, hi, convIds, convCount, total, convA, convB],
      );
      log(`[rebuild]   inserted ${hi}/${total}`);
    }
    await db.query(`SELECT pg_notify('es_events', '')`);
    const insertS = (performance.now() - insertStarted) / 1000;
    const head = Number((await db.query<{ head: string }>('SELECT max(global_position) AS head FROM es_events')).rows[0].head);
    log(`[rebuild] inserted ${total} events in ${insertS.toFixed(1)}s; head ${head}`);

    // 2. the live projector (of the running server) projects them; wait, so the rebuild runs on an idle server
    let liveProjector: Record<string, unknown> | null = null;
    if (config.rebuildWaitLive) {
      const t0 = performance.now();
      const cpuTree = new TreeCpu(server.pid);
      let low = 0;
      let lastLog = t0;
      while (performance.now() - t0 < LIVE_TIMEOUT_S * 1000) {
        const r = await db.query<{ low: string | null }>('SELECT min(position) AS low FROM projection_checkpoints');
        low = Number(r.rows[0].low ?? 0);
        if (low >= head) break;
        if (performance.now() - lastLog > 10_000) {
          lastLog = performance.now();
          log(`[rebuild]   live projector at ${low}/${head}`);
        }
        await sleep(250);
      }
      const secs = (performance.now() - t0) / 1000;
      const cpu = cpuTree.stop();
      liveProjector = {
        caughtUp: low >= head,
        // from the end of the inserts (the projector may have started on the first chunks already)
        secondsAfterInsert: round(secs, 1),
        eventsPerSecondAfterInsert: low >= head ? Math.round((head - basePosition) / (secs + insertS)) : null,
        serverCpuPct: cpu.rootPct,
        postgresCpuPct: cpu.descendantsPct,
      };
      log(`[rebuild] live projector ${JSON.stringify(liveProjector)}`);
    }

    // 3. the rebuild, by the admin command
    const entry = path.join(projectRoot, 'dist/apps/admin/src/main.js');
    log(`[rebuild] node ${path.relative(projectRoot, entry)} rebuild`);
    const t0 = performance.now();
    const serverTree = new TreeCpu(server.pid);
    const child = spawn(process.execPath, [entry, 'rebuild'], {
      cwd: projectRoot,
      env: { ...process.env, DATA_DIR: server.dataDir, EMBEDDED_POSTGRES_PORT: String(server.postgresPort), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderrTail = '';
    let lastProgress = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => {
      stderrTail = (stderrTail + d.toString()).slice(-4000);
      const parts = stderrTail.split(/[\r\n]+/).filter((l) => l.trim());
      if (parts.length) lastProgress = parts[parts.length - 1];
    });
    const ticker = setInterval(() => lastProgress && log(`[rebuild]   ${lastProgress.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trim()}`), 10_000);
    const adminTree = new TreeCpu(child.pid ?? null);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    clearInterval(ticker);
    const adminCpu = adminTree.stop();
    const wallS = (performance.now() - t0) / 1000;
    const serverCpu = serverTree.stop();
    if (code !== 0) throw new Error(`admin rebuild exited with code ${code}; stderr tail: ${stderrTail.slice(-1500)}`);
    const line = stdout.trim().split('\n').pop() ?? '';
    let out: { events?: number; seconds?: number; projections?: string[]; switchedAt?: string };
    try {
      out = JSON.parse(line);
    } catch {
      throw new Error(`admin rebuild printed no JSON line on stdout: ${stdout.slice(0, 500)}`);
    }
    const result = {
      eventsGenerated: total,
      users: users.length,
      conversations: convCount,
      insertSeconds: round(insertS, 1),
      insertEventsPerSecond: Math.round(total / insertS),
      liveProjector,
      events: out.events ?? null,
      seconds: out.seconds ?? null,
      eventsPerSecond: out.events && out.seconds ? Math.round(out.events / out.seconds) : null,
      projections: out.projections ?? null,
      switchedAt: out.switchedAt ?? null,
      // the admin process as a whole (start-up, migrations check, rebuild, exit)
      adminWallSeconds: round(wallS, 1),
      adminCpuPct: adminCpu.rootPct,
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
