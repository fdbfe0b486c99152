// Best-effort read of the server's Prometheus /metrics (not part of the client protocol): shows
// whether a slow or lossy run is the command side, the projector or the feed push falling behind.
// Any failure yields null and never fails a scenario.
//
// Metrics are found by name suffix, so any METRICS_PREFIX of the server matches.
import { log } from './log.js';
import { extractHistogram, gaugeMax, histogramBreakdown, parsePromText, type HistogramSeries, type PromSample, type StageFigures } from './prom-histogram.js';

/** Metric name suffixes of interest, summed over their labels. */
const WANTED = {
  eventsAppended: 'events_appended_total',
  eventsProjected: 'events_projected_total',
  projectorPosition: 'projector_position',
  feedFramesSent: 'feed_frames_sent_total',
  websocketConnections: 'websocket_connections',
  heapUsedBytes: 'nodejs_heap_size_used_bytes',
  externalMemoryBytes: 'nodejs_external_memory_bytes',
} as const;

/** Histogram of a message's time in each delivery stage (seconds), label `stage`. */
const STAGE_HISTOGRAM = 'delivery_stage_seconds';
const STAGE_LABEL = 'stage';
/** Pipeline order of the stages in the output (others follow alphabetically). */
export const DELIVERY_STAGES = ['append_wait', 'append_commit', 'log_to_gateway', 'gateway_to_socket'] as const;
/** Gauge: log head minus the projector's checkpoint, in events. */
const PROJECTOR_LAG_GAUGE = 'projector_lag_events';
const LAG_SAMPLE_MS = 500;

export type ServerMetrics = Partial<Record<keyof typeof WANTED, number>>;

/** The raw samples of one GET /metrics, or null if the server has none / did not answer. */
export async function scrapeSamples(httpBase: string): Promise<PromSample[] | null> {
  try {
    const res = await fetch(`${httpBase}/metrics`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) return null;
    return parsePromText(await res.text());
  } catch {
    return null;
  }
}

function summarize(samples: PromSample[] | null): ServerMetrics | null {
  if (!samples) return null;
  const out: ServerMetrics = {};
  for (const s of samples) {
    for (const [key, suffix] of Object.entries(WANTED) as Array<[keyof typeof WANTED, string]>) {
      if (s.name.endsWith(suffix)) out[key] = (out[key] ?? 0) + s.value;
    }
  }
  return Object.keys(out).length ? out : null;
}

export async function scrapeMetrics(httpBase: string): Promise<ServerMetrics | null> {
  return summarize(await scrapeSamples(httpBase));
}

/** Counter increases between two scrapes, plus the gauges' final values. */
export function metricsDelta(a: ServerMetrics | null, b: ServerMetrics | null): Record<string, number> | null {
  if (!a || !b) return null;
  const out: Record<string, number> = {};
  for (const k of ['eventsAppended', 'eventsProjected', 'feedFramesSent'] as const) {
    // a labelled counter has no line before its first increment
    if (b[k] !== undefined) out[k] = b[k]! - (a[k] ?? 0);
  }
  if (b.projectorPosition !== undefined) out.projectorPositionAtEnd = b.projectorPosition;
  if (b.websocketConnections !== undefined) out.websocketConnectionsAtEnd = b.websocketConnections;
  return out;
}

export interface MetricsWindowResult {
  serverMetricsDelta: Record<string, number> | null;
  /**
   * Per delivery stage (append_wait, append_commit, log_to_gateway, gateway_to_socket): what the
   * server observed between the two scrapes, from the histogram's bucket counts (quantiles
   * interpolated inside the bucket like histogram_quantile, so only as fine as the buckets), ms.
   * null when the server does not expose the histogram.
   */
  stageBreakdownMs: Record<string, StageFigures> | null;
  /** Largest projector lag (events) seen in the samples taken every 500 ms, null without the gauge. */
  projectorLagEventsMax: number | null;
  /** The lag at the final scrape. */
  projectorLagEventsAtEnd: number | null;
}

function unrefSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * Scrapes /metrics when opened and when closed (counter deltas, the stage histogram's
 * difference) and samples the projector-lag gauge every 500 ms in between.
 */
export class MetricsWindow {
  private stopped = false;
  private lagMax: number | null = null;
  private readonly sampler: Promise<void>;

  private constructor(
    private readonly httpBase: string,
    private readonly before: PromSample[] | null,
  ) {
    this.noteLag(before);
    this.sampler = this.sample();
  }

  static async open(httpBase: string): Promise<MetricsWindow> {
    return new MetricsWindow(httpBase, await scrapeSamples(httpBase));
  }

  private noteLag(samples: PromSample[] | null): number | null {
    const lag = samples ? gaugeMax(samples, PROJECTOR_LAG_GAUGE) : null;
    if (lag !== null) this.lagMax = this.lagMax === null ? lag : Math.max(this.lagMax, lag);
    return lag;
  }

  private async sample(): Promise<void> {
    // no /metrics at all: nothing to poll (a labelled gauge may have no line yet, so poll anyway otherwise)
    if (!this.before) return;
    while (!this.stopped) {
      await unrefSleep(LAG_SAMPLE_MS);
      if (this.stopped) return;
      this.noteLag(await scrapeSamples(this.httpBase));
    }
  }

  /** Stops sampling without a final scrape (error paths). */
  cancel(): void {
    this.stopped = true;
  }

  async close(): Promise<MetricsWindowResult> {
    this.stopped = true;
    await this.sampler;
    const after = await scrapeSamples(this.httpBase);
    const lagAtEnd = this.noteLag(after);
    const hist = (s: PromSample[] | null): Map<string, HistogramSeries> | null => (s ? extractHistogram(s, STAGE_HISTOGRAM, STAGE_LABEL) : null);
    return {
      serverMetricsDelta: metricsDelta(summarize(this.before), summarize(after)),
      stageBreakdownMs: this.before ? histogramBreakdown(hist(this.before), hist(after), DELIVERY_STAGES) : null,
      projectorLagEventsMax: this.lagMax,
      projectorLagEventsAtEnd: lagAtEnd,
    };
  }
}

/** One stderr line with the stage figures (nothing when the server has no stage histogram). */
export function logStageBreakdown(label: string, stages: Record<string, StageFigures> | null, lagMax: number | null): void {
  if (!stages) return;
  const parts = Object.entries(stages).map(([k, f]) => `${k} n=${f.count} p50 ${f.p50} p99 ${f.p99}`);
  log(`[${label}] server stages (ms): ${parts.join('; ')}${lagMax === null ? '' : `; projector lag max ${lagMax} events`}`);
}
