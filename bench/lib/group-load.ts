// One member sends a group message every intervalMs over its WebSocket; every other connected
// member's `message` frame is timed. The figure that matters is the *last* connected member's
// latency per message (the group's fan-out is done only when the slowest member has it).
import type { Api } from './api.js';
import type { Device } from './devices.js';
import { log, nowMs, round, sleep } from './log.js';
import { logStageBreakdown, MetricsWindow } from './metrics.js';
import type { StageFigures } from './prom-histogram.js';
import { cpuPercent, cpuSample } from './proc.js';
import { Samples, type Percentiles } from './stats.js';
import type { DeviceSocket, Frame, MessageShape } from './ws-client.js';

const DRAIN_CAP_S = 60;

/** Creates a group (creator = members[0], an admin) and returns its id. */
export async function createGroup(api: Api, members: Device[], name: string): Promise<{ groupId: string; conversationId: string; ms: number }> {
  const t0 = performance.now();
  const res = await api.call<{ groupId?: unknown; conversationId?: unknown }>(
    'POST',
    '/v1/groups',
    { name, members: members.slice(1).map((d) => d.userId) },
    members[0].token,
  );
  if (typeof res.groupId !== 'string') throw new Error(`POST /v1/groups answered without a groupId: ${JSON.stringify(res).slice(0, 300)}`);
  return { groupId: res.groupId, conversationId: typeof res.conversationId === 'string' ? res.conversationId : res.groupId, ms: performance.now() - t0 };
}

export interface GroupLoadOptions {
  label: string;
  api: Api;
  serverPid: number | null;
  groupId: string;
  sender: DeviceSocket;
  senderUserId: string;
  /** Number of connected receivers; their frames must be fed to `onReceiverFrame(i, f)`. */
  receivers: number;
  durationS: number;
  intervalMs: number;
  drainS: number;
}

export interface GroupLoadResult {
  groupMembersConnected: number;
  receivers: number;
  intervalMs: number;
  durationS: number;
  sent: number;
  acked: number;
  sendErrors: number;
  /** Messages every connected receiver got. */
  messagesFullyDelivered: number;
  framesExpected: number;
  framesReceived: number;
  /** Expected (message, receiver) frames that never came. */
  lost: number;
  duplicated: number;
  /** A receiver got a frame of this group with a seq not above its previous one. */
  outOfOrder: number;
  /** Per message: send -> the last connected receiver's `message` frame (fully delivered messages only). */
  lastMemberLatencyMs: Percentiles;
  /** Per (message, receiver) frame: send -> that receiver's `message` frame. */
  deliveryLatencyMs: Percentiles;
  ackLatencyMs: Percentiles;
  /** p99 of the last-member latency of the messages sent in each 5 s of the run. */
  lastMemberP99By5sMs: Array<number | null>;
  drainMs: number;
  drainTimedOut: boolean;
  serverCpuPct: number | null;
  postgresCpuPct: number | null;
  clientCpuPct: number;
  framesReceivedByType: Record<string, number>;
  serverMetricsDelta: Record<string, number> | null;
  /** Per delivery stage, from the server's `delivery_stage_seconds` histogram over the run (null: the server has none). */
  stageBreakdownMs: Record<string, StageFigures> | null;
  /** Largest / final projector lag (events), sampled every 500 ms over the run (null: no such gauge). */
  projectorLagEventsMax: number | null;
  projectorLagEventsAtEnd: number | null;
  errorSamples: string[];
  /** Acked messages, by number: what an offline member must catch up on. */
  ackedSeqs: Map<number, number>;
  tag: string;
}

export class GroupLoad {
  private readonly total: number;
  readonly tag = `g${Math.random().toString(36).slice(2, 8)}`;
  private readonly sendTs: Float64Array;
  private readonly got: Uint8Array;
  private readonly count: Uint16Array;
  private readonly lastLatency: Float64Array;
  private readonly lastSeqOf: Float64Array;
  private readonly frameLatency = new Samples();
  private readonly ackLatency = new Samples();
  private readonly acked = new Map<number, number>(); // message number -> conversation seq
  private duplicated = 0;
  private outOfOrder = 0;
  private framesReceived = 0;
  private fully = 0;
  private errors = 0;
  private lastDeliveryAt = 0;
  private readonly errorSamples: string[] = [];
  private readonly framesByType: Record<string, number> = {};
  private sent = 0;
  private running = false;

  constructor(private readonly o: GroupLoadOptions) {
    this.total = Math.max(1, Math.floor((o.durationS * 1000) / o.intervalMs));
    this.sendTs = new Float64Array(this.total);
    this.got = new Uint8Array(this.total * o.receivers);
    this.count = new Uint16Array(this.total);
    this.lastLatency = new Float64Array(this.total).fill(-1);
    this.lastSeqOf = new Float64Array(o.receivers).fill(-Infinity);
    o.sender.onFrame = (f) => this.onSenderFrame(f);
  }

  private onSenderFrame(f: Frame): void {
    if (!this.running) return;
    this.framesByType[`sender:${f.type}`] = (this.framesByType[`sender:${f.type}`] ?? 0) + 1;
    if (f.type === 'sent') {
      const id = String(f.clientMsgId ?? '');
      if (!id.startsWith(`${this.tag}-`)) return;
      const k = Number(id.slice(this.tag.length + 1));
      if (!this.acked.has(k)) {
        this.acked.set(k, Number(f.seq));
        this.ackLatency.add(nowMs() - this.sendTs[k]);
      }
    } else if (f.type === 'error') {
      this.errors++;
      if (this.errorSamples.length < 5) this.errorSamples.push(JSON.stringify(f).slice(0, 400));
    }
  }

  onReceiverFrame(i: number, f: Frame): void {
    if (!this.running) return;
    this.framesByType[f.type] = (this.framesByType[f.type] ?? 0) + 1;
    if (f.type !== 'message') return;
    const m = f.message as MessageShape | undefined;
    if (!m || m.conversationId !== this.o.groupId || typeof m.body !== 'string' || !m.body.startsWith(`g|${this.tag}|`)) return;
    const now = nowMs();
    const k = Number(m.body.split('|')[2]);
    if (!(m.seq > this.lastSeqOf[i])) this.outOfOrder++;
    this.lastSeqOf[i] = m.seq;
    const slot = k * this.o.receivers + i;
    if (this.got[slot]) {
      this.duplicated++;
      return;
    }
    this.got[slot] = 1;
    this.framesReceived++;
    this.lastDeliveryAt = now;
    const latency = now - this.sendTs[k];
    this.frameLatency.add(latency);
    if (++this.count[k] === this.o.receivers) {
      this.lastLatency[k] = latency;
      this.fully++;
    }
  }

  async run(): Promise<GroupLoadResult> {
    const o = this.o;
    const to = JSON.stringify({ groupId: o.groupId });
    const metricsWindow = await MetricsWindow.open(o.api.httpBase);
    const cpu0 = o.serverPid ? cpuSample(o.serverPid) : null;
    const clientCpu0 = process.cpuUsage();
    this.running = true;
    log(`[${o.label}] one message every ${o.intervalMs} ms for ${o.durationS}s to ${o.receivers} connected receivers (${this.total} messages)`);
    const started = performance.now();
    let lastProgress = started;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        const due = Math.min(this.total, Math.floor((now - started) / o.intervalMs) + 1);
        while (this.sent < due) {
          const k = this.sent++;
          const ts = nowMs();
          this.sendTs[k] = ts;
          if (!o.sender.open) {
            this.errors++;
            continue;
          }
          o.sender.sendRaw(`{"type":"send","clientMsgId":"${this.tag}-${k}","to":${to},"kind":"text","body":"g|${this.tag}|${k}|${ts.toFixed(3)}"}`);
        }
        if (now - lastProgress >= 5000) {
          lastProgress = now;
          log(`[${o.label}]   sent ${this.sent}, acked ${this.acked.size}, fully delivered ${this.fully}, frames ${this.framesReceived}`);
        }
        if (this.sent >= this.total) {
          clearInterval(timer);
          resolve();
        }
      }, 2);
    });
    const sendEnded = performance.now();
    const cpu1 = o.serverPid ? cpuSample(o.serverPid) : null;
    const clientCpu = process.cpuUsage(clientCpu0);

    // drain: until every acked message reached every receiver, or no progress for drainS
    const outstanding = () => this.acked.size + this.errors < this.sent || this.fully < this.acked.size;
    let lastCount = -1;
    let lastProgressAt = performance.now();
    while (outstanding()) {
      const now = performance.now();
      const progress = this.framesReceived + this.acked.size + this.errors;
      if (progress !== lastCount) {
        lastCount = progress;
        lastProgressAt = now;
      }
      if (now - lastProgressAt > o.drainS * 1000 || now - sendEnded > DRAIN_CAP_S * 1000) break;
      await sleep(10);
    }
    const drainTimedOut = outstanding();
    const lastSendWall = nowMs() - (performance.now() - sendEnded);
    const drainMs = drainTimedOut ? performance.now() - sendEnded : Math.max(0, this.lastDeliveryAt - lastSendWall);
    await sleep(500); // late duplicates
    this.running = false;
    const serverMetrics = await metricsWindow.close();

    const last = new Samples();
    for (let k = 0; k < this.sent; k++) if (this.lastLatency[k] >= 0) last.add(this.lastLatency[k]);
    const per5s = Math.max(1, Math.round(5000 / o.intervalMs));
    const by5s: Array<number | null> = [];
    for (let from = 0; from < this.sent; from += per5s) {
      const b = new Samples();
      for (let k = from; k < Math.min(this.sent, from + per5s); k++) if (this.lastLatency[k] >= 0) b.add(this.lastLatency[k]);
      by5s.push(b.summary(1).p99);
    }
    const cpu = cpuPercent(cpu0, cpu1);
    const framesExpected = this.sent * o.receivers;
    const result: GroupLoadResult = {
      groupMembersConnected: o.receivers + 1,
      receivers: o.receivers,
      intervalMs: o.intervalMs,
      durationS: o.durationS,
      sent: this.sent,
      acked: this.acked.size,
      sendErrors: this.errors,
      messagesFullyDelivered: this.fully,
      framesExpected,
      framesReceived: this.framesReceived,
      lost: framesExpected - this.framesReceived,
      duplicated: this.duplicated,
      outOfOrder: this.outOfOrder,
      lastMemberLatencyMs: last.summary(),
      deliveryLatencyMs: this.frameLatency.summary(),
      ackLatencyMs: this.ackLatency.summary(),
      lastMemberP99By5sMs: by5s,
      drainMs: round(drainMs, 1),
      drainTimedOut,
      serverCpuPct: cpu?.serverCpuPct ?? null,
      postgresCpuPct: cpu?.postgresCpuPct ?? null,
      clientCpuPct: round(((clientCpu.user + clientCpu.system) / 1000 / (sendEnded - started)) * 100, 1),
      framesReceivedByType: this.framesByType,
      ...serverMetrics,
      errorSamples: this.errorSamples,
      ackedSeqs: this.acked,
      tag: this.tag,
    };
    const l = result.lastMemberLatencyMs;
    log(
      `[${o.label}] done: sent ${this.sent}, acked ${this.acked.size}, fully delivered ${this.fully}, lost frames ${result.lost}, dup ${this.duplicated}, ` +
        `last member p50 ${l.p50} p99 ${l.p99} max ${l.max} ms, per frame p50 ${result.deliveryLatencyMs.p50} p99 ${result.deliveryLatencyMs.p99}, cpu server ${result.serverCpuPct}% pg ${result.postgresCpuPct}%`,
    );
    logStageBreakdown(o.label, result.stageBreakdownMs, result.projectorLagEventsMax);
    return result;
  }
}

/** The result without the bookkeeping fields, for the JSON output. */
export function publicGroupResult(r: GroupLoadResult): Omit<GroupLoadResult, 'ackedSeqs' | 'tag'> {
  const { ackedSeqs: _a, tag: _t, ...rest } = r;
  return rest;
}
