import type { Clock, TimerHandle } from '../../libs/domain/src/clock.js';

interface Timer {
  at: number;
  run: () => void;
  /** Set for an interval: it is due again this long after it ran. */
  everyMs?: number;
  /** Breaks ties between timers due at the same instant: the one set first runs first. */
  order: number;
}

/**
 * A clock that stands still until the test moves it: `advance` runs the timers that fall due,
 * in order, each with `now()` at its own due time. Time windows are then checked to the millisecond.
 */
export class ManualClock implements Clock {
  private time: number;
  private timers: Timer[] = [];
  private scheduled = 0;

  constructor(start = '2026-12-02T12:00:00.000Z') {
    this.time = Date.parse(start);
  }

  now = () => new Date(this.time);

  setTimeout = (run: () => void, ms: number): TimerHandle => this.schedule({ at: this.time + ms, run, order: this.scheduled++ });

  setInterval = (run: () => void, ms: number): TimerHandle => this.schedule({ at: this.time + ms, run, everyMs: ms, order: this.scheduled++ });

  clearTimeout = (handle: TimerHandle | undefined) => {
    this.timers = this.timers.filter((t) => t !== handle);
  };

  clearInterval = this.clearTimeout;

  /** Whether a one-off timer falls due exactly `ms` from now (what a test waits for before moving the clock past it). */
  hasTimeoutDueIn(ms: number): boolean {
    return this.timers.some((t) => t.everyMs === undefined && t.at === this.time + ms);
  }

  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      const next = this.timers.reduce<Timer | undefined>((first, t) => (!first || t.at < first.at || (t.at === first.at && t.order < first.order) ? t : first), undefined);
      if (!next || next.at > until) break;
      this.time = next.at;
      if (next.everyMs === undefined) this.clearTimeout(next);
      else Object.assign(next, { at: next.at + Math.max(next.everyMs, 1), order: this.scheduled++ });
      next.run();
    }
    this.time = until;
  }

  private schedule(timer: Timer): TimerHandle {
    this.timers.push(timer);
    return timer;
  }
}
