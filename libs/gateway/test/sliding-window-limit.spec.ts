import { describe, expect, it } from 'vitest';
import { SlidingWindowLimit } from '../src/sliding-window-limit.js';

describe('SlidingWindowLimit', () => {
  it('counts hits per key within the window; a refused hit is not counted; a hit leaves the window exactly windowMs later', () => {
    const limit = new SlidingWindowLimit(2, 1_000);
    expect(limit.hit('a', 0)).toBe(0);
    expect(limit.hit('a', 400)).toBe(0);
    expect(limit.hit('b', 400)).toBe(0);
    expect(limit.hit('a', 600)).toBe(400);
    expect(limit.hit('a', 999)).toBe(1);
    expect(limit.hit('a', 1_000)).toBe(0);
    expect(limit.hit('a', 1_001)).toBe(399);
  });
});
