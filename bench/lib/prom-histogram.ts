// Prometheus text exposition parsing and histogram arithmetic (pure functions, no I/O):
// labelled samples, cumulative `_bucket` / `_sum` / `_count` series of one histogram grouped by
// one label, the difference of two scrapes, and quantiles estimated from the bucket counts the
// way PromQL's histogram_quantile() does (linear interpolation inside the bucket).

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** One cumulative bucket: observations <= le (le may be +Infinity). */
export interface Bucket {
  le: number;
  count: number;
}

/** One series of a histogram (one label set), all counts cumulative since the process started. */
export interface HistogramSeries {
  /** Sorted by le, the last one being +Inf when the exposition has it. */
  buckets: Bucket[];
  sum: number;
  count: number;
}

const SAMPLE_RE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL_RE = /([a-zA-Z_]\w*)\s*=\s*"((?:[^"\\]|\\.)*)"/g;

function parseValue(raw: string): number {
  if (raw === '+Inf' || raw === 'Inf') return Infinity;
  if (raw === '-Inf') return -Infinity;
  return Number(raw);
}

/** Every sample line of a Prometheus text exposition (comments and blank lines skipped). */
export function parsePromText(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = SAMPLE_RE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[2]) {
      for (const l of m[2].matchAll(LABEL_RE)) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    out.push({ name: m[1], labels, value: parseValue(m[3]) });
  }
  return out;
}

/**
 * The series of the histogram whose name ends with `suffix` (e.g. `delivery_stage_seconds`, so any
 * metric prefix matches), keyed by the value of `byLabel`; series that differ in other labels are
 * added together. null when the exposition has no such histogram.
 */
export function extractHistogram(samples: PromSample[], suffix: string, byLabel: string): Map<string, HistogramSeries> | null {
  const acc = new Map<string, { buckets: Map<number, number>; sum: number; count: number }>();
  const get = (key: string) => {
    let s = acc.get(key);
    if (!s) acc.set(key, (s = { buckets: new Map(), sum: 0, count: 0 }));
    return s;
  };
  for (const s of samples) {
    const key = s.labels[byLabel] ?? '';
    if (s.name.endsWith(`${suffix}_bucket`)) {
      const le = s.labels.le === undefined ? NaN : parseValue(s.labels.le);
      if (Number.isNaN(le)) continue;
      const series = get(key);
      series.buckets.set(le, (series.buckets.get(le) ?? 0) + s.value);
    } else if (s.name.endsWith(`${suffix}_sum`)) {
      get(key).sum += s.value;
    } else if (s.name.endsWith(`${suffix}_count`)) {
      get(key).count += s.value;
    }
  }
  if (acc.size === 0) return null;
  const out = new Map<string, HistogramSeries>();
  for (const [key, s] of acc) {
    out.set(key, {
      buckets: [...s.buckets].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le),
      sum: s.sum,
      count: s.count,
    });
  }
  return out;
}

/**
 * after − before, bucket by bucket (a series or bucket missing before counts as 0: labelled
 * histograms have no lines until their first observation). A counter that went down means the
 * server restarted in between: then `after` alone is the best estimate.
 */
export function diffHistogram(before: HistogramSeries | undefined, after: HistogramSeries): HistogramSeries {
  if (!before) return after;
  if (after.count < before.count) return after;
  const prev = new Map(before.buckets.map((b) => [b.le, b.count]));
  return {
    buckets: after.buckets.map((b) => ({ le: b.le, count: Math.max(0, b.count - (prev.get(b.le) ?? 0)) })),
    sum: after.sum - before.sum,
    count: after.count - before.count,
  };
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of cumulative buckets, as PromQL's histogram_quantile(): find the
 * bucket holding rank q·total and interpolate linearly between its lower bound (the previous
 * bucket's le, or 0 for the first bucket) and its le. If the rank falls in the +Inf bucket, the
 * answer is the highest finite le. null without observations or without a +Inf bucket.
 */
export function histogramQuantile(q: number, buckets: Bucket[]): number | null {
  if (Number.isNaN(q)) return null;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  if (sorted.length < 2 || sorted[sorted.length - 1].le !== Infinity) return null;
  // cumulative counts must not decrease (scrapes are not atomic; PromQL fixes it the same way)
  let running = 0;
  const b: Bucket[] = [];
  for (const x of sorted) {
    running = Math.max(running, x.count);
    b.push({ le: x.le, count: running });
  }
  const total = b[b.length - 1].count;
  if (!(total > 0)) return null;
  let rank = q * total;
  let i = b.findIndex((x, k) => k < b.length - 1 && x.count >= rank);
  if (i === -1) return b[b.length - 2].le; // in the +Inf bucket
  if (i === 0 && b[0].le <= 0) return b[0].le;
  let start = 0;
  let inBucket = b[i].count;
  if (i > 0) {
    start = b[i - 1].le;
    inBucket -= b[i - 1].count;
    rank -= b[i - 1].count;
  }
  if (inBucket <= 0) return start; // only for q = 0
  return start + (b[i].le - start) * (rank / inBucket);
}

export interface StageFigures {
  count: number;
  /** Mean from _sum / _count, in ms (null without observations). */
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

/** count / mean / p50 / p95 / p99 (ms) of one histogram series of seconds. */
export function stageFigures(h: HistogramSeries): StageFigures {
  const ms = (q: number) => {
    const v = histogramQuantile(q, h.buckets);
    return v === null || !Number.isFinite(v) ? v : r2(v * 1000);
  };
  const count = Math.round(h.count);
  return {
    count,
    mean: count > 0 ? r2((h.sum / h.count) * 1000) : null,
    p50: count > 0 ? ms(0.5) : null,
    p95: count > 0 ? ms(0.95) : null,
    p99: count > 0 ? ms(0.99) : null,
  };
}

/**
 * Per label value, the figures of what was observed between two scrapes (keys in `order` first,
 * then the others alphabetically). null when the later scrape has no such histogram.
 */
export function histogramBreakdown(
  before: Map<string, HistogramSeries> | null,
  after: Map<string, HistogramSeries> | null,
  order: readonly string[] = [],
): Record<string, StageFigures> | null {
  if (!after) return null;
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  const keys = [...after.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const out: Record<string, StageFigures> = {};
  for (const key of keys) out[key] = stageFigures(diffHistogram(before?.get(key), after.get(key)!));
  return out;
}

/** The largest value of the gauge whose name ends with `suffix` over its label sets, null if absent. */
export function gaugeMax(samples: PromSample[], suffix: string): number | null {
  let max: number | null = null;
  for (const s of samples) if (s.name.endsWith(suffix) && Number.isFinite(s.value)) max = max === null ? s.value : Math.max(max, s.value);
  return max;
}
