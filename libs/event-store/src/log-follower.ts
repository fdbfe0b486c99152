import type { CatchUpSubscription, EventStore, StoredEvent } from './event-store.port.js';

export interface LogFollowerOptions {
  /** Where to (re)start: the position after which events are wanted. Asked at start and after each failure. */
  resumeAfter(): Promise<bigint>;
  /** Handles one batch, in log order; the next batch waits for it. */
  handle(events: StoredEvent[]): Promise<void>;
  maxBatchSize: number;
  /**
   * After a failure (of `resumeAfter`, `handle` or the store): how long to wait before resuming
   * from `resumeAfter()`, or undefined to give up (`done` rejects). Attempts count from 1 and
   * start again after a batch is handled.
   */
  retryDelayMs(attempt: number, error: unknown): number | undefined;
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
}

/**
 * Follows the event log from a checkpoint the owner keeps (the projector's checkpoints, the
 * Kafka publisher's row, a live tail's last position): subscribe after it, hand each batch
 * over, and after a failure resume from the checkpoint as it then is. Stopping is safe at any
 * moment, including while the checkpoint is being read.
 */
export class LogFollower {
  private subscription?: CatchUpSubscription;
  private stopped = false;
  private wakeUp = () => {};
  private running?: Promise<void>;

  constructor(
    private readonly store: Pick<EventStore, 'subscribeToAll'>,
    private readonly options: LogFollowerOptions,
  ) {}

  /** Resolves once stopped; rejects with the failure that was not retried. */
  get done(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Resolves once no batch is being handled and none will be. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp();
    await this.subscription?.stop();
    await this.running?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      try {
        const after = await this.options.resumeAfter();
        if (this.stopped) return;
        this.subscription = this.store.subscribeToAll({
          after,
          maxBatchSize: this.options.maxBatchSize,
          handle: async (events) => {
            await this.options.handle(events);
            attempt = 0;
          },
        });
        await this.subscription.done;
      } catch (error) {
        if (this.stopped) return;
        const delayMs = this.options.retryDelayMs(++attempt, error);
        if (delayMs === undefined) throw error;
        this.options.onRetry?.(error, attempt, delayMs);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delayMs);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }
}
