// A group of 256 members, all connected; one member sends a message every 100 ms for
// BENCH_GROUP_DURATION_S. Per message: how long until the LAST of the other 255 has it.
// Target (product.md): the last member's p99 < 200 ms.
import { createGroup, GroupLoad, publicGroupResult } from '../lib/group-load.js';
import { log, round } from '../lib/log.js';
import { closeAll, connectAll, waitQuiet } from '../lib/scenario-util.js';
import { connectLive, type DeviceSocket } from '../lib/ws-client.js';
import type { BenchContext, Scenario } from './types.js';

export async function group256(ctx: BenchContext) {
  const { config } = ctx;
  const size = config.groupSize;
  const members = await ctx.devices.take(size); // DEVICE_RANGES.groups: the first `size` devices
  const group = await createGroup(ctx.api, members, `bench group ${size}`);
  log(`[group${size}] created group ${group.groupId} with ${size} members in ${group.ms.toFixed(0)} ms`);

  let load: GroupLoad | null = null;
  let sender: DeviceSocket | null = null;
  let receivers: DeviceSocket[] = [];
  let lastFrameAt = performance.now();
  try {
    sender = await connectLive(ctx.server.wsBase, members[0].token);
    const conn = await connectAll(ctx.server.wsBase, members.slice(1), config.connectConcurrency, (i, f) => {
      lastFrameAt = performance.now();
      load?.onReceiverFrame(i, f);
    }, `group${size}`);
    receivers = conn.sockets;
    const settleMs = await waitQuiet(() => lastFrameAt, 1500, 60_000); // the presence fan-out of the connects settles first
    load = new GroupLoad({
      label: `group${size}`,
      api: ctx.api,
      serverPid: ctx.server.pid,
      groupId: group.groupId,
      sender,
      senderUserId: members[0].userId,
      receivers: receivers.length,
      durationS: config.groupDurationS,
      intervalMs: config.groupIntervalMs,
      drainS: config.drainS,
    });
    const r = await load.run();
    const p99 = r.lastMemberLatencyMs.p99;
    return {
      groupSize: size,
      ...publicGroupResult(r),
      // product.md: the last member's p99 < 200 ms (and nothing lost or duplicated)
      meetsTarget: p99 !== null && p99 < 200 && r.lost === 0 && r.duplicated === 0,
      createGroupMs: round(group.ms, 1),
      connectMs: Math.round(conn.ms),
      settleBeforeLoadMs: Math.round(settleMs),
      socketsClosedByServer: conn.closedByServer(),
    };
  } finally {
    await closeAll([sender, ...receivers]);
  }
}

export const group256Scenario: Scenario = { name: 'group256', run: group256 };
