// Exact percentiles from all samples (a run holds at most a few hundred thousand).

export interface Percentiles {
  count: number;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
}

export class Samples {
  private data = new Float64Array(1024);
  private n = 0;

  add(v: number): void {
    if (this.n === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.n++] = v;
  }

  get count(): number {
    return this.n;
  }

  summary(digits = 2): Percentiles {
    const f = 10 ** digits;
    const r = (x: number) => Math.round(x * f) / f;
    if (this.n === 0) return { count: 0, mean: null, p50: null, p95: null, p99: null, p999: null, max: null };
    const sorted = this.data.slice(0, this.n).sort();
    const at = (q: number) => sorted[Math.min(this.n - 1, Math.max(0, Math.ceil(q * this.n) - 1))]; // nearest rank
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      count: this.n,
      mean: r(sum / this.n),
      p50: r(at(0.5)),
      p95: r(at(0.95)),
      p99: r(at(0.99)),
      p999: r(at(0.999)),
      max: r(sorted[this.n - 1]),
    };
  }
}
