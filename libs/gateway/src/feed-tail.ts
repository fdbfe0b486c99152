import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { FEED_CHANNEL } from '../../projections/src/projector.js';
import { PgNotifications } from '../../platform/src/pg-notifications.js';
import { frameSql } from './feed-frames.js';

export interface FeedItem {
  position: bigint;
  /** The frame as sent: the stored payload with its cursor. */
  frame: string;
}

export interface FeedListener {
  deliver(item: FeedItem): void;
}

const PAGE = 5_000;
const SAFETY_POLL_MS = 1_000;

/**
 * Follows the feed table for this query-api instance and hands each new item to the sockets
 * of its user that are open here. The projector commits feed rows in position order and
 * NOTIFYs after each batch, so "rows after the last position I read" is exact; one query
 * serves all sockets, however many recipients a batch has. A slow poll covers a lost
 * LISTEN connection.
 */
export class FeedTail {
  private last = 0n;
  private readonly listeners = new Map<string, Set<FeedListener>>();
  private timer?: NodeJS.Timeout;
  private pumping?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly db: DataSource,
    private readonly notifications: PgNotifications,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const rows: { head: string | null }[] = await this.db.query('SELECT max(position) AS head FROM feed_events');
    this.last = BigInt(rows[0].head ?? 0);
    await this.notifications.listen(FEED_CHANNEL, () => this.pump());
    this.notifications.onReconnect(() => this.pump());
    this.timer = setInterval(() => this.pump(), SAFETY_POLL_MS);
  }

  subscribe(userId: string, listener: FeedListener): () => void {
    let set = this.listeners.get(userId);
    if (!set) this.listeners.set(userId, (set = new Set()));
    set.add(listener);
    return () => {
      set!.delete(listener);
      if (set!.size === 0) this.listeners.delete(userId);
    };
  }

  /** Reads everything after the last position; coalesces calls that arrive meanwhile. */
  pump(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = (async () => {
      do {
        this.again = false;
        let rows: { user_id: string; position: string; own: boolean }[];
        do {
          rows = await this.db.query(
            `SELECT user_id, position, own FROM feed_items WHERE position > $1 ORDER BY position LIMIT ${PAGE}`,
            [this.last.toString()],
          );
          // Each event's frame is read and built once, however many local sockets receive it.
          const wanted = [...new Set(rows.filter((r) => this.listeners.has(r.user_id)).map((r) => r.position))];
          const frames = new Map<string, { shared: string; own: string }>();
          if (wanted.length > 0) {
            const events: { position: string; shared: string; own: string }[] = await this.db.query(
              `SELECT e.position, ${frameSql('e', 'false')} AS shared, ${frameSql('e', 'true')} AS own
               FROM feed_events e WHERE e.position = ANY($1::bigint[])`,
              [wanted],
            );
            for (const e of events) frames.set(e.position, e);
          }
          for (const row of rows) {
            const position = BigInt(row.position);
            this.last = position;
            const listeners = this.listeners.get(row.user_id);
            const frame = frames.get(row.position);
            if (!listeners || !frame) continue;
            const item = { position, frame: row.own ? frame.own : frame.shared };
            for (const listener of listeners) listener.deliver(item);
          }
        } while (rows.length === PAGE);
      } while (this.again && !this.stopped);
    })()
      .catch((error) => this.logger.warn({ err: error }, 'feed tail read failed; retrying on the next notification'))
      .finally(() => {
        this.pumping = undefined;
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.pumping;
  }
}
