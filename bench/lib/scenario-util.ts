// Small helpers shared by the group, presence and typing scenarios.
import type { Device } from './devices.js';
import { log, mapLimit, round, sleep } from './log.js';
import { cpuSample, type CpuSample } from './proc.js';
import { connectLive, type DeviceSocket, type Frame } from './ws-client.js';
import type { BenchContext } from '../scenarios/types.js';

/** Range of the shared device pool a scenario uses, so scenarios do not share conversations (and presence noise). */
export const DEVICE_RANGES = {
  /** group256 uses the first groupSize, group1024Offline the first bigGroupSize. */
  groups: 0,
  /** presence: after the big group. */
  presence: (bigGroupSize: number) => bigGroupSize,
  /** typing: after presence. */
  typing: (bigGroupSize: number, presenceContacts: number) => bigGroupSize + presenceContacts + 1,
  /** calls: after typing's pairs. */
  calls: (bigGroupSize: number, presenceContacts: number, typingPairs: number) => bigGroupSize + presenceContacts + 1 + 2 * typingPairs,
};

/** A direct chat per pair (devices 2p and 2p+1), made by the first one's message; answers the conversation ids. */
export async function directChats(ctx: BenchContext, devices: Device[], pairs: number, tag: string): Promise<string[]> {
  return mapLimit(Array.from({ length: pairs }, (_, p) => p), ctx.config.registerConcurrency, async (p) => {
    const res = await ctx.api.callRetrying<{ conversationId?: unknown }>(
      'POST',
      '/v1/messages',
      { clientMsgId: `${tag}-${p}`, to: { userId: devices[2 * p + 1].userId }, kind: 'text', body: 'hi' },
      devices[2 * p].token,
    );
    if (typeof res.conversationId !== 'string') throw new Error(`POST /v1/messages gave no conversationId: ${JSON.stringify(res).slice(0, 200)}`);
    return res.conversationId;
  });
}

export function withTimeout<T>(p: Promise<T>, ms: number, message: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(typeof message === 'string' ? message : message())), ms);
    }),
  ]);
}

/** Polls `done` every pollMs until it holds (true) or timeoutMs passed (false). */
export async function waitUntil(done: () => boolean, timeoutMs: number, pollMs = 5): Promise<boolean> {
  const until = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > until) return false;
    await sleep(pollMs);
  }
  return true;
}

/** Connects every device (connect + first pong); frames go to onFrame(index, frame). */
export async function connectAll(
  wsBase: string,
  devices: Device[],
  concurrency: number,
  onFrame: (i: number, f: Frame) => void,
  label: string,
): Promise<{ sockets: DeviceSocket[]; closedByServer: () => number; ms: number }> {
  const started = performance.now();
  const sockets: DeviceSocket[] = new Array(devices.length);
  let closed = 0;
  try {
    await mapLimit(devices, concurrency, async (d, i) => {
      const s = await connectLive(wsBase, d.token, { onFrame: (f) => onFrame(i, f) });
      s.onUnexpectedClose = (code, reason) => {
        if (++closed <= 5) log(`[${label}] socket of device ${d.index} closed by the server: ${code} ${reason}`);
      };
      sockets[i] = s;
    });
  } catch (err) {
    await closeAll(sockets.filter(Boolean));
    throw err;
  }
  const ms = performance.now() - started;
  log(`[${label}] connected ${devices.length} devices in ${(ms / 1000).toFixed(1)}s`);
  return { sockets, closedByServer: () => closed, ms };
}

export async function closeAll(sockets: Array<DeviceSocket | null | undefined>): Promise<void> {
  await mapLimit(
    sockets.filter((s): s is DeviceSocket => !!s),
    200,
    (s) => s.close(),
  );
}

/**
 * CPU of the server and its PostgreSQL summed over several short windows (a single window of a
 * few ms is below /proc's 10 ms tick resolution; the sum over windows is not).
 */
export class CpuWindows {
  private serverTicks = 0;
  private childTicks = 0;
  private ms = 0;
  private open: CpuSample | null = null;

  constructor(private readonly pid: number | null) {}

  start(): void {
    this.open = this.pid ? cpuSample(this.pid) : null;
  }

  stop(): void {
    if (!this.open || !this.pid) return;
    const b = cpuSample(this.pid);
    if (!b) return;
    this.serverTicks += b.server - this.open.server;
    for (const [pid, t] of b.children) this.childTicks += Math.max(0, t - (this.open.children.get(pid) ?? 0));
    this.ms += b.at - this.open.at;
    this.open = null;
  }

  /** Percent of one core over all windows (ticks are 10 ms). */
  result(): { serverCpuPct: number | null; postgresCpuPct: number | null; windowsMs: number } {
    if (!this.ms) return { serverCpuPct: null, postgresCpuPct: null, windowsMs: 0 };
    return {
      serverCpuPct: round(((this.serverTicks * 10) / this.ms) * 100, 1),
      postgresCpuPct: round(((this.childTicks * 10) / this.ms) * 100, 1),
      windowsMs: round(this.ms, 1),
    };
  }
}

/**
 * Waits until no frame has arrived for quietMs (lastFrameAt() = performance.now() of the latest),
 * at most capMs: connecting many members of one group makes the server fan out a presence frame
 * per connect to every connected member, which must not overlap the measurement.
 */
export async function waitQuiet(lastFrameAt: () => number, quietMs: number, capMs: number): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - lastFrameAt() < quietMs && performance.now() - t0 < capMs) await sleep(50);
  return performance.now() - t0;
}

/**
 * CPU of a process and its descendants over a longer phase, sampled every intervalMs so that
 * short-lived descendants (PostgreSQL backends of a client that disconnects before the end)
 * are counted up to their last sample.
 */
export class TreeCpu {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private rootFirst: number | null = null;
  private rootLast: number | null = null;
  private readonly t0 = performance.now();
  private t1 = this.t0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number | null, intervalMs = 500) {
    const s = pid ? cpuSample(pid) : null;
    if (s) {
      this.rootFirst = this.rootLast = s.server;
      for (const [p, t] of s.children) this.first.set(p, t), this.last.set(p, t);
    }
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    const s = this.pid ? cpuSample(this.pid) : null;
    if (!s) return;
    this.t1 = s.at;
    this.rootFirst ??= s.server;
    this.rootLast = s.server;
    for (const [p, t] of s.children) {
      if (!this.first.has(p)) this.first.set(p, 0); // started during the phase
      this.last.set(p, t);
    }
  }

  /** Stops sampling; percent of one core for the process itself and for its descendants. */
  stop(): { rootPct: number | null; descendantsPct: number | null } {
    this.sample();
    clearInterval(this.timer);
    const ms = this.t1 - this.t0;
    if (!ms || this.rootFirst === null || this.rootLast === null) return { rootPct: null, descendantsPct: null };
    let child = 0;
    for (const [p, t] of this.last) child += Math.max(0, t - (this.first.get(p) ?? 0));
    return { rootPct: round((((this.rootLast - this.rootFirst) * 10) / ms) * 100, 1), descendantsPct: round(((child * 10) / ms) * 100, 1) };
  }
}
