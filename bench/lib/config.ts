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
  maxRateContinueAfterFail: boolean;
  drainS: number;
  /** How the load scenarios send: `send` frames over the WebSocket (default) or POST /v1/messages. */
  sendVia: 'ws' | 'http';
  reconnectMissed: number;
  idleConnections: number;
  idlePerWorker: number;
  idleHoldS: number;
  idleSpreadSourceAddrs: boolean;
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
  const steps = listEnv('BENCH_MAXRATE_STEPS')?.map(Number) ?? [1000, 1500, 2000, 3000, 4000];
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
    maxRateContinueAfterFail: process.env.BENCH_MAXRATE_CONTINUE === '1',
    drainS: intEnv('BENCH_DRAIN_S', 10),
    sendVia: sendVia(),
    reconnectMissed: intEnv('BENCH_RECONNECT_MISSED', 1000),
    idleConnections: intEnv('BENCH_IDLE_CONNECTIONS', 10000),
    idlePerWorker: Math.max(1, intEnv('BENCH_IDLE_PER_WORKER', 5000)),
    idleHoldS: intEnv('BENCH_IDLE_HOLD_S', 10),
    idleSpreadSourceAddrs: process.env.BENCH_SPREAD_SOURCE_ADDRS === '1',
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
