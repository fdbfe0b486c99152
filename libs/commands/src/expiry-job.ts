import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Clock, TimerHandle } from '../../domain/src/clock.js';
import { PeriodicJob } from '../../platform/src/periodic-job.js';
import type { SqlRunner } from '../../read-models/src/data-source.js';
import type { MessageLifecycleHandler } from './message-lifecycle.handler.js';

/** Messages erased per query; more are taken at once when that many were due. */
const BATCH = 200;

export interface ExpiryJobLog {
  warn(details: object, message: string): void;
}

/**
 * Disappearing messages: erases each message when its `expiresAt` comes. What is pending lives
 * in the read models (`messages.expires_at` of messages not yet erased), so it survives
 * restarts: the first poll after a start erases whatever fell due while no process ran.
 *
 * Every `intervalMs` it erases what is due, then sets a timer for the earliest message still
 * pending if that one falls due before the next poll: what it knows of is erased on the
 * millisecond, a message it does not know of yet (sent since, or not yet projected) within one
 * interval. Any number of replicas may run it: the domain records nothing for a message already
 * erased, and destroying a key twice is harmless.
 */
export class ExpiryJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly job: PeriodicJob;
  private nextDue?: TimerHandle;

  constructor(
    private readonly db: SqlRunner,
    private readonly lifecycle: Pick<MessageLifecycleHandler, 'expire'>,
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly log: ExpiryJobLog,
  ) {
    this.job = new PeriodicJob(clock, intervalMs, () => this.poll(), (error) => log.warn({ err: error }, 'expiry job: poll failed; trying again at the next one'));
  }

  onApplicationBootstrap(): void {
    this.job.start();
    this.job.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.clock.clearTimeout(this.nextDue);
    await this.job.stop();
  }

  private async poll(): Promise<void> {
    // Read the time once the current synchronous run is over: ticks fired by one clock jump
    // (a suspended host, a test's clock) then poll where the jump landed, not where it started.
    await Promise.resolve();
    const now = this.clock.now();
    for (;;) {
      const due: { conversation_id: string; message_id: string }[] = await this.db.query(
        'SELECT conversation_id, message_id FROM messages WHERE expires_at <= $1 AND NOT erased ORDER BY expires_at LIMIT $2',
        [now, BATCH],
      );
      let failed = 0;
      for (const row of due) {
        if (this.job.isStopped) return;
        try {
          await this.lifecycle.expire(row.conversation_id, row.message_id);
        } catch (error) {
          failed++;
          this.log.warn({ err: error, conversationId: row.conversation_id, messageId: row.message_id }, 'expiry job: could not erase a message; trying again at the next poll');
        }
      }
      // A message that could not be erased stays due, so the next batch would start with it again.
      if (due.length < BATCH || failed > 0) break;
    }
    await this.timeNextDue(now);
  }

  private async timeNextDue(now: Date): Promise<void> {
    const [next]: { expires_at: Date | null }[] = await this.db.query(
      'SELECT min(expires_at) AS expires_at FROM messages WHERE expires_at > $1 AND NOT erased',
      [now],
    );
    this.clock.clearTimeout(this.nextDue);
    this.nextDue = undefined;
    if (this.job.isStopped || !next?.expires_at) return;
    const inMs = next.expires_at.getTime() - now.getTime();
    if (inMs < this.intervalMs) this.nextDue = this.clock.setTimeout(() => this.job.tick(), inMs);
  }
}
