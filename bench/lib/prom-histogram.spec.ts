import { describe, expect, it } from 'vitest';
import { diffHistogram, extractHistogram, gaugeMax, histogramBreakdown, histogramQuantile, parsePromText, stageFigures } from './prom-histogram.js';

// cumulative: 10 in (0, 1], 20 in (1, 2], 10 in (2, 4], none above
const buckets = [
  { le: 1, count: 10 },
  { le: 2, count: 30 },
  { le: 4, count: 40 },
  { le: Infinity, count: 40 },
];

describe('histogramQuantile (as PromQL histogram_quantile)', () => {
  it('interpolates linearly inside the bucket holding the rank', () => {
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(1.5); // rank 20: 10 into the 20 of (1, 2]
    expect(histogramQuantile(0.95, buckets)).toBeCloseTo(3.6); // rank 38: 8 into the 10 of (2, 4]
    expect(histogramQuantile(0.1, buckets)).toBeCloseTo(0.4); // first bucket starts at 0
    expect(histogramQuantile(0.25, buckets)).toBeCloseTo(1); // rank on a bucket boundary
    expect(histogramQuantile(1, buckets)).toBeCloseTo(4);
  });

  it('answers the highest finite bound when the rank falls in the +Inf bucket', () => {
    const b = [
      { le: 0.5, count: 3 },
      { le: 1, count: 5 },
      { le: Infinity, count: 10 },
    ];
    expect(histogramQuantile(0.99, b)).toBe(1);
    expect(histogramQuantile(0.4, b)).toBeCloseTo(0.75); // rank 4: 1 into the 2 of (0.5, 1]
  });

  it('is null without observations or without a +Inf bucket, ±Inf outside [0, 1]', () => {
    expect(histogramQuantile(0.5, [{ le: 1, count: 0 }, { le: Infinity, count: 0 }])).toBeNull();
    expect(histogramQuantile(0.5, [{ le: 1, count: 3 }, { le: 2, count: 4 }])).toBeNull();
    expect(histogramQuantile(0.5, [])).toBeNull();
    expect(histogramQuantile(-0.1, buckets)).toBe(-Infinity);
    expect(histogramQuantile(1.1, buckets)).toBe(Infinity);
  });

  it('sorts the buckets and makes the cumulative counts monotonic', () => {
    const shuffled = [buckets[3], buckets[1], buckets[0], buckets[2]];
    expect(histogramQuantile(0.5, shuffled)).toBeCloseTo(1.5);
    // a non-atomic scrape: le=2 read lower than le=1
    const bumpy = [
      { le: 1, count: 10 },
      { le: 2, count: 9 },
      { le: 4, count: 20 },
      { le: Infinity, count: 20 },
    ];
    expect(histogramQuantile(0.5, bumpy)).toBeCloseTo(1); // rank 10 -> the first bucket's bound
    expect(histogramQuantile(0.75, bumpy)).toBeCloseTo(3); // rank 15: 5 into the 10 of (2, 4]
  });
});

const before = `# HELP x_delivery_stage_seconds time per stage
# TYPE x_delivery_stage_seconds histogram
x_delivery_stage_seconds_bucket{le="0.001",stage="append_wait"} 5
x_delivery_stage_seconds_bucket{le="0.01",stage="append_wait"} 10
x_delivery_stage_seconds_bucket{le="0.1",stage="append_wait"} 10
x_delivery_stage_seconds_bucket{le="+Inf",stage="append_wait"} 10
x_delivery_stage_seconds_sum{stage="append_wait"} 0.02
x_delivery_stage_seconds_count{stage="append_wait"} 10
x_projector_lag_events 3
`;
const after = `x_delivery_stage_seconds_bucket{le="0.001",stage="append_wait"} 5
x_delivery_stage_seconds_bucket{le="0.01",stage="append_wait"} 60
x_delivery_stage_seconds_bucket{le="0.1",stage="append_wait"} 110
x_delivery_stage_seconds_bucket{le="+Inf",stage="append_wait"} 110
x_delivery_stage_seconds_sum{stage="append_wait"} 3.02
x_delivery_stage_seconds_count{stage="append_wait"} 110
x_delivery_stage_seconds_bucket{stage="gateway_to_socket",le="0.001"} 4
x_delivery_stage_seconds_bucket{stage="gateway_to_socket",le="0.01"} 4
x_delivery_stage_seconds_bucket{stage="gateway_to_socket",le="0.1"} 4
x_delivery_stage_seconds_bucket{stage="gateway_to_socket",le="+Inf"} 4
x_delivery_stage_seconds_sum{stage="gateway_to_socket"} 0.002
x_delivery_stage_seconds_count{stage="gateway_to_socket"} 4
x_projector_lag_events{projection="feed"} 7
x_projector_lag_events{projection="users"} 12
`;

describe('scrape parsing and the difference of two scrapes', () => {
  it('parses labels in any order, escapes and +Inf', () => {
    const [s] = parsePromText('m_bucket{a="x \\"y\\"",le="+Inf"} 4\n');
    expect(s).toEqual({ name: 'm_bucket', labels: { a: 'x "y"', le: '+Inf' }, value: 4 });
    expect(parsePromText('# comment\n\nplain 1.5e3\n')).toEqual([{ name: 'plain', labels: {}, value: 1500 }]);
  });

  it('diffs the cumulative buckets per stage; a stage absent before counts from zero', () => {
    const a = extractHistogram(parsePromText(before), 'delivery_stage_seconds', 'stage');
    const b = extractHistogram(parsePromText(after), 'delivery_stage_seconds', 'stage');
    const d = diffHistogram(a!.get('append_wait'), b!.get('append_wait')!);
    expect(d.count).toBe(100);
    expect(d.buckets.map((x) => x.count)).toEqual([0, 50, 100, 100]);
    // 100 new observations: 50 in (1, 10] ms, 50 in (10, 100] ms, 3 s in all
    expect(stageFigures(d)).toEqual({ count: 100, mean: 30, p50: 10, p95: 91, p99: 98.2 });

    const breakdown = histogramBreakdown(a, b, ['append_wait', 'append_commit', 'log_to_gateway', 'gateway_to_socket']);
    expect(Object.keys(breakdown!)).toEqual(['append_wait', 'gateway_to_socket']);
    expect(breakdown!.gateway_to_socket).toEqual({ count: 4, mean: 0.5, p50: 0.5, p95: 0.95, p99: 0.99 });
  });

  it('gives null without the histogram, null quantiles for a stage without new observations', () => {
    expect(histogramBreakdown(null, extractHistogram(parsePromText('other_total 3\n'), 'delivery_stage_seconds', 'stage'))).toBeNull();
    const a = extractHistogram(parsePromText(after), 'delivery_stage_seconds', 'stage');
    expect(histogramBreakdown(a, a)!.append_wait).toEqual({ count: 0, mean: null, p50: null, p95: null, p99: null });
  });

  it('takes a restarted counter (lower than before) as it is', () => {
    const a = extractHistogram(parsePromText(after), 'delivery_stage_seconds', 'stage')!;
    const b = extractHistogram(parsePromText(before), 'delivery_stage_seconds', 'stage')!;
    expect(diffHistogram(a.get('append_wait'), b.get('append_wait')!).count).toBe(10);
  });

  it('reads the lag gauge as the largest over its label sets', () => {
    expect(gaugeMax(parsePromText(before), 'projector_lag_events')).toBe(3);
    expect(gaugeMax(parsePromText(after), 'projector_lag_events')).toBe(12);
    expect(gaugeMax(parsePromText('other 1\n'), 'projector_lag_events')).toBeNull();
  });
});
