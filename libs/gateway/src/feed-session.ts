import type { DataSource } from 'typeorm';
import type { FeedItem, FeedListener } from './feed-tail.js';

const CATCH_UP_PAGE = 1_000;

/**
 * Delivery to one socket: first what it missed (after its cursor), then live items. Live items
 * that arrive during the catch-up wait in a buffer; every item goes out at most once and in
 * position order, because only positions above the last one sent are sent.
 */
export class FeedSession implements FeedListener {
  private sentUpTo = 0n;
  private buffer: FeedItem[] | undefined = [];

  constructor(
    private readonly db: DataSource,
    private readonly userId: string,
    private readonly send: (frame: string) => void,
  ) {}

  deliver(item: FeedItem): void {
    if (this.buffer) this.buffer.push(item);
    else this.sendIfNew(item);
  }

  /** `since` is the client's cursor; without one, only items appended from now on are sent. */
  async catchUp(since: bigint | undefined): Promise<void> {
    if (since === undefined) {
      const rows: { head: string | null }[] = await this.db.query('SELECT max(position) AS head FROM feed_items WHERE user_id = $1', [this.userId]);
      this.sentUpTo = BigInt(rows[0].head ?? 0);
    } else {
      this.sentUpTo = since;
    }
    let rows: { position: string; frame: string }[];
    do {
      rows = await this.db.query(
        `SELECT position, jsonb_set(payload, '{cursor}', to_jsonb(position::text))::text AS frame
         FROM feed_items WHERE user_id = $1 AND position > $2 ORDER BY position LIMIT ${CATCH_UP_PAGE}`,
        [this.userId, this.sentUpTo.toString()],
      );
      for (const row of rows) this.sendIfNew({ position: BigInt(row.position), frame: row.frame });
    } while (rows.length === CATCH_UP_PAGE);
    const buffered = this.buffer ?? [];
    this.buffer = undefined;
    for (const item of buffered) this.sendIfNew(item);
  }

  private sendIfNew(item: FeedItem): void {
    if (item.position <= this.sentUpTo) return;
    this.sentUpTo = item.position;
    this.send(item.frame);
  }
}
