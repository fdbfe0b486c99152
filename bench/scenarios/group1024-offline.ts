// A group of 1,024 members of whom only a quarter (256) are connected while one member sends a
// message every 100 ms for BENCH_GROUP_DURATION_S; then the 768 offline members all reconnect at
// once with `since=<cursor>` and catch up.
//
// Where the offline members' cursors come from (what a real app stores): every member is
// connected (connect + pong) when the group is created, so each gets the `group` frame of the
// creation; its cursor is the member's stored position. The 768 then disconnect, the load runs,
// and each reconnects with since=<that cursor>: it must then get every message of the load, in
// ascending seq, none twice.
import { createGroup, GroupLoad, publicGroupResult } from '../lib/group-load.js';
import { log, nowMs, round, sleep } from '../lib/log.js';
import { cpuPercent, cpuSample } from '../lib/proc.js';
import { Samples } from '../lib/stats.js';
import { closeAll, connectAll, waitQuiet, waitUntil } from '../lib/scenario-util.js';
import { connectLive, DeviceSocket, keepAlive, type Frame, type MessageShape } from '../lib/ws-client.js';
import type { BenchContext, Scenario } from './types.js';

const CATCH_UP_TIMEOUT_MS = 180_000;

export async function group1024Offline(ctx: BenchContext) {
  const { config } = ctx;
  const size = config.bigGroupSize;
  const onlineCount = Math.min(size, config.bigGroupOnline);
  const label = `group${size}Offline`;
  const members = await ctx.devices.take(size); // DEVICE_RANGES.groups: the first `size` devices
  const online = members.slice(0, onlineCount); // [0] sends
  const offline = members.slice(onlineCount);

  let load: GroupLoad | null = null;
  let groupId: string | null = null;
  let sender: DeviceSocket | null = null;
  let receivers: DeviceSocket[] = [];
  let lastFrameAt = performance.now();
  let offlineSockets: DeviceSocket[] = [];
  let catchUpSockets: Array<DeviceSocket | null> = [];
  try {
    // 1. everyone connected for the group's creation; the offline part keeps its `group` frame's cursor
    const groupCursor: Array<string | null> = new Array(offline.length).fill(null);
    const pendingGroupFrames: Array<Array<{ groupId: string; cursor: string }>> = offline.map(() => []);
    sender = await connectLive(ctx.server.wsBase, online[0].token);
    receivers = (await connectAll(ctx.server.wsBase, online.slice(1), config.connectConcurrency, (i, f) => {
      lastFrameAt = performance.now();
      load?.onReceiverFrame(i, f);
    }, label)).sockets;
    const offConn = await connectAll(
      ctx.server.wsBase,
      offline,
      config.connectConcurrency,
      (i, f) => {
        if (f.type !== 'group' || typeof f.cursor !== 'string') return;
        if (groupId === null) pendingGroupFrames[i].push({ groupId: String(f.groupId), cursor: f.cursor });
        else if (f.groupId === groupId) groupCursor[i] ??= f.cursor;
      },
      label,
    );
    offlineSockets = offConn.sockets;
    const group = await createGroup(ctx.api, members, `bench group ${size}`);
    groupId = group.groupId;
    log(`[${label}] created group ${groupId} with ${size} members in ${group.ms.toFixed(0)} ms`);
    pendingGroupFrames.forEach((list, i) => {
      for (const g of list) if (g.groupId === groupId) groupCursor[i] ??= g.cursor;
    });
    const allCursors = await waitUntil(() => groupCursor.every((c) => c !== null), 30_000, 20);
    const withCursor = groupCursor.filter((c) => c !== null).length;
    if (!allCursors) log(`[${label}] only ${withCursor} of ${offline.length} offline-to-be members got the group's creation frame within 30 s`);
    await closeAll(offlineSockets);
    offlineSockets = [];
    const settleMs = await waitQuiet(() => lastFrameAt, 1500, 60_000); // the presence fan-out of the connects and disconnects settles first
    log(`[${label}] presence fan-out settled after ${(settleMs / 1000).toFixed(1)}s`);

    // 2. the load, with only the online quarter connected
    load = new GroupLoad({
      label,
      api: ctx.api,
      serverPid: ctx.server.pid,
      groupId,
      sender,
      senderUserId: online[0].userId,
      receivers: receivers.length,
      durationS: config.groupDurationS,
      intervalMs: config.groupIntervalMs,
      drainS: config.drainS,
    });
    const r = await load.run();
    const expected = r.ackedSeqs; // message number -> seq
    const tag = r.tag;

    // 3. the offline members reconnect all at once with since=<their cursor>
    const catchers = offline.map((d, i) => ({ d, i, cursor: groupCursor[i] })).filter((c) => c.cursor !== null);
    const got = catchers.map(() => new Uint8Array(r.sent));
    const unique = new Array<number>(catchers.length).fill(0);
    const doneAt = new Array<number | null>(catchers.length).fill(null);
    const firstAt = new Array<number | null>(catchers.length).fill(null);
    let duplicates = 0;
    let outOfOrder = 0;
    let unexpected = 0;
    const lastSeq = new Array<number>(catchers.length).fill(-Infinity);
    let done = 0;
    const target = expected.size;
    log(`[${label}] ${catchers.length} offline members reconnect at once with since=<cursor>; each must get ${target} messages`);
    const cpu0 = ctx.server.pid ? cpuSample(ctx.server.pid) : null;
    const t0 = nowMs();
    const connectErrors: string[] = [];
    const connectMs = new Samples();
    catchUpSockets = new Array(catchers.length).fill(null);
    await Promise.all(
      catchers.map(async (c, j) => {
        const onFrame = (f: Frame) => {
          if (f.type !== 'message') return;
          const m = f.message as MessageShape | undefined;
          if (!m || m.conversationId !== groupId || typeof m.body !== 'string' || !m.body.startsWith(`g|${tag}|`)) return;
          const now = nowMs();
          firstAt[j] ??= now - t0;
          const k = Number(m.body.split('|')[2]);
          if (!(m.seq > lastSeq[j])) outOfOrder++;
          lastSeq[j] = m.seq;
          if (got[j][k]) {
            duplicates++;
            return;
          }
          if (!expected.has(k)) unexpected++;
          got[j][k] = 1;
          if (++unique[j] === target) {
            doneAt[j] = now - t0;
            done++;
          }
        };
        try {
          const s = await DeviceSocket.connect(ctx.server.wsBase, c.d.token, { since: c.cursor, onFrame, timeoutMs: 60_000 });
          keepAlive(s);
          connectMs.add(nowMs() - t0);
          catchUpSockets[j] = s;
        } catch (err) {
          if (connectErrors.length < 5) connectErrors.push(err instanceof Error ? err.message : String(err));
        }
      }),
    );
    const connected = catchUpSockets.filter(Boolean).length;
    const complete = await waitUntil(() => done >= connected, CATCH_UP_TIMEOUT_MS, 10);
    const totalMs = nowMs() - t0;
    const cpu = cpuPercent(cpu0, ctx.server.pid ? cpuSample(ctx.server.pid) : null);
    await sleep(1000); // late duplicates
    const perMember = new Samples();
    for (const v of doneAt) if (v !== null) perMember.add(v);
    const first = new Samples();
    for (const v of firstAt) if (v !== null) first.add(v);
    const framesReceived = unique.reduce((a, b) => a + b, 0);
    const catchUp = {
      members: catchers.length,
      membersWithoutCursor: offline.length - catchers.length,
      connected,
      connectErrors: connectErrors.length ? connectErrors : undefined,
      messagesEach: target,
      membersComplete: done,
      timedOut: !complete,
      // from the start of the simultaneous reconnects until every member had every message
      totalMs: complete ? round(Math.max(...doneAt.map((v) => v ?? 0)), 1) : null,
      waitedMs: round(totalMs, 1),
      perMemberMs: perMember.summary(1),
      firstMessageMs: first.summary(1),
      handshakeMs: connectMs.summary(1),
      framesExpected: catchers.length * target,
      framesReceived,
      missing: catchers.length * target - framesReceived,
      inOrder: outOfOrder === 0,
      outOfOrder,
      duplicates,
      unexpected,
      serverCpuPct: cpu?.serverCpuPct ?? null,
      postgresCpuPct: cpu?.postgresCpuPct ?? null,
    };
    log(`[${label}] catch-up ${JSON.stringify(catchUp)}`);
    const p99 = r.lastMemberLatencyMs.p99;
    return {
      groupSize: size,
      online: onlineCount,
      ...publicGroupResult(r),
      lastConnectedMemberLatencyMs: r.lastMemberLatencyMs,
      meetsTargetOnline: p99 !== null && p99 < 200 && r.lost === 0 && r.duplicated === 0,
      createGroupMs: round(group.ms, 1),
      settleBeforeLoadMs: Math.round(settleMs),
      catchUp,
    };
  } finally {
    await closeAll([sender, ...receivers, ...offlineSockets, ...catchUpSockets]);
  }
}

export const group1024OfflineScenario: Scenario = { name: 'group1024Offline', run: group1024Offline };
