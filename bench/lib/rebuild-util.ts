// Shared by the projection-rebuild scenarios (`rebuild`, `oneToOneDuringRebuild`): reaching the
// server's PostgreSQL, writing MessageSent events straight into the event store table, waiting for
// the live projector, and running the admin command `node dist/apps/admin/src/main.js rebuild`.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { log, sleep } from './log.js';
import { TreeCpu } from './scenario-util.js';
import { projectRoot, type ServerHandle } from './server.js';

const CHUNK = 100_000;

/**
 * The connection string of the server's PostgreSQL: its embedded one (password from
 * DATA_DIR/secrets.json, EMBEDDED_POSTGRES_PORT), else DATABASE_URL of this environment (an
 * external server in split mode; the admin command then reads the same variables).
 */
export function serverDatabaseUrl(server: ServerHandle): string {
  if (server.dataDir && server.postgresPort) {
    const secrets = JSON.parse(readFileSync(path.join(server.dataDir, 'secrets.json'), 'utf8')) as { databasePassword: string };
    return `postgres://messenger:${encodeURIComponent(secrets.databasePassword)}@localhost:${server.postgresPort}/messenger`;
  }
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  throw new Error('needs the bench-started embedded server, or DATABASE_URL (+ JWT_SECRET / ID_SECRET) of the external one');
}

/** Environment for the admin command so that it reaches the same database as the server. */
export function adminEnv(server: ServerHandle): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn' };
  if (server.dataDir && server.postgresPort) {
    env.DATA_DIR = server.dataDir;
    env.EMBEDDED_POSTGRES_PORT = String(server.postgresPort);
    delete env.DATABASE_URL; // the embedded server's database, not whatever this shell points at
  }
  return env;
}

/** Same as the domain's directConversationId (libs/domain/src/streams.ts). */
function directConversationId(a: string, b: string): string {
  const [first, second] = [a, b].sort();
  return 'd' + createHash('sha256').update(`${first}\u0000${second}`).digest('base64url').slice(0, 26);
}

const fakeUserId = () => 'u' + randomBytes(17).toString('base64url').slice(0, 22);

export interface InsertResult {
  users: number;
  conversations: number;
  insertSeconds: number;
  /** Log head before and after the inserts. */
  basePosition: number;
  head: number;
}

/**
 * Writes `total` MessageSent events into es_events with INSERT … SELECT … FROM generate_series
 * (chunks of 100,000): `userCount` made-up, unregistered users in userCount/2 direct
 * conversations, seq 1, 2, 3 … per conversation, the sender alternating; then NOTIFY es_events.
 */
export async function insertMessageEvents(db: pg.Client, total: number, userCount: number, label: string): Promise<InsertResult> {
  const users = Array.from({ length: userCount }, fakeUserId);
  const convCount = Math.floor(users.length / 2);
  const convA = Array.from({ length: convCount }, (_, c) => users[2 * c]);
  const convB = Array.from({ length: convCount }, (_, c) => users[2 * c + 1]);
  const convIds = convA.map((a, c) => directConversationId(a, convB[c]));

  const before = await db.query<{ head: string | null }>('SELECT max(global_position) AS head FROM es_events');
  const basePosition = Number(before.rows[0].head ?? 0);
  // event g (1-based) is message seq ceil(g / convs) of conversation (g-1) % convs
  log(`[${label}] inserting ${total} MessageSent events (${convCount} conversations of ${users.length} users) into es_events`);
  const started = performance.now();
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
                'forwardScore', 0,
                'sentAt', to_char(s.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
              '{"schemaVersion": 3}'::jsonb,
              s.at
       FROM (SELECT g, ((g - 1) % $4) + 1 AS ci, ((g - 1) / $4) + 1 AS seq,
                    now() - ($5 - g) * interval '10 milliseconds' AS at
             FROM generate_series($1::int, $2::int) AS g) s
       JOIN unnest($3::text[], $6::text[], $7::text[]) WITH ORDINALITY AS c(conv, ua, ub, idx) ON c.idx = s.ci
       ORDER BY s.g`,
      [lo, hi, convIds, convCount, total, convA, convB],
    );
    log(`[${label}]   inserted ${hi}/${total}`);
  }
  await db.query(`SELECT pg_notify('es_events', '')`);
  const insertSeconds = (performance.now() - started) / 1000;
  const head = Number((await db.query<{ head: string }>('SELECT max(global_position) AS head FROM es_events')).rows[0].head);
  log(`[${label}] inserted ${total} events in ${insertSeconds.toFixed(1)}s; head ${head}`);
  return { users: users.length, conversations: convCount, insertSeconds, basePosition, head };
}

/** Log head (highest global position, 0 when empty). */
export async function logHead(db: pg.Client): Promise<number> {
  return Number((await db.query<{ head: string | null }>('SELECT max(global_position) AS head FROM es_events')).rows[0].head ?? 0);
}

/** Waits until every live projection's checkpoint has reached `head` (or the timeout). */
export async function waitForLiveProjector(db: pg.Client, head: number, timeoutS: number, label: string): Promise<{ caughtUp: boolean; seconds: number; position: number }> {
  const t0 = performance.now();
  let low = 0;
  let lastLog = t0;
  while (performance.now() - t0 < timeoutS * 1000) {
    const r = await db.query<{ low: string | null }>('SELECT min(position) AS low FROM projection_checkpoints');
    low = Number(r.rows[0].low ?? 0);
    if (low >= head) break;
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      log(`[${label}]   live projector at ${low}/${head}`);
    }
    await sleep(250);
  }
  return { caughtUp: low >= head, seconds: (performance.now() - t0) / 1000, position: low };
}

export interface AdminRebuildRun {
  exitCode: number | null;
  signal: string | null;
  /** performance.now() at spawn and at exit. */
  startedAt: number;
  endedAt: number;
  wallSeconds: number;
  /** The command's JSON line ({events, seconds, projections, switchedAt}), null if it printed none. */
  output: { events?: number; seconds?: number; projections?: string[]; switchedAt?: string } | null;
  stdout: string;
  stderrTail: string;
  /** CPU of the admin process (percent of one core). */
  adminCpuPct: number | null;
}

/** Spawns `node dist/apps/admin/src/main.js rebuild [args]` against the server's database and waits for it. */
export async function runAdminRebuild(server: ServerHandle, args: string[], label: string): Promise<AdminRebuildRun> {
  const entry = path.join(projectRoot, 'dist/apps/admin/src/main.js');
  log(`[${label}] node ${path.relative(projectRoot, entry)} rebuild ${args.join(' ')}`.trimEnd());
  const startedAt = performance.now();
  const child = spawn(process.execPath, [entry, 'rebuild', ...args], { cwd: projectRoot, env: adminEnv(server), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderrTail = '';
  let lastProgress = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    stderrTail = (stderrTail + d.toString()).slice(-4000);
    const parts = stderrTail.split(/[\r\n]+/).filter((l) => l.trim());
    if (parts.length) lastProgress = parts[parts.length - 1];
  });
  const ticker = setInterval(() => lastProgress && log(`[${label}]   ${lastProgress.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trim()}`), 10_000);
  const adminTree = new TreeCpu(child.pid ?? null);
  const [exitCode, signal] = await new Promise<[number | null, string | null]>((resolve) => {
    child.once('error', (err) => {
      stderrTail += `\nspawn error: ${err.message}`;
      resolve([null, null]);
    });
    child.once('exit', (c, s) => resolve([c, s]));
  });
  const endedAt = performance.now();
  clearInterval(ticker);
  const adminCpu = adminTree.stop();
  let output: AdminRebuildRun['output'] = null;
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    output = line ? (JSON.parse(line) as AdminRebuildRun['output']) : null;
  } catch {
    output = null;
  }
  log(`[${label}] admin rebuild exited with ${signal ? `signal ${signal}` : `code ${exitCode}`} after ${((endedAt - startedAt) / 1000).toFixed(1)}s`);
  return {
    exitCode,
    signal,
    startedAt,
    endedAt,
    wallSeconds: (endedAt - startedAt) / 1000,
    output,
    stdout,
    stderrTail: stderrTail.replace(/\x1b\[[0-9;]*[A-Za-z]/g, ''),
    adminCpuPct: adminCpu.rootPct,
  };
}
