// Open-loop 1:1 load between pairs of connected devices: messages go out at a fixed rate over the
// senders' WebSockets (`send` frames), and latency is measured at the recipient's `message` frame.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Api } from './api.js';
import type { Device } from './devices.js';
import { log, mapLimit, nowMs, round, sleep } from './log.js';
import { logStageBreakdown, MetricsWindow } from './metrics.js';
import type { StageFigures } from './prom-histogram.js';
import { cpuPercent, cpuSample } from './proc.js';
import { Samples, type Percentiles } from './stats.js';
import { connectLive, type DeviceSocket, type Frame, type MessageShape } from './ws-client.js';

const LOOP_RESOLUTION_MS = 10;
const DRAIN_CAP_S = 120;
const OVERLOAD_BACKLOG_S = 20;

export interface LoadRunOptions {
  rate: number;
  durationS: number;
  /** After the last send, wait for outstanding deliveries until none has arrived for this long. */
  drainS: number;
  /** Short alphanumeric label, part of clientMsgIds and bodies. */
  label: string;
  /** Messages sent in the first this many seconds (from the first send) are left out of `latencyAfterWarmupMs` (they stay in `latencyMs`). */
  warmupS?: number;
  /** Called when the first send goes out, and after the last one (before the drain). */
  onSendStart?: () => void;
  onSendEnd?: () => void;
  /**
   * A time window (epoch ms, the clock of `nowMs()`), asked for when the run ends: the delivery
   * latency of the messages sent inside it and outside it is reported apart (`latencyInWindowMs`,
   * `latencyOutsideWindowMs`). A window still open has `to` = Infinity.
   */
  window?: () => { from: number; to: number } | null;
}

export interface LoadRunResult {
  rate: number;
  actualRate: number;
  devices: number;
  durationS: number;
  sendVia: 'ws' | 'http';
  sent: number;
  /** Sending stopped early because the server fell more than OVERLOAD_BACKLOG_S seconds of sends behind. */
  abortedOverload: boolean;
  acked: number;
  sendErrors: number;
  received: number;
  lost: number;
  duplicated: number;
  misdelivered: number;
  outOfOrder: number;
  latencyMs: Percentiles;
  /** The same, for the messages sent after the warm-up (LoadRunOptions.warmupS): the server as it runs once warm. */
  latencyAfterWarmupMs: Percentiles;
  warmupS: number;
  /** Only with LoadRunOptions.window: delivery latency of the messages sent inside / outside it. */
  latencyInWindowMs?: Percentiles;
  latencyOutsideWindowMs?: Percentiles;
  /** p99 delivery latency of the messages sent in each second of the run (warm-up and drift show here). */
  p99BySecondMs: Array<number | null>;
  ackLatencyMs: Percentiles;
  /** From the last send until the last delivery (or until the drain gave up). */
  drainMs: number;
  drainTimedOut: boolean;
  clientEventLoopDelayMs: { p99: number; max: number };
  /** CPU used by this benchmark process while sending, in percent of one core. */
  clientCpuPct: number;
  serverCpuPct: number | null;
  postgresCpuPct: number | null;
  socketsClosedByServer: number;
  /** Every frame the devices got during the run (pongs excluded), by type. */
  framesReceivedByType: Record<string, number>;
  /** From the server's /metrics, when it has one (events appended / projected, feed frames pushed). */
  serverMetricsDelta: Record<string, number> | null;
  /** Per delivery stage, from the server's `delivery_stage_seconds` histogram over the run (null: the server has none). */
  stageBreakdownMs: Record<string, StageFigures> | null;
  /** Largest / final projector lag (events), sampled every 500 ms over the run (null: no such gauge). */
  projectorLagEventsMax: number | null;
  projectorLagEventsAtEnd: number | null;
  errorSamples: string[];
}

interface RunState {
  tag: string;
  sendTs: Float64Array;
  received: Uint8Array;
  /** Delivery latency per message (-1 = not delivered). */
  latencyOf: Float64Array;
  sent: number;
  acked: number;
  errors: number;
  receivedUnique: number;
  duplicated: number;
  misdelivered: number;
  outOfOrder: number;
  lastSeq: Map<string, number>;
  latency: Samples;
  ackLatency: Samples;
  lastDeliveryAt: number;
  errorSamples: string[];
  framesByType: Record<string, number>;
}

export interface PairHarnessOptions {
  wsBase: string;
  api: Api;
  sendVia: 'ws' | 'http';
  serverPid: number | null;
  connectConcurrency: number;
}

export class PairHarness {
  private run: RunState | null = null;
  private runCounter = 0;
  private closedByServer = 0;
  private readonly toJson: string[];
  /** Frames of an earlier run that arrived late (ignored). */
  lateFrames = 0;
  connectMs = 0;

  private constructor(
    private readonly opts: PairHarnessOptions,
    private readonly devices: Device[],
    private readonly sockets: DeviceSocket[],
  ) {
    this.toJson = devices.map((d) => JSON.stringify({ userId: d.userId }));
  }

  /** Connects every device (an even number; pairs are devices 2p and 2p+1) and waits until each socket is live. */
  static async open(opts: PairHarnessOptions, devices: Device[]): Promise<PairHarness> {
    if (devices.length < 2 || devices.length % 2) throw new Error(`need an even number of devices, got ${devices.length}`);
    const started = performance.now();
    const sockets: DeviceSocket[] = new Array(devices.length);
    let harness: PairHarness | null = null;
    let closeLogs = 0;
    try {
      await mapLimit(devices, opts.connectConcurrency, async (d, i) => {
        const s = await connectLive(opts.wsBase, d.token);
        sockets[i] = s;
        s.onFrame = (f) => harness?.onFrame(i, f);
        s.onUnexpectedClose = (code, reason) => {
          if (harness) harness.closedByServer++;
          if (++closeLogs <= 5) log(`socket of device ${d.index} closed by the server: ${code} ${reason}${closeLogs === 5 ? ' (not logging more)' : ''}`);
        };
      });
    } catch (err) {
      await Promise.all(sockets.filter(Boolean).map((s) => s.close()));
      throw err;
    }
    harness = new PairHarness(opts, devices, sockets);
    harness.connectMs = performance.now() - started;
    log(`connected ${devices.length} devices in ${(harness.connectMs / 1000).toFixed(1)}s`);
    return harness;
  }

  private onFrame(i: number, f: Frame): void {
    const st = this.run;
    if (st) st.framesByType[f.type] = (st.framesByType[f.type] ?? 0) + 1;
    switch (f.type) {
      case 'message': {
        const m = f.message as MessageShape | undefined;
        if (!m || m.senderId === this.devices[i].userId) return; // own echo
        const body = m.body;
        if (typeof body !== 'string' || !body.startsWith('b|')) return;
        const parts = body.split('|'); // b|tag|seq|to|ts
        if (!st || parts[1] !== st.tag) {
          this.lateFrames++;
          return;
        }
        const now = nowMs();
        const seq = Number(parts[2]);
        if (Number(parts[3]) !== i) st.misdelivered++;
        if (st.received[seq]) {
          st.duplicated++;
        } else {
          st.received[seq] = 1;
          st.receivedUnique++;
          const latency = now - Number(parts[4]);
          st.latency.add(latency);
          st.latencyOf[seq] = latency;
          st.lastDeliveryAt = now;
        }
        const key = `${i}:${m.conversationId}`;
        const last = st.lastSeq.get(key);
        if (last !== undefined && !(m.seq > last)) st.outOfOrder++;
        st.lastSeq.set(key, m.seq);
        return;
      }
      case 'sent': {
        if (!st) return;
        const id = String(f.clientMsgId ?? '');
        const dash = id.indexOf('-');
        if (id.slice(0, dash) !== st.tag) return;
        st.acked++;
        st.ackLatency.add(nowMs() - st.sendTs[Number(id.slice(dash + 1))]);
        return;
      }
      case 'error': {
        if (!st) return;
        st.errors++;
        if (st.errorSamples.length < 5) st.errorSamples.push(JSON.stringify(f).slice(0, 400));
        return;
      }
      default:
        return; // receipts, presence, typing ...
    }
  }

  async runLoad(o: LoadRunOptions): Promise<LoadRunResult> {
    const total = Math.round(o.rate * o.durationS);
    const pairs = this.devices.length / 2;
    const st: RunState = {
      tag: `${o.label}${++this.runCounter}${Math.random().toString(36).slice(2, 6)}`,
      sendTs: new Float64Array(total),
      received: new Uint8Array(total),
      latencyOf: new Float64Array(total).fill(-1),
      sent: 0,
      acked: 0,
      errors: 0,
      receivedUnique: 0,
      duplicated: 0,
      misdelivered: 0,
      outOfOrder: 0,
      lastSeq: new Map(),
      latency: new Samples(),
      ackLatency: new Samples(),
      lastDeliveryAt: 0,
      errorSamples: [],
      framesByType: {},
    };
    const metricsWindow = await MetricsWindow.open(this.opts.api.httpBase);
    this.run = st;
    const closedBefore = this.closedByServer;
    const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
    loop.enable();
    const cpu0 = this.opts.serverPid ? cpuSample(this.opts.serverPid) : null;
    const clientCpu0 = process.cpuUsage();
    let sendFailures = 0;
    let abortedOverload = false;
    const overloadLimit = Math.max(5000, o.rate * OVERLOAD_BACKLOG_S);

    const sendOne = (k: number) => {
      const p = k % pairs;
      const reverse = Math.floor(k / pairs) % 2 === 1;
      const from = reverse ? 2 * p + 1 : 2 * p;
      const to = reverse ? 2 * p : 2 * p + 1;
      const sock = this.sockets[from];
      const ts = nowMs();
      st.sendTs[k] = ts;
      if (this.opts.sendVia === 'http') {
        const body = { clientMsgId: `${st.tag}-${k}`, to: { userId: this.devices[to].userId }, kind: 'text', body: `b|${st.tag}|${k}|${to}|${ts.toFixed(3)}` };
        this.opts.api.call('POST', '/v1/messages', body, this.devices[from].token).then(
          () => {
            if (this.run !== st) return;
            st.acked++;
            st.ackLatency.add(nowMs() - ts);
          },
          (err: unknown) => {
            if (this.run !== st) return;
            st.errors++;
            if (st.errorSamples.length < 5) st.errorSamples.push(err instanceof Error ? err.message : String(err));
          },
        );
        return;
      }
      if (!sock.open) {
        sendFailures++;
        return;
      }
      sock.sendRaw(
        `{"type":"send","clientMsgId":"${st.tag}-${k}","to":${this.toJson[to]},"kind":"text","body":"b|${st.tag}|${k}|${to}|${ts.toFixed(3)}"}`,
      );
    };

    log(`[${o.label}] ${o.rate} msg/s for ${o.durationS}s over ${pairs} pairs (${total} messages)`);
    const started = performance.now();
    let lastProgress = started;
    o.onSendStart?.();
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        const due = Math.min(total, Math.floor(((now - started) / 1000) * o.rate));
        while (st.sent < due) sendOne(st.sent++);
        if (st.sent - st.acked - st.errors - sendFailures > overloadLimit) {
          // the server is this far behind: more load only queues up inside it for minutes
          abortedOverload = true;
          log(`[${o.label}] ${st.sent - st.acked - st.errors} sends unacknowledged: server overloaded, stopping this run early`);
          clearInterval(timer);
          resolve();
          return;
        }
        if (now - lastProgress >= 5000) {
          lastProgress = now;
          log(`[${o.label}]   sent ${st.sent}, acked ${st.acked}, received ${st.receivedUnique}, errors ${st.errors}`);
        }
        if (st.sent >= total) {
          clearInterval(timer);
          resolve();
        }
      }, 2);
    });
    const sendEnded = performance.now();
    o.onSendEnd?.();
    const sentCount = st.sent;
    const cpu1 = this.opts.serverPid ? cpuSample(this.opts.serverPid) : null;
    const clientCpu = process.cpuUsage(clientCpu0);
    const sendSecs = (sendEnded - started) / 1000;

    // drain: wait for every message that was not refused to arrive
    // while deliveries keep coming; give up after drainS without any progress (or DRAIN_CAP_S in all)
    // (acks count as progress too, so the next run starts on a server that has caught up)
    const outstanding = () =>
      st.receivedUnique + st.errors + sendFailures < sentCount || st.acked + st.errors + sendFailures < sentCount;
    const progress = () => st.receivedUnique + st.acked + st.errors;
    let lastProgressAt = performance.now();
    let lastCount = progress();
    while (outstanding()) {
      const now = performance.now();
      if (progress() !== lastCount) {
        lastCount = progress();
        lastProgressAt = now;
      }
      if (now - lastProgressAt > o.drainS * 1000 || now - sendEnded > DRAIN_CAP_S * 1000) break;
      await sleep(20);
    }
    const drainTimedOut = outstanding();
    const lastSendWall = nowMs() - (performance.now() - sendEnded);
    const drainMs = drainTimedOut ? performance.now() - sendEnded : Math.max(0, st.lastDeliveryAt - lastSendWall);
    await sleep(500); // late duplicates
    loop.disable();
    const serverMetrics = await metricsWindow.close();
    this.run = null;

    const cpu = cpuPercent(cpu0, cpu1);
    const win = o.window?.() ?? null;
    let windowFigures: Pick<LoadRunResult, 'latencyInWindowMs' | 'latencyOutsideWindowMs'> = {};
    if (o.window) {
      const inside = new Samples();
      const outside = new Samples();
      for (let k = 0; k < sentCount; k++) {
        if (st.latencyOf[k] < 0) continue;
        (win && st.sendTs[k] >= win.from && st.sendTs[k] < win.to ? inside : outside).add(st.latencyOf[k]);
      }
      windowFigures = { latencyInWindowMs: inside.summary(), latencyOutsideWindowMs: outside.summary() };
    }
    const result: LoadRunResult = {
      rate: o.rate,
      actualRate: round(sentCount / sendSecs, 1),
      devices: this.devices.length,
      durationS: o.durationS,
      sendVia: this.opts.sendVia,
      sent: sentCount,
      abortedOverload,
      acked: st.acked,
      sendErrors: st.errors + sendFailures,
      received: st.receivedUnique,
      lost: sentCount - st.receivedUnique,
      duplicated: st.duplicated,
      misdelivered: st.misdelivered,
      outOfOrder: st.outOfOrder,
      latencyMs: st.latency.summary(),
      latencyAfterWarmupMs: latencySentFrom(st, sentCount, st.sendTs[0] + (o.warmupS ?? 0) * 1000),
      warmupS: o.warmupS ?? 0,
      ...windowFigures,
      p99BySecondMs: perSecondP99(st.latencyOf.subarray(0, sentCount), o.rate),
      ackLatencyMs: st.ackLatency.summary(),
      drainMs: round(drainMs, 1),
      drainTimedOut,
      // the histogram holds whole timer intervals; report the delay beyond the sampling interval
      clientEventLoopDelayMs: {
        p99: round(Math.max(0, loop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS)),
        max: round(Math.max(0, loop.max / 1e6 - LOOP_RESOLUTION_MS)),
      },
      clientCpuPct: round(((clientCpu.user + clientCpu.system) / 1000 / (sendEnded - started)) * 100, 1),
      serverCpuPct: cpu?.serverCpuPct ?? null,
      postgresCpuPct: cpu?.postgresCpuPct ?? null,
      socketsClosedByServer: this.closedByServer - closedBefore,
      framesReceivedByType: st.framesByType,
      ...serverMetrics,
      errorSamples: st.errorSamples,
    };
    const l = result.latencyMs;
    log(
      `[${o.label}] done: sent ${sentCount}, acked ${st.acked}, received ${st.receivedUnique}, lost ${result.lost}, dup ${st.duplicated}, ` +
        `p50 ${l.p50} p95 ${l.p95} p99 ${l.p99} max ${l.max} ms, cpu: server ${result.serverCpuPct}%, pg ${result.postgresCpuPct}%, bench ${result.clientCpuPct}%`,
    );
    logStageBreakdown(o.label, result.stageBreakdownMs, result.projectorLagEventsMax);
    return result;
  }

  async close(): Promise<void> {
    this.run = null;
    await mapLimit(this.sockets, 200, (s) => s.close());
  }
}

/** Delivery latency of the messages sent at or after `from` (the clock of `nowMs()`, as `sendTs`). */
function latencySentFrom(st: RunState, sentCount: number, from: number): Percentiles {
  const samples = new Samples();
  for (let k = 0; k < sentCount; k++) if (st.sendTs[k] >= from && st.latencyOf[k] >= 0) samples.add(st.latencyOf[k]);
  return samples.summary();
}

function perSecondP99(latencyOf: Float64Array, rate: number): Array<number | null> {
  const out: Array<number | null> = [];
  for (let from = 0; from < latencyOf.length; from += rate) {
    const bucket = new Samples();
    for (let k = from; k < Math.min(latencyOf.length, from + rate); k++) if (latencyOf[k] >= 0) bucket.add(latencyOf[k]);
    out.push(bucket.summary(1).p99);
  }
  return out;
}
