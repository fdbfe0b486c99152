// `npm run bench`: starts the embedded server, runs the scenarios in order, prints one JSON object
// with the figures on stdout (everything else goes to stderr). Exit code 1 if a scenario failed.
//
// Environment knobs (defaults in lib/config.ts):
//   BENCH_SCENARIOS=oneToOne,oneToOneDuringRebuild,maxRate,reconnect,group256,group1024Offline,presence,typing,idleConnections,rebuild   subset (registry order)
//   BENCH_DURATION_S=60            oneToOne duration       BENCH_ONE_TO_ONE_RATE=1000, BENCH_ONE_TO_ONE_DEVICES=1000
//   BENCH_REBUILD_LOAD_S=30  BENCH_REBUILD_START_S=2  BENCH_REBUILD_MIN_EVENTS=300000   oneToOneDuringRebuild (log topped up to MIN_EVENTS first; 0 = never)
//   BENCH_MAXRATE_STEPS=1000,2000,4000,6000,8000  BENCH_MAXRATE_STEP_S=10  (every step runs)  BENCH_MAXRATE_STOP_ON_FAIL=1 (stop at the first failed step)
//   BENCH_DRAIN_S=10               after the last send, wait for stragglers until none arrived for this long
//   BENCH_RECONNECT_MISSED=1000
//   BENCH_IDLE_CONNECTIONS=10000   BENCH_IDLE_PER_WORKER=5000  BENCH_IDLE_HOLD_S=10  BENCH_SPREAD_SOURCE_ADDRS=1
//   BENCH_IDLE_SHARED_SERVER=1     run idleConnections on the same server as the others (default: a fresh one)
//   BENCH_GROUP_DURATION_S=30     group256 / group1024Offline: one message every BENCH_GROUP_INTERVAL_MS=100
//   BENCH_GROUP_SIZE=256  BENCH_BIG_GROUP_SIZE=1024  BENCH_BIG_GROUP_ONLINE=256
//   BENCH_PRESENCE_CONTACTS=500  BENCH_PRESENCE_ROUNDS=5
//   BENCH_TYPING_PAIRS=200  BENCH_TYPING_DURATION_S=20  BENCH_TYPING_INTERVAL_MS=600
//   BENCH_REBUILD_EVENTS=1000000  BENCH_REBUILD_USERS=1000  BENCH_REBUILD_WAIT_LIVE=0 (do not wait for the live projector first)
//   BENCH_SEND_VIA=ws|http         BENCH_REGISTER_CONCURRENCY=16  BENCH_CONNECT_CONCURRENCY=100
//   BENCH_SERVER_ENTRY=<js file>   default dist/apps/embedded/src/main.js, else dist/apps/embedded/main.js
//   BENCH_SERVER_URL=http://localhost:3000 (+ BENCH_SERVER_PID for memory/CPU figures): use a running server
//   BENCH_KEEP_DATA=1              keep the server's temporary data dir
import os from 'node:os';
import { Api } from './lib/api.js';
import { loadConfig, type BenchConfig } from './lib/config.js';
import { DevicePool } from './lib/devices.js';
import { errorText, log } from './lib/log.js';
import { verifyPhoneScheme } from './lib/phones.js';
import { connectExternal, startServer, type ServerHandle } from './lib/server.js';
import { scenarios } from './scenarios/index.js';
import type { BenchContext, Scenario } from './scenarios/types.js';

let server: ServerHandle | null = null;

async function newContext(config: BenchConfig): Promise<BenchContext> {
  server = config.serverUrl ? await connectExternal(config) : await startServer(config);
  const api = new Api(server.httpBase);
  return { config, server, api, devices: new DevicePool(api, config.registerConcurrency) };
}

function selectScenarios(config: BenchConfig): Scenario[] {
  if (!config.scenarios) return scenarios;
  const known = new Map(scenarios.map((s) => [s.name.toLowerCase(), s]));
  const unknown = config.scenarios.filter((n) => !known.has(n.toLowerCase()));
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}`);
  const wanted = new Set(config.scenarios.map((n) => n.toLowerCase()));
  return scenarios.filter((s) => wanted.has(s.name.toLowerCase())); // registry order
}

async function main(): Promise<number> {
  const config = loadConfig();
  const selected = selectScenarios(config);
  verifyPhoneScheme(Math.max(20_000, config.idleConnections, config.oneToOneDevices, config.maxRateDevices) + 10);

  const output: Record<string, unknown> = {
    startedAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? null,
      totalMemMB: Math.round(os.totalmem() / 1024 / 1024),
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
      // other work on the machine skews every figure: compare with cpus
      loadAverage1mAtStart: Math.round(os.loadavg()[0] * 100) / 100,
    },
    settings: {
      scenarios: selected.map((s) => s.name),
      durationS: config.durationS,
      maxRateSteps: config.maxRateSteps,
      maxRateStepS: config.maxRateStepS,
      maxRateStopOnFail: config.maxRateStopOnFail,
      rebuildLoadS: config.duringRebuildLoadS,
      idleConnections: config.idleConnections,
      groupDurationS: config.groupDurationS,
      rebuildEvents: config.rebuildEvents,
      sendVia: config.sendVia,
      externalServer: config.serverUrl,
    },
  };
  if (os.loadavg()[0] > 0.5) log(`note: load average is already ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} cores; figures will be skewed`);
  let failures = 0;
  let ctx: BenchContext | null = null;
  try {
    let used = false; // has a scenario run on the current server?
    for (const scenario of selected) {
      if (ctx && !ctx.server.alive()) {
        log(`server is gone; starting a fresh one for ${scenario.name}`);
        output.serverRestarts = ((output.serverRestarts as number | undefined) ?? 0) + 1;
        await ctx.server.stop();
        ctx = null;
      } else if (ctx && used && scenario.freshServer && !config.serverUrl) {
        log(`${scenario.name} runs on a fresh server`);
        await ctx.server.stop();
        ctx = null;
      }
      if (!ctx) {
        ctx = await newContext(config);
        used = false;
      }
      used = true;
      log(`=== ${scenario.name} ===`);
      const started = performance.now();
      try {
        output[scenario.name] = await scenario.run(ctx);
      } catch (err) {
        failures++;
        log(`${scenario.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        output[scenario.name] = { error: errorText(err), serverAlive: ctx.server.alive() };
      }
      log(`=== ${scenario.name} took ${((performance.now() - started) / 1000).toFixed(1)}s ===`);
    }
  } catch (err) {
    failures++;
    log(`benchmark aborted: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    output.error = errorText(err);
  } finally {
    await server?.stop();
  }
  output.finishedAt = new Date().toISOString();
  (output.machine as Record<string, unknown>).loadAverage1mAtEnd = Math.round(os.loadavg()[0] * 100) / 100;
  process.stdout.write(`${JSON.stringify(output)}\n`);
  return failures ? 1 : 0;
}

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${sig}: stopping the server and exiting`);
    void (server?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

main().then(
  (code) => {
    process.exitCode = code;
    // open handles (keep-alive sockets) must not keep us alive
    setTimeout(() => process.exit(code), 200).unref();
  },
  async (err) => {
    log(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    await server?.stop();
    process.exit(1);
  },
);
