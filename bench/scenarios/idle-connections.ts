// Many idle connected devices, held open across child processes; the server's memory per connection.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromWorker, ToWorker } from '../lib/idle-worker.js';
import { log, round, sleep } from '../lib/log.js';
import { scrapeMetrics } from '../lib/metrics.js';
import { memoryMedian, type MemorySample } from '../lib/proc.js';
import type { BenchContext, Scenario } from './types.js';

const WORKER = fileURLToPath(new URL('../lib/idle-worker.js', import.meta.url));

class Worker {
  private readonly child: ChildProcess;
  private waiters = new Map<string, (m: FromWorker) => void>();
  private exited: Promise<void>;
  constructor(readonly id: number, onProgress: (id: number, opened: number, failed: number) => void) {
    // the child's stdout goes to our stderr: stdout carries only the final JSON
    this.child = fork(WORKER, [], { stdio: ['ignore', 2, 2, 'ipc'] });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.on('message', (m: FromWorker) => {
      if (m.type === 'progress') onProgress(id, m.opened, m.failed);
      const w = this.waiters.get(m.type);
      if (w) {
        this.waiters.delete(m.type);
        w(m);
      }
    });
  }

  request<T extends FromWorker['type']>(msg: ToWorker, answer: T): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      const onExit = () => reject(new Error(`idle worker ${this.id} exited unexpectedly`));
      this.child.once('exit', onExit);
      this.waiters.set(answer, (m) => {
        this.child.removeListener('exit', onExit);
        resolve(m as Extract<FromWorker, { type: T }>);
      });
      this.child.send(msg);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.connected) {
      try {
        await this.request({ cmd: 'close' }, 'closed');
      } catch {
        /* already gone */
      }
    }
    await this.exited;
  }
}

const mb = (b: number | null) => (b === null ? null : round(b / 1024 / 1024, 1));

export async function idleConnections(ctx: BenchContext) {
  const { config } = ctx;
  const n = config.idleConnections;
  const devices = await ctx.devices.take(n);
  const pid = ctx.server.pid;
  await sleep(1000); // let the server settle after registration
  const before: MemorySample | null = pid ? await memoryMedian(pid, 2000) : null;
  const metricsBefore = await scrapeMetrics(ctx.api.httpBase);

  const workerCount = Math.ceil(n / config.idlePerWorker);
  const progress = new Array<number>(workerCount).fill(0);
  const workers = Array.from({ length: workerCount }, (_, i) => new Worker(i, (id, opened) => (progress[id] = opened)));
  const ticker = setInterval(() => log(`[idle] opened ${progress.reduce((a, b) => a + b, 0)}/${n}`), 5000);
  try {
    const perWorker = Math.ceil(n / workerCount);
    const started = performance.now();
    const spread = config.idleSpreadSourceAddrs && ctx.server.host === '127.0.0.1';
    const opened = await Promise.all(
      workers.map((w, i) =>
        w.request(
          {
            cmd: 'open',
            wsBase: ctx.server.wsBase,
            tokens: devices.slice(i * perWorker, (i + 1) * perWorker).map((d) => d.token),
            concurrency: Math.max(10, Math.floor(config.connectConcurrency / workerCount)),
            localAddress: spread ? `127.0.0.${2 + i}` : undefined,
          },
          'opened',
        ),
      ),
    );
    clearInterval(ticker);
    const openMs = performance.now() - started;
    const openedCount = opened.reduce((a, o) => a + o.opened, 0);
    const failed = opened.reduce((a, o) => a + o.failed, 0);
    log(`[idle] ${openedCount} connections live (${failed} failed) in ${(openMs / 1000).toFixed(1)}s`);
    await sleep(1000);
    const after: MemorySample | null = pid ? await memoryMedian(pid, 2000) : null;
    const metricsAfter = await scrapeMetrics(ctx.api.httpBase);

    await sleep(Math.max(0, config.idleHoldS * 1000 - 3000));
    const checks = await Promise.all(workers.map((w) => w.request({ cmd: 'check', concurrency: 200 }, 'checked')));
    const closeCodes: Record<string, number> = {};
    for (const c of checks) for (const [k, v] of Object.entries(c.closeCodes)) closeCodes[k] = (closeCodes[k] ?? 0) + v;
    const delta = before?.serverRss != null && after?.serverRss != null ? after.serverRss - before.serverRss : null;
    const result = {
      connections: n,
      opened: openedCount,
      failed,
      openS: round(openMs / 1000, 1),
      holdS: config.idleHoldS,
      stillOpenAfterHold: checks.reduce((a, c) => a + c.open, 0),
      answeredPingAfterHold: checks.reduce((a, c) => a + c.answeredPing, 0),
      closedByServer: checks.reduce((a, c) => a + c.closedByServer, 0),
      closeCodes,
      rssBeforeMB: mb(before?.serverRss ?? null),
      rssAfterMB: mb(after?.serverRss ?? null),
      bytesPerConnection: delta !== null && openedCount > 0 ? Math.round(delta / openedCount) : null,
      // from the server's /metrics when it has them (V8 heap and external buffers; GC makes these jumpy too)
      heapUsedBeforeMB: mb(metricsBefore?.heapUsedBytes ?? null),
      heapUsedAfterMB: mb(metricsAfter?.heapUsedBytes ?? null),
      externalBeforeMB: mb(metricsBefore?.externalMemoryBytes ?? null),
      externalAfterMB: mb(metricsAfter?.externalMemoryBytes ?? null),
      serverSaysConnections: metricsAfter?.websocketConnections ?? null,
      postgresRssBeforeMB: mb(before?.childrenRss ?? null),
      postgresRssAfterMB: mb(after?.childrenRss ?? null),
      workers: workerCount,
      errorSamples: opened.flatMap((o) => o.errorSamples).slice(0, 5),
    };
    log(`[idle] ${JSON.stringify(result)}`);
    return result;
  } finally {
    clearInterval(ticker);
    await Promise.all(workers.map((w) => w.stop()));
  }
}

export const idleConnectionsScenario: Scenario = {
  name: 'idleConnections',
  // the RSS delta is only meaningful on a server without the garbage of the load scenarios
  freshServer: process.env.BENCH_IDLE_SHARED_SERVER !== '1',
  run: idleConnections,
};
