/** A timer handed out by a clock, only to be given back to the same clock to cancel it. */
export type TimerHandle = unknown;

/**
 * Time as the system reads it: the current instant and timers. Injected (Nest token `CLOCK`)
 * so tests can move time by hand and check time windows exactly instead of sleeping through them.
 */
export interface Clock {
  now(): Date;
  setTimeout(run: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  setInterval(run: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle | undefined): void;
}

export const CLOCK = Symbol('Clock');

export const systemClock: Clock = {
  now: () => new Date(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
  setInterval: (run, ms) => setInterval(run, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout | undefined),
};
