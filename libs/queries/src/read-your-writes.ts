import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { from, switchMap } from 'rxjs';
import { DomainError } from '../../domain/src/errors.js';
import type { EventStore } from '../../event-store/src/event-store.port.js';
import type { Metrics } from '../../platform/src/metrics.js';
import type { PgNotifications } from '../../platform/src/pg-notifications.js';
import type { SqlRunner } from '../../read-models/src/data-source.js';
import { DeviceRevocations } from '../../auth/src/device-revocations.js';
import { AuthenticationError, type Principal } from '../../auth/src/tokens.js';
import { PROJECTED_CHANNEL, PROJECTED_POSITION_SQL } from '../../read-models/src/projection-progress.js';

interface Waiter {
  position: bigint;
  resolve(): void;
}

const SAFETY_POLL_MS = 250;

/**
 * Read your own writes, on any process: a read first learns the head of the event log, then
 * waits until the projections have passed it. Whatever the caller's commands appended before
 * the read (a 2xx answer means appended) is then in the read models. The projector announces
 * its progress on a channel; a short poll covers a lost notification while someone waits.
 * Waiting longer than the timeout answers 503 rather than a read that could miss the caller's
 * own write.
 */
export class ReadYourWritesFence {
  private projected = 0n;
  private waiters: Waiter[] = [];
  private poll?: NodeJS.Timeout;

  constructor(
    private readonly db: SqlRunner,
    private readonly store: EventStore,
    private readonly metrics: Metrics,
    private readonly timeoutMs: number,
  ) {}

  async start(notifications: Pick<PgNotifications, 'listen' | 'onReconnect'>): Promise<void> {
    await notifications.listen(PROJECTED_CHANNEL, (payload) => {
      if (/^\d+$/.test(payload)) this.advance(BigInt(payload));
    });
    notifications.onReconnect(() => void this.refresh());
    await this.refresh();
    this.poll = setInterval(() => this.waiters.length > 0 && void this.refresh(), SAFETY_POLL_MS);
    this.poll.unref();
  }

  stop(): void {
    clearInterval(this.poll);
  }

  /** Resolves, with the log head it waited for, once the read models reflect every event appended before this call. */
  async readYourWrites(): Promise<bigint> {
    const head = await this.store.headPosition();
    await this.reach(head);
    return head;
  }

  /** Resolves once the read models reflect every event up to `position`. */
  async reach(position: bigint): Promise<void> {
    if (this.projected >= position) return;
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new DomainError('unavailable', 'projections_behind', 'the read models are behind the event log; retry shortly', { retryAfterSeconds: 1 }),
        );
      }, this.timeoutMs);
      const waiter: Waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
    this.metrics.readFenceWait.observe((performance.now() - started) / 1000);
  }

  private advance(position: bigint): void {
    if (position <= this.projected) return;
    this.projected = position;
    const ready = this.waiters.filter((w) => w.position <= position);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.position > position);
    for (const waiter of ready) waiter.resolve();
  }

  private async refresh(): Promise<void> {
    const [row]: { position: string }[] = await this.db.query(PROJECTED_POSITION_SQL).catch(() => []);
    if (row) this.advance(BigInt(row.position));
  }
}

/**
 * Puts every read of a controller behind the fence. Past it, the caller's token is checked once
 * more: a logout the fence waited for was announced (device_revoked) before the projector's
 * progress, so a device logged out through any process is refused here at once.
 */
@Injectable()
export class ReadYourWrites implements NestInterceptor {
  constructor(
    @Inject(ReadYourWritesFence) private readonly fence: ReadYourWritesFence,
    @Inject(DeviceRevocations) private readonly revocations: DeviceRevocations,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler) {
    const principal = context.switchToHttp().getRequest<{ principal?: Principal }>().principal;
    return from(this.fence.readYourWrites()).pipe(
      switchMap(() => {
        if (principal && this.revocations.isRevoked(principal.deviceId)) throw new AuthenticationError('this device was logged out');
        return next.handle();
      }),
    );
  }
}
