import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Clock } from '../../domain/src/clock.js';
import { PeriodicJob } from '../../platform/src/periodic-job.js';
import type { SqlRunner } from '../../read-models/src/data-source.js';
import { mediaInUseSql } from '../../read-models/src/sql/media.sql.js';
import { objectKeysOf } from './media-library.js';
import type { MediaKeys } from './media-keys.js';
import type { MediaStorage } from './media-storage.port.js';

/** Media removed per query; more are taken at once when that many were due. */
const BATCH = 100;
/**
 * A send that named the media this recently may not be projected yet: its message is not in the
 * read models, so the media would look unused. The sweeper waits this long after the last use.
 */
export const IN_FLIGHT_GRACE_MS = 60_000;

export interface MediaSweeperLog {
  warn(details: object, message: string): void;
}

/**
 * Removes media nothing names any more: once every message naming it is erased (deleted for
 * everyone, expired), or, for an upload that was never sent nor made a profile photo or group
 * icon, once `unsentTtlMs` has passed. Its key is destroyed first (the projector has usually
 * done so already, when it projected the erasure), then its objects are deleted from storage.
 * Any number of command-api processes may run it: every step is harmless twice.
 */
export class MediaSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly job: PeriodicJob;

  constructor(
    private readonly db: SqlRunner,
    private readonly storage: MediaStorage,
    private readonly keys: MediaKeys,
    private readonly clock: Clock,
    private readonly options: { intervalMs: number; unsentTtlMs: number },
    log: MediaSweeperLog,
  ) {
    this.job = new PeriodicJob(clock, options.intervalMs, () => this.pass(), (error) => log.warn({ err: error }, 'media sweeper: pass failed; trying again at the next one'));
  }

  onApplicationBootstrap(): void {
    this.job.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.job.stop();
  }

  private async pass(): Promise<void> {
    const now = this.clock.now().getTime();
    for (;;) {
      const due: { media_id: string }[] = await this.db.query(
        `SELECT mo.media_id FROM media_objects mo
         WHERE mo.removed_at IS NULL AND coalesce(mo.used_at, mo.created_at) <= $1 AND NOT ${mediaInUseSql('mo.media_id')}
           AND (mo.created_at <= $2 OR EXISTS (SELECT 1 FROM messages m WHERE m.media_id = mo.media_id))
         ORDER BY mo.created_at LIMIT $3`,
        [new Date(now - IN_FLIGHT_GRACE_MS), new Date(now - this.options.unsentTtlMs), BATCH],
      );
      if (due.length === 0 || this.job.isStopped) return;
      const ids = due.map((row) => row.media_id);
      await this.keys.destroy(ids);
      await this.storage.delete(ids.flatMap(objectKeysOf));
      await this.db.query('UPDATE media_objects SET removed_at = $2 WHERE media_id = ANY($1)', [ids, new Date(now)]);
      if (due.length < BATCH) return;
    }
  }
}
