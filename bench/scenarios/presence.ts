// One user with 500 contacts, a direct conversation with each (each contact sent it one
// message). The contacts are connected; the user connects (connect + pong) and later
// disconnects, 5 times: how long until all 500 have the `presence` frame (online true, then
// false)?
import { mapLimit, log, nowMs, round, sleep } from '../lib/log.js';
import { Samples } from '../lib/stats.js';
import { closeAll, connectAll, CpuWindows, DEVICE_RANGES, waitUntil } from '../lib/scenario-util.js';
import { connectLive, type DeviceSocket } from '../lib/ws-client.js';
import type { BenchContext, Scenario } from './types.js';

const FANOUT_TIMEOUT_MS = 30_000;

export async function presence(ctx: BenchContext) {
  const { config } = ctx;
  const n = config.presenceContacts;
  const from = DEVICE_RANGES.presence(config.bigGroupSize);
  const all = await ctx.devices.take(from + 1 + n);
  const user = all[from];
  const contacts = all.slice(from + 1, from + 1 + n);
  const tag = `p${Math.random().toString(36).slice(2, 8)}`;

  // 1. a direct conversation per contact
  const t = performance.now();
  await mapLimit(contacts, config.registerConcurrency, (c, i) =>
    ctx.api.callRetrying('POST', '/v1/messages', { clientMsgId: `${tag}-${i}`, to: { userId: user.userId }, kind: 'text', body: `hello from contact ${i}` }, c.token),
  );
  log(`[presence] ${n} contacts each sent the user a message in ${((performance.now() - t) / 1000).toFixed(1)}s`);

  // phase: which transition the contacts are waiting for (round, online)
  let phase: { round: number; online: boolean; t0: number } | null = null;
  let seen = new Uint8Array(n); // got the frame of the current phase
  let seenCount = 0;
  let lastArrival = 0;
  let duplicates = 0;
  let wrongState = 0;
  let outsidePhase = 0;
  let badShape = 0;
  const frameLatency = new Samples();
  const samples: Record<string, unknown> = {};
  let contactSockets: DeviceSocket[] = [];
  let userSock: DeviceSocket | null = null;
  try {
    const conn = await connectAll(
      ctx.server.wsBase,
      contacts,
      config.connectConcurrency,
      (i, f) => {
        if (f.type !== 'presence' || f.userId !== user.userId) return;
        if (typeof f.online !== 'boolean' || !('lastSeen' in f)) badShape++;
        if (!samples[String(f.online)]) samples[String(f.online)] = f;
        if (!phase) {
          outsidePhase++;
          return;
        }
        if (f.online !== phase.online) {
          wrongState++;
          return;
        }
        if (seen[i]) {
          duplicates++;
          return;
        }
        seen[i] = 1;
        seenCount++;
        lastArrival = nowMs();
        frameLatency.add(lastArrival - phase.t0);
      },
      'presence',
    );
    contactSockets = conn.sockets;
    await sleep(1000);

    const onlineMs = new Samples();
    const offlineMs = new Samples();
    const rounds: Array<Record<string, unknown>> = [];
    const cpu = new CpuWindows(ctx.server.pid);
    const awaitPhase = async (round: number, online: boolean, start: () => Promise<void>) => {
      seen = new Uint8Array(n);
      seenCount = 0;
      const t0 = nowMs();
      phase = { round, online, t0 };
      cpu.start();
      await start();
      const ok = await waitUntil(() => seenCount >= n, FANOUT_TIMEOUT_MS, 2);
      cpu.stop();
      const ms = ok ? lastArrival - t0 : null;
      if (!ok) log(`[presence] round ${round}: only ${seenCount}/${n} contacts got online=${online} within ${FANOUT_TIMEOUT_MS / 1000}s`);
      await sleep(300); // duplicates
      phase = null;
      return { ms, received: seenCount };
    };
    for (let r = 0; r < config.presenceRounds; r++) {
      let handshakeMs = 0;
      const on = await awaitPhase(r, true, async () => {
        const t0 = performance.now();
        userSock = await connectLive(ctx.server.wsBase, user.token);
        handshakeMs = performance.now() - t0;
      });
      await sleep(1000);
      const off = await awaitPhase(r, false, async () => {
        await userSock!.close();
        userSock = null;
      });
      if (on.ms !== null) onlineMs.add(on.ms);
      if (off.ms !== null) offlineMs.add(off.ms);
      rounds.push({ onlineMs: on.ms === null ? null : round(on.ms, 1), onlineReceived: on.received, connectAndPongMs: round(handshakeMs, 1), offlineMs: off.ms === null ? null : round(off.ms, 1), offlineReceived: off.received });
      log(`[presence] round ${r}: ${JSON.stringify(rounds[rounds.length - 1])}`);
      await sleep(1000);
    }
    const on = onlineMs.summary(1);
    const off = offlineMs.summary(1);
    const cpuFig = cpu.result();
    return {
      contacts: n,
      rounds: config.presenceRounds,
      // from the start of the user's connect (handshake) until the last contact's presence frame
      onlineFanoutMs: { p50: on.p50, max: on.max, count: on.count },
      // from the user's close() until the last contact's presence frame
      offlineFanoutMs: { p50: off.p50, max: off.max, count: off.count },
      perContactFrameMs: frameLatency.summary(1),
      duplicates,
      wrongState,
      framesOutsideTransitions: outsidePhase,
      badShape,
      frameSamples: samples,
      // summed over the fan-out windows only (connect/close → last frame)
      serverCpuPct: cpuFig.serverCpuPct,
      postgresCpuPct: cpuFig.postgresCpuPct,
      cpuWindowsMs: cpuFig.windowsMs,
      socketsClosedByServer: conn.closedByServer(),
      roundsDetail: rounds,
    };
  } finally {
    await closeAll([userSock, ...contactSockets]);
  }
}

export const presenceScenario: Scenario = { name: 'presence', run: presence };
