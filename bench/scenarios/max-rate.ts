// Steps the 1:1 rate up (BENCH_MAXRATE_STEPS, 1,000 … 8,000 msg/s) and runs every step, so the
// output holds the whole latency/throughput curve (`curve`: one line per step; `steps`: the full
// figures). The answer, `highestRateWithP99Under100ms`, is the highest rate before the first
// failing step with p99 < 100 ms and nothing lost or duplicated. BENCH_MAXRATE_STOP_ON_FAIL=1 stops
// at the first failing step.
import { log, sleep } from '../lib/log.js';
import { PairHarness } from '../lib/pair-load.js';
import type { BenchContext, Scenario } from './types.js';

const P99_LIMIT_MS = 100;

export async function maxRate(ctx: BenchContext) {
  const { config } = ctx;
  const devices = await ctx.devices.take(config.maxRateDevices);
  const harness = await PairHarness.open(
    { wsBase: ctx.server.wsBase, api: ctx.api, sendVia: config.sendVia, serverPid: ctx.server.pid, connectConcurrency: config.connectConcurrency },
    devices,
  );
  const steps = [];
  let highest: number | null = null;
  let failedOnce = false;
  try {
    for (const rate of config.maxRateSteps) {
      const r = await harness.runLoad({ rate, durationS: config.maxRateStepS, drainS: config.drainS, label: 'm' });
      const p99 = r.latencyMs.p99;
      const reasons: string[] = [];
      if (p99 === null || p99 >= P99_LIMIT_MS) reasons.push(`p99 ${p99} ms`);
      if (r.lost > 0) reasons.push(`${r.lost} lost${r.drainTimedOut ? ' (no delivery for BENCH_DRAIN_S)' : ''}`);
      if (r.duplicated > 0) reasons.push(`${r.duplicated} duplicated`);
      if (r.abortedOverload) reasons.push('server fell 20 s of sends behind; run stopped early');
      else if (r.actualRate < rate * 0.97) reasons.push(`client only reached ${r.actualRate} msg/s`);
      const pass = reasons.length === 0;
      steps.push({
        rate,
        pass,
        failReasons: reasons,
        actualRate: r.actualRate,
        sent: r.sent,
        abortedOverload: r.abortedOverload,
        acked: r.acked,
        received: r.received,
        lost: r.lost,
        duplicated: r.duplicated,
        sendErrors: r.sendErrors,
        latencyMs: r.latencyMs,
        p99BySecondMs: r.p99BySecondMs,
        ackLatencyMs: r.ackLatencyMs,
        drainMs: r.drainMs,
        clientCpuPct: r.clientCpuPct,
        serverCpuPct: r.serverCpuPct,
        postgresCpuPct: r.postgresCpuPct,
        clientEventLoopDelayMs: r.clientEventLoopDelayMs,
        serverMetricsDelta: r.serverMetricsDelta,
        stageBreakdownMs: r.stageBreakdownMs,
        projectorLagEventsMax: r.projectorLagEventsMax,
        projectorLagEventsAtEnd: r.projectorLagEventsAtEnd,
        errorSamples: r.errorSamples,
      });
      if (pass && !failedOnce) highest = rate;
      if (!pass) {
        failedOnce = true;
        log(`[maxRate] ${rate} msg/s failed: ${reasons.join(', ')}`);
        if (config.maxRateStopOnFail) break;
      }
      await sleep(2000); // let the server settle between steps
    }
  } finally {
    await harness.close();
  }
  return {
    highestRateWithP99Under100ms: highest,
    meetsTarget: highest !== null && highest >= 2000, // product.md: >= 2,000 msg/s
    stepDurationS: config.maxRateStepS,
    devices: devices.length,
    stoppedAtFirstFailure: config.maxRateStopOnFail && steps.length < config.maxRateSteps.length,
    // the curve at a glance (ms); the full figures of each step are in `steps`
    curve: steps.map((s) => ({
      rate: s.rate,
      actualRate: s.actualRate,
      pass: s.pass,
      deliveryP50: s.latencyMs.p50,
      deliveryP99: s.latencyMs.p99,
      ackP99: s.ackLatencyMs.p99,
      lost: s.lost,
      duplicated: s.duplicated,
      abortedOverload: s.abortedOverload,
    })),
    steps,
  };
}

export const maxRateScenario: Scenario = { name: 'maxRate', run: maxRate };
