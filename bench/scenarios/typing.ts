// 200 connected pairs with a direct conversation each; each pair's first device sends a typing
// frame every 600 ms (under the 10 per 5 s per socket limit) for 20 s. Relay latency: frame sent
// -> the peer's `typing` frame. After the last one, the server's expiry (`paused` after 5 s
// without renewal) is observed too.
import { log, nowMs, sleep } from '../lib/log.js';
import { cpuPercent, cpuSample } from '../lib/proc.js';
import { Samples } from '../lib/stats.js';
import { closeAll, connectAll, DEVICE_RANGES, directChats } from '../lib/scenario-util.js';
import type { DeviceSocket, Frame } from '../lib/ws-client.js';
import type { BenchContext, Scenario } from './types.js';

const EXPIRY_WAIT_MS = 7_000;

export async function typing(ctx: BenchContext) {
  const { config } = ctx;
  const pairs = config.typingPairs;
  const from = DEVICE_RANGES.typing(config.bigGroupSize, config.presenceContacts);
  const devices = (await ctx.devices.take(from + 2 * pairs)).slice(from);
  const tag = `t${Math.random().toString(36).slice(2, 8)}`;

  // 1. a direct conversation per pair
  const convs = await directChats(ctx, devices, pairs, tag);

  // per pair: time of the last typing frame sent and whether its relay arrived
  const lastSentAt = new Float64Array(pairs).fill(-1);
  const answered = new Uint8Array(pairs);
  let running = false;
  let sent = 0;
  let relayed = 0;
  let unanswered = 0; // a send whose relay had not come when the next was sent (or at the end)
  let extra = 0; // relayed typing frames beyond one per send
  let wrongConversation = 0;
  let wrongUser = 0;
  let errors = 0;
  const errorSamples: string[] = [];
  const latency = new Samples();
  const byState: Record<string, number> = {};
  const senderFrames: Record<string, number> = {};
  let pausedAfterEnd = 0;
  let afterEnd = false;
  const sample: { frame?: Frame } = {};

  const onFrame = (i: number, f: Frame) => {
    const p = i >> 1;
    if (i % 2 === 0) {
      // a sender: only errors matter
      senderFrames[f.type] = (senderFrames[f.type] ?? 0) + 1;
      if (f.type === 'error') {
        errors++;
        if (errorSamples.length < 5) errorSamples.push(JSON.stringify(f).slice(0, 300));
      }
      return;
    }
    if (f.type !== 'typing') return;
    byState[String(f.state)] = (byState[String(f.state)] ?? 0) + 1;
    sample.frame ??= f;
    if (f.conversationId !== convs[p]) wrongConversation++;
    if (f.userId !== devices[2 * p].userId) wrongUser++;
    if (afterEnd) {
      if (f.state === 'paused') pausedAfterEnd++;
      return;
    }
    if (!running || f.state !== 'typing') return;
    if (lastSentAt[p] < 0 || answered[p]) {
      extra++;
      return;
    }
    answered[p] = 1;
    relayed++;
    latency.add(nowMs() - lastSentAt[p]);
  };

  let sockets: DeviceSocket[] = [];
  try {
    sockets = (await connectAll(ctx.server.wsBase, devices, config.connectConcurrency, onFrame, 'typing')).sockets;
    await sleep(1000);
    const frames = convs.map((c) => `{"type":"typing","conversationId":"${c}","state":"typing"}`);
    const interval = config.typingIntervalMs;
    const total = Math.max(1, Math.floor((config.typingDurationS * 1000) / interval));
    const count = new Uint32Array(pairs);
    log(`[typing] ${pairs} pairs, a typing frame every ${interval} ms per sender for ${config.typingDurationS}s (${total * pairs} frames)`);
    const cpu0 = ctx.server.pid ? cpuSample(ctx.server.pid) : null;
    running = true;
    const started = performance.now();
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        let finished = 0;
        for (let p = 0; p < pairs; p++) {
          // senders staggered evenly over one interval
          const due = Math.min(total, Math.floor((now - started - (p * interval) / pairs) / interval) + 1);
          while (count[p] < due) {
            if (lastSentAt[p] >= 0 && !answered[p]) unanswered++;
            answered[p] = 0;
            lastSentAt[p] = nowMs();
            count[p]++;
            sent++;
            sockets[2 * p].sendRaw(frames[p]);
          }
          if (count[p] >= total) finished++;
        }
        if (finished === pairs) {
          clearInterval(timer);
          resolve();
        }
      }, 2);
    });
    const cpu1 = ctx.server.pid ? cpuSample(ctx.server.pid) : null;
    await sleep(1000);
    for (let p = 0; p < pairs; p++) if (lastSentAt[p] >= 0 && !answered[p]) unanswered++;
    running = false;
    afterEnd = true;
    await sleep(EXPIRY_WAIT_MS - 1000); // expiry: `paused` 5 s after the last renewal
    const cpu = cpuPercent(cpu0, cpu1);
    const l = latency.summary();
    const result = {
      pairs,
      intervalMs: interval,
      durationS: config.typingDurationS,
      sent,
      relayed,
      unanswered,
      extraTypingFrames: extra,
      errors,
      errorSamples,
      relayLatencyMs: { p50: l.p50, p99: l.p99, max: l.max, mean: l.mean, count: l.count },
      typingFramesByState: byState,
      // expected: one `paused` per pair some 5 s after the last renewal (protocol-websocket.md)
      pausedAfterEndWithin7s: pausedAfterEnd,
      wrongConversation,
      wrongUser,
      senderFramesByType: senderFrames,
      frameSample: sample.frame ?? null,
      serverCpuPct: cpu?.serverCpuPct ?? null,
      postgresCpuPct: cpu?.postgresCpuPct ?? null,
    };
    log(`[typing] sent ${sent}, relayed ${relayed}, unanswered ${unanswered}, errors ${errors}, p50 ${l.p50} p99 ${l.p99} max ${l.max} ms`);
    return result;
  } finally {
    await closeAll(sockets);
  }
}

export const typingScenario: Scenario = { name: 'typing', run: typing };
