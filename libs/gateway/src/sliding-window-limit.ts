import { LRUCache } from 'lru-cache';

/**
 * At most `limit` hits per key in any window of `windowMs` (the typing limit, per socket).
 * The hit times live in a bounded least-recently-used cache: a key that stopped hitting is
 * forgotten in time instead of held for the life of the process.
 */
export class SlidingWindowLimit {
  private readonly hits = new LRUCache<string, number[]>({ max: 100_000 });

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Counts a hit at `now` (ms) and answers 0; once the limit is reached, counts nothing and answers the ms until a hit is allowed again. */
  hit(key: string, now: number): number {
    const recent = (this.hits.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length >= this.limit) return recent[0] + this.windowMs - now;
    recent.push(now);
    this.hits.set(key, recent);
    return 0;
  }
}
