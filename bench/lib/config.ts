// All environment knobs of the benchmark in one place.

function intEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`);
  return n;
}

function listEnv(name: string): string[] | null {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return null;
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

export interface BenchConfig {
  /** Scenario names to run (null = all, in registry order). */
  scenarios: string[] | null;
  durationS: number;
  oneToOneRate: number;
  oneToOneDevices: number;
  maxRateSteps: number[];
  maxRateStepS: number;
  maxRateDevices: number;
  /** Stop the max-rate curve at the first failing step (default: run every step). */
  maxRateStopOnFail: boolean;
  drainS: number;
  /** The first seconds of a load run, reported apart: a fresh server's caches and JIT are cold then. */
  warmupS: number;
  /** How the load scenarios send: `send` frames over the WebSocket (default) or POST /v1/messages. */
  sendVia: 'ws' | 'http';
  reconnectMissed: number;
  idleConnections: number;
  idlePerWorker: number;
  idleHoldS: number;
  idleSpreadSourceAddrs: boolean;
  /** group256 / group1024Offline: send duration, one message every groupIntervalMs, group sizes. */
  groupDurationS: number;
  groupIntervalMs: number;
  groupSize: number;
  bigGroupSize: number;
  /** group1024Offline: how many of the big group are connected during the load (the rest catch up after). */
  bigGroupOnline: number;
  presenceContacts: number;
  presenceRounds: number;
  typingPairs: number;
  typingDurationS: number;
  typingIntervalMs: number;
  /** calls: caller/callee pairs placing calls while the 1:1 load runs, and the seconds between one pair's calls. */
  callPairs: number;
  callIntervalS: number;
  rebuildEvents: number;
  rebuildUsers: number;
  /** Wait for the server's live projector to project the generated events before the rebuild (and time it). */
  rebuildWaitLive: boolean;
  /** oneToOneDuringRebuild: load duration, when the rebuild starts into it, the log size to top up to first. */
  duringRebuildLoadS: number;
  duringRebuildStartS: number;
  duringRebuildMinEvents: number;
  registerConcurrency: number;
  connectConcurrency: number;
  /** Use an already running server instead of starting one (no RSS figures unless serverPid is set). */
  serverUrl: string | null;
  serverPid: number | null;
  serverEntry: string | null;
  serverStartTimeoutS: number;
  serverStopTimeoutS: number;
  keepDataDir: boolean;
}

function sendVia(): 'ws' | 'http' {
  const v = (process.env.BENCH_SEND_VIA || 'ws').toLowerCase();
  if (v !== 'ws' && v !== 'http') throw new Error(`BENCH_SEND_VIA must be ws or http, got ${v}`);
  return v;
}

export function loadConfig(): BenchConfig {
  const steps = listEnv('BENCH_MAXRATE_STEPS')?.map(Number) ?? [1000, 2000, 4000, 6000, 8000];
  if (steps.some((s) => !Number.isFinite(s) || s <= 0)) throw new Error('BENCH_MAXRATE_STEPS must be a comma list of positive rates');
  const pid = process.env.BENCH_SERVER_PID;
  return {
    scenarios: listEnv('BENCH_SCENARIOS'),
    durationS: intEnv('BENCH_DURATION_S', 60),
    oneToOneRate: intEnv('BENCH_ONE_TO_ONE_RATE', 1000),
    oneToOneDevices: intEnv('BENCH_ONE_TO_ONE_DEVICES', 1000),
    maxRateSteps: steps,
    maxRateStepS: intEnv('BENCH_MAXRATE_STEP_S', 10),
    maxRateDevices: intEnv('BENCH_MAXRATE_DEVICES', 1000),
    // BENCH_MAXRATE_CONTINUE=0 is the old spelling of the same
    maxRateStopOnFail: process.env.BENCH_MAXRATE_STOP_ON_FAIL === '1' || process.env.BENCH_MAXRATE_CONTINUE === '0',
    drainS: intEnv('BENCH_DRAIN_S', 10),
    warmupS: intEnv('BENCH_WARMUP_S', 5),
    sendVia: sendVia(),
    reconnectMissed: intEnv('BENCH_RECONNECT_MISSED', 1000),
    idleConnections: intEnv('BENCH_IDLE_CONNECTIONS', 10000),
    idlePerWorker: Math.max(1, intEnv('BENCH_IDLE_PER_WORKER', 5000)),
    idleHoldS: intEnv('BENCH_IDLE_HOLD_S', 10),
    idleSpreadSourceAddrs: process.env.BENCH_SPREAD_SOURCE_ADDRS === '1',
    groupDurationS: intEnv('BENCH_GROUP_DURATION_S', 30),
    groupIntervalMs: Math.max(1, intEnv('BENCH_GROUP_INTERVAL_MS', 100)),
    groupSize: Math.max(2, intEnv('BENCH_GROUP_SIZE', 256)),
    bigGroupSize: Math.max(2, intEnv('BENCH_BIG_GROUP_SIZE', 1024)),
    bigGroupOnline: Math.max(2, intEnv('BENCH_BIG_GROUP_ONLINE', 256)),
    presenceContacts: Math.max(1, intEnv('BENCH_PRESENCE_CONTACTS', 500)),
    presenceRounds: Math.max(1, intEnv('BENCH_PRESENCE_ROUNDS', 5)),
    typingPairs: Math.max(1, intEnv('BENCH_TYPING_PAIRS', 200)),
    typingDurationS: intEnv('BENCH_TYPING_DURATION_S', 20),
    typingIntervalMs: Math.max(1, intEnv('BENCH_TYPING_INTERVAL_MS', 600)),
    callPairs: Math.max(1, intEnv('BENCH_CALL_PAIRS', 50)),
    // 10 calls a minute per user is the server's limit: one every 7 s stays under it.
    callIntervalS: Math.max(7, intEnv('BENCH_CALL_INTERVAL_S', 7)),
    rebuildEvents: Math.max(1, intEnv('BENCH_REBUILD_EVENTS', 1_000_000)),
    rebuildUsers: Math.max(2, intEnv('BENCH_REBUILD_USERS', 1000)),
    rebuildWaitLive: process.env.BENCH_REBUILD_WAIT_LIVE !== '0',
    duringRebuildLoadS: Math.max(1, intEnv('BENCH_REBUILD_LOAD_S', 30)),
    duringRebuildStartS: intEnv('BENCH_REBUILD_START_S', 2),
    duringRebuildMinEvents: intEnv('BENCH_REBUILD_MIN_EVENTS', 300_000),
    registerConcurrency: Math.max(1, intEnv('BENCH_REGISTER_CONCURRENCY', 16)),
    connectConcurrency: Math.max(1, intEnv('BENCH_CONNECT_CONCURRENCY', 100)),
    serverUrl: process.env.BENCH_SERVER_URL || null,
    serverPid: pid ? Number(pid) : null,
    serverEntry: process.env.BENCH_SERVER_ENTRY || null,
    serverStartTimeoutS: intEnv('BENCH_SERVER_START_TIMEOUT_S', 180),
    serverStopTimeoutS: intEnv('BENCH_SERVER_STOP_TIMEOUT_S', 60),
    keepDataDir: process.env.BENCH_KEEP_DATA === '1',
  };
}
