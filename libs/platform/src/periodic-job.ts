import type { Clock, TimerHandle } from '../../domain/src/clock.js';

/**
 * Runs `poll` every `intervalMs` of the clock, and whenever `tick` is called. Polls never
 * overlap: ticks that arrive during a poll fold into one more poll after it, so a clock that
 * jumps (a test's, or a suspended host's) is seen where it landed. A failed poll is reported and
 * the next tick tries again.
 */
export class PeriodicJob {
  private interval?: TimerHandle;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly poll: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  start(): void {
    this.interval = this.clock.setInterval(() => this.tick(), this.intervalMs);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.clock.clearInterval(this.interval);
    await this.running;
  }

  tick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pollWhileAsked().finally(() => (this.running = undefined));
  }

  private async pollWhileAsked(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.poll();
      } catch (error) {
        this.onError(error);
      }
    } while (this.again && !this.stopped);
  }
}
