import type { DataSource } from 'typeorm';

/** Where a publisher is in the event log. */
export interface PublisherCheckpoints {
  load(publisher: string): Promise<bigint>;
  /**
   * Moves the checkpoint from `from` to `to` if it is still at `from`; false if it is not (another
   * publisher of the same name moved it). No lock outlives the call, so nothing is held while
   * the caller talks to Kafka.
   */
  advance(publisher: string, from: bigint, to: bigint): Promise<boolean>;
}

/** The `analytics_checkpoints` table (migration 1765000000000-analytics-checkpoints). */
export class PgPublisherCheckpoints implements PublisherCheckpoints {
  constructor(private readonly db: DataSource) {}

  async load(publisher: string): Promise<bigint> {
    await this.db.query('INSERT INTO analytics_checkpoints (publisher, position) VALUES ($1, 0) ON CONFLICT DO NOTHING', [publisher]);
    const rows: { position: string }[] = await this.db.query('SELECT position FROM analytics_checkpoints WHERE publisher = $1', [publisher]);
    return BigInt(rows[0].position);
  }

  async advance(publisher: string, from: bigint, to: bigint): Promise<boolean> {
    const rows: { moved: number }[] = await this.db.query(
      `WITH moved AS (
         UPDATE analytics_checkpoints SET position = $3, updated_at = now() WHERE publisher = $1 AND position = $2 RETURNING 1
       ) SELECT count(*)::int AS moved FROM moved`,
      [publisher, from.toString(), to.toString()],
    );
    return rows[0].moved === 1;
  }
}
