import type { DataSource, EntityManager } from 'typeorm';
import type { EventStore, StoredEvent } from '../../event-store/src/event-store.port.js';
import { LogFollower } from '../../event-store/src/log-follower.js';
import type { DataKeys } from '../../event-store/src/sealing/sealing-event-store.js';
import { SubscriptionDroppedError } from '../../event-store/src/store-failures.js';
import { FeedProjection } from './feed.projection.js';
import { GroupsProjection } from './groups.projection.js';
import { ReceiptsProjection } from './receipts.projection.js';
import { InboxProjection } from './inbox.projection.js';
import { CallsProjection } from './calls.projection.js';
import { LastSeenProjection } from './last-seen.projection.js';
import { MessagesProjection } from './messages.projection.js';
import { PeopleProjection } from './people.projection.js';
import type { Projection, ProjectionContext } from './projection.js';
import { isEventOf } from '../../domain/src/event-types.js';
import { PROJECTED_CHANNEL } from '../../read-models/src/projection-progress.js';
import { PROJECTION_TABLES } from '../../read-models/src/tables.js';
import { isConnectionLoss } from '../../net/src/pg-errors.js';
import { UsersProjection } from './users.projection.js';

/** Waits before resuming after a lost connection or a dropped subscription: 1 s, 2 s, … up to 10 s. */
const RETRY_MS = 1_000;
const MAX_RETRY_MS = 10_000;
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** In dependency order: the feed reads rows of the messages, inbox and receipts projections written earlier in the same transaction. */
export const allProjections = (): Projection[] => [
  new UsersProjection(),
  new GroupsProjection(),
  new MessagesProjection(),
  new InboxProjection(),
  new ReceiptsProjection(),
  new FeedProjection(),
  new PeopleProjection(),
  new LastSeenProjection(),
  new CallsProjection(),
];

export interface ProjectorObserver {
  onBatch?(events: number, lastPosition: bigint): void;
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
}

/**
 * Runs projections over the event log. Each batch is one transaction that locks the
 * projections' checkpoints, applies only the events past each checkpoint and moves the
 * checkpoints: a crash anywhere leaves rows and checkpoints consistent, and two projectors
 * running at once cannot apply an event twice.
 */
export class Projector {
  private follower?: LogFollower;
  private projectedUpTo = 0n;
  private stopping = false;

  constructor(
    private readonly db: DataSource,
    private readonly store: EventStore,
    private readonly projections: Projection[] = allProjections(),
    private readonly observer: ProjectorObserver = {},
    private readonly dataKeys?: Pick<DataKeys, 'destroy'>,
  ) {}

  /** The last position this projector has applied (and committed). */
  get position(): bigint {
    return this.projectedUpTo;
  }

  /**
   * Follows the log from the checkpoints. After a batch smaller than `maxBatchSize` the projector
   * lingers `lingerMs`, so under load it writes fewer, larger batches (each costs ~15 statements
   * however few its events); live delivery never waits for it, reads wait at most that much more.
   */
  async start(maxBatchSize = 1000, lingerMs = 0): Promise<void> {
    this.projectedUpTo = await this.lowestCheckpoint();
    this.follower = new LogFollower(this.store, {
      resumeAfter: () => this.lowestCheckpoint(),
      maxBatchSize,
      handle: async (events) => {
        await this.project(events);
        if (lingerMs > 0 && events.length < maxBatchSize) await delay(lingerMs);
      },
      // A lost connection (the database restarting) or a subscription the event store dropped (its
      // server restarting, a leader change) is waited out; a projection that fails is not skipped past.
      retryDelayMs: (attempt, error) =>
        isConnectionLoss(error) || error instanceof SubscriptionDroppedError ? Math.min(RETRY_MS * attempt, MAX_RETRY_MS) : undefined,
      onRetry: (error, attempt, delayMs) => this.observer.onRetry?.(error, attempt, delayMs),
    });
    this.follower.start();
  }

  /** Rejects if following the log fails for good (for example the projection SQL failed); not because it was stopped. */
  get failed(): Promise<void> {
    return (this.follower?.done ?? Promise.resolve()).catch((error: unknown) => {
      if (!this.stopping) throw error;
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.follower?.stop();
    this.follower = undefined;
  }

  async project(events: StoredEvent[], live = true): Promise<void> {
    if (events.length === 0) return;
    await this.db.transaction((tx) => this.projectWithin(tx, events, live));
    this.projectedUpTo = events[events.length - 1].globalPosition;
    this.observer.onBatch?.(events.length, this.projectedUpTo);
  }

  /** Applies a batch inside the caller's transaction (the rebuild's switch-over uses it). */
  async projectWithin(tx: EntityManager, events: StoredEvent[], live: boolean): Promise<void> {
    if (events.length === 0) return;
    const last = events[events.length - 1].globalPosition;
    // Read models are rebuildable and the checkpoint commits with them: if the last batches are
    // lost in a crash, they are projected again, identically (same positions, same rows). So the
    // projector need not wait for its commits to reach the disk.
    await tx.query('SET LOCAL synchronous_commit = off');
    const rows: { projection: string; position: string }[] = await tx.query(
      'SELECT projection, position FROM projection_checkpoints WHERE projection = ANY($1) FOR UPDATE',
      [this.projections.map((p) => p.name)],
    );
    const checkpoints = new Map(rows.map((r) => [r.projection, BigInt(r.position)]));
    const context: ProjectionContext = {
      live,
      destroyKeys: async (keyIds) => {
        if (live && keyIds.length > 0) await this.dataKeys?.destroy(keyIds);
      },
    };
    const advanced: string[] = [];
    for (const projection of this.projections) {
      const checkpoint = checkpoints.get(projection.name) ?? 0n;
      const fresh = events.filter((e) => e.globalPosition > checkpoint);
      if (fresh.length === 0) continue;
      // The checkpoint moves past the events the projection does not read, too.
      const handled = fresh.filter(isEventOf(projection.handles));
      if (handled.length > 0) await projection.apply(tx, handled, context);
      advanced.push(projection.name);
    }
    if (advanced.length > 0) {
      await tx.query('UPDATE projection_checkpoints SET position = $2 WHERE projection = ANY($1)', [advanced, last.toString()]);
    }
    if (live) await tx.query('SELECT pg_notify($1, $2)', [PROJECTED_CHANNEL, last.toString()]);
  }

  /** Empties the projections' tables and replays the whole log into them. */
  async rebuild(batchSize = 5000): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const projection of this.projections) {
        await tx.query(`TRUNCATE ${PROJECTION_TABLES[projection.name].join(', ')}`);
        await tx.query(
          `INSERT INTO projection_checkpoints (projection, position) VALUES ($1, 0)
           ON CONFLICT (projection) DO UPDATE SET position = 0`,
          [projection.name],
        );
      }
    });
    await this.catchUp(batchSize, false);
  }

  /** Projects everything up to the current head of the log, then returns the position reached. */
  async catchUp(batchSize = 5000, live = true): Promise<bigint> {
    let after = await this.lowestCheckpoint();
    for (;;) {
      const events = await this.store.readAll(after, batchSize);
      if (events.length === 0) return after;
      await this.project(events, live);
      after = events[events.length - 1].globalPosition;
    }
  }

  async lowestCheckpoint(): Promise<bigint> {
    const checkpoints = await this.ensureCheckpoints();
    return [...checkpoints.values()].reduce((min, p) => (p < min ? p : min));
  }

  private async ensureCheckpoints(): Promise<Map<string, bigint>> {
    const names = this.projections.map((p) => p.name);
    await this.db.query(
      `INSERT INTO projection_checkpoints (projection, position) SELECT unnest($1::text[]), 0 ON CONFLICT DO NOTHING`,
      [names],
    );
    const rows: { projection: string; position: string }[] = await this.db.query(
      'SELECT projection, position FROM projection_checkpoints WHERE projection = ANY($1)',
      [names],
    );
    return new Map(rows.map((r) => [r.projection, BigInt(r.position)]));
  }
}
