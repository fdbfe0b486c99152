import type { DataSource } from 'typeorm';

/** Where a publisher is in the event log. */
export interface PublisherCheckpoints {
  load(publisher: string): Promise<bigint>;
  /**
   * Runs `work` with the publisher's checkpoint locked and stores the position it returns.
   * A second publisher of the same name waits, then sees the moved checkpoint.
   */
  advance(publisher: string, work: (current: bigint) => Promise<bigint>): Promise<void>;
}

/** The `analytics_checkpoints` table (migration 1765000000000-analytics-checkpoints). */
export class PgPublisherCheckpoints implements PublisherCheckpoints {
  constructor(private readonly db: DataSource) {}

  async load(publisher: string): Promise<bigint> {
    await this.ensure(publisher);
    const rows: { position: string }[] = await this.db.query('SELECT position FROM analytics_checkpoints WHERE publisher = $1', [publisher]);
    return BigInt(rows[0].position);
  }

  async advance(publisher: string, work: (current: bigint) => Promise<bigint>): Promise<void> {
    await this.ensure(publisher);
    await this.db.transaction(async (tx) => {
      const rows: { position: string }[] = await tx.query('SELECT position FROM analytics_checkpoints WHERE publisher = $1 FOR UPDATE', [publisher]);
      const current = BigInt(rows[0].position);
      const next = await work(current);
      if (next > current) {
        await tx.query('UPDATE analytics_checkpoints SET position = $2, updated_at = now() WHERE publisher = $1', [publisher, next.toString()]);
      }
    });
  }

  private async ensure(publisher: string): Promise<void> {
    await this.db.query('INSERT INTO analytics_checkpoints (publisher, position) VALUES ($1, 0) ON CONFLICT DO NOTHING', [publisher]);
  }
}
