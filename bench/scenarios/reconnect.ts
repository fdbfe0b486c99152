// A device goes offline, N messages are sent to it, it reconnects with `since=<last cursor>`:
// how long until it has all of them, in order, none twice, and nothing from before its cursor.
import { log, nowMs, round, sleep } from '../lib/log.js';
import { MetricsWindow } from '../lib/metrics.js';
import { connectLive, DeviceSocket, type Frame, type MessageShape } from '../lib/ws-client.js';
import type { BenchContext, Scenario } from './types.js';

const RECEIVE_TIMEOUT_MS = 30_000;

export async function reconnect(ctx: BenchContext) {
  const n = ctx.config.reconnectMissed;
  const [recipient, sender] = await ctx.devices.take(2);
  const wsBase = ctx.server.wsBase;
  const tag = `r${Math.random().toString(36).slice(2, 8)}`;
  const to = JSON.stringify({ userId: recipient.userId });
  const body = (seq: number) => `${tag}|${seq}|${nowMs().toFixed(3)}`;
  const sendFrame = (seq: number) =>
    `{"type":"send","clientMsgId":"${tag}-${seq}","to":${to},"kind":"text","body":"${body(seq)}"}`;

  // acks of the sender's sends
  const acked = new Set<number>();
  const errors: string[] = [];
  let ackWaiter: (() => void) | null = null;
  const senderSock = await connectLive(wsBase, sender.token, {
    onFrame: (f: Frame) => {
      if (f.type === 'sent' && typeof f.clientMsgId === 'string' && f.clientMsgId.startsWith(`${tag}-`)) {
        const seq = Number(f.clientMsgId.slice(tag.length + 1));
        if (seq >= 0) acked.add(seq); // -1 is the message before the cursor
        ackWaiter?.();
      } else if (f.type === 'error') {
        errors.push(JSON.stringify(f).slice(0, 400));
        ackWaiter?.();
      }
    },
  });
  let recipientSock: DeviceSocket | null = null;
  let metricsWindow: MetricsWindow | null = null;
  try {
    // 1. the recipient is online and gets one message; its cursor is where it will resume
    let warmCursor: string | null = null;
    let warmResolve: () => void = () => {};
    const warmArrived = new Promise<void>((r) => (warmResolve = r));
    recipientSock = await connectLive(wsBase, recipient.token, {
      onFrame: (f) => {
        const m = f.message as MessageShape | undefined;
        if (f.type === 'message' && typeof m?.body === 'string' && m.body.startsWith(`${tag}|-1|`)) {
          warmCursor = typeof f.cursor === 'string' ? f.cursor : null;
          warmResolve();
        }
      },
    });
    senderSock.sendRaw(sendFrame(-1));
    await withTimeout(warmArrived, 30_000, 'the first message did not reach the online recipient within 30s');
    if (!warmCursor) throw new Error('the message frame carried no string cursor');
    const cursor: string = warmCursor;

    // 2. offline
    await recipientSock.close();
    recipientSock = null;
    await sleep(500);

    // 3. N messages while it is offline, at most 200 unacknowledged at a time
    log(`[reconnect] recipient offline; sending ${n} messages`);
    metricsWindow = await MetricsWindow.open(ctx.api.httpBase);
    const sendStarted = performance.now();
    let next = 0;
    await withTimeout(
      new Promise<void>((resolve) => {
        const pump = () => {
          while (next < n && next - acked.size - errors.length < 200) senderSock.sendRaw(sendFrame(next++));
          if (acked.size + errors.length >= n) resolve();
        };
        ackWaiter = pump;
        pump();
      }),
      60_000,
      () => `only ${acked.size} of ${n} sends acknowledged within 60s`,
    );
    ackWaiter = null;
    const sendMs = performance.now() - sendStarted;
    if (errors.length) log(`[reconnect] ${errors.length} sends refused, e.g. ${errors[0]}`);
    await sleep(1000); // the device stays offline a moment longer

    // 4. reconnect with since=<cursor> and time the catch-up
    const got = new Uint8Array(n);
    let unique = 0;
    let duplicates = 0;
    let replayedBeforeCursor = 0;
    let inOrder = true;
    let sendOrderKept = true;
    let lastBodySeq = -1;
    let lastConvSeq = -Infinity;
    let firstAt: number | null = null;
    let doneAt: number | null = null;
    let doneResolve: () => void = () => {};
    const allArrived = new Promise<void>((r) => (doneResolve = r));
    const t0 = performance.now();
    recipientSock = await DeviceSocket.connect(wsBase, recipient.token, {
      since: cursor,
      onFrame: (f) => {
        if (f.type !== 'message') return;
        const m = f.message as MessageShape | undefined;
        if (typeof m?.body !== 'string' || !m.body.startsWith(`${tag}|`)) return;
        firstAt ??= performance.now();
        const seq = Number(m.body.split('|')[1]);
        if (seq < 0) {
          replayedBeforeCursor++;
          return;
        }
        if (got[seq]) {
          duplicates++;
          return;
        }
        // the protocol orders by the conversation's seq; with 200 sends in flight the server may
        // legitimately number them in another order than they were sent (reported apart)
        if (!(m.seq > lastConvSeq)) inOrder = false;
        if (seq < lastBodySeq) sendOrderKept = false;
        lastBodySeq = seq;
        lastConvSeq = m.seq;
        got[seq] = 1;
        if (++unique === acked.size) {
          doneAt = performance.now();
          doneResolve();
        }
      },
    });
    const connectMs = performance.now() - t0;
    let timedOut = false;
    try {
      await withTimeout(allArrived, RECEIVE_TIMEOUT_MS, 'timeout');
    } catch {
      timedOut = true;
      log(`[reconnect] only ${unique} of ${acked.size} arrived within ${RECEIVE_TIMEOUT_MS / 1000}s`);
    }
    await sleep(500); // late duplicates
    const serverMetrics = await metricsWindow.close();
    const result = {
      missed: n,
      acked: acked.size,
      sendErrors: errors.length,
      received: unique,
      ms: doneAt === null ? null : round(doneAt - t0, 1),
      connectMs: round(connectMs, 1),
      firstMessageMs: firstAt === null ? null : round(firstAt - t0, 1),
      inOrder,
      sendOrderKept,
      duplicates,
      // product.md: all received, in order, in < 2 s
      meetsTarget: doneAt !== null && doneAt - t0 < 2000 && inOrder && duplicates === 0 && replayedBeforeCursor === 0 && unique === n,
      replayedBeforeCursor,
      timedOut,
      sendMs: round(sendMs, 1),
      // over the offline sends and the catch-up
      ...serverMetrics,
      errorSamples: errors.slice(0, 5),
    };
    log(`[reconnect] ${JSON.stringify(result)}`);
    return result;
  } finally {
    metricsWindow?.cancel();
    await recipientSock?.close();
    await senderSock.close();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(typeof message === 'string' ? message : message())), ms);
    }),
  ]);
}

export const reconnectScenario: Scenario = { name: 'reconnect', run: reconnect };
