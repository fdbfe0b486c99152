import type { DataSource } from 'typeorm';
import type { EventStore } from '../../event-store/src/event-store.port.js';
import { frameSql } from './feed-frames.js';
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
  /** Resolves once the starting point is fixed: only then may the socket be called live. */
  readonly ready: Promise<void>;
  private readonly caughtUp: Promise<void>;

  /**
   * `since` is the client's cursor. Without one, the start is the event log's head now: what was
   * appended before the socket opened is not sent, even if it is not projected yet.
   */
  constructor(
    private readonly db: DataSource,
    store: EventStore,
    private readonly userId: string,
    since: bigint | undefined,
    private readonly send: (frame: string) => void,
  ) {
    this.ready = (since === undefined ? store.headPosition() : Promise.resolve(since)).then((start) => {
      this.sentUpTo = start;
    });
    this.caughtUp = this.ready.then(() => this.catchUp());
  }

  deliver(item: FeedItem): void {
    if (this.buffer) this.buffer.push(item);
    else this.sendIfNew(item);
  }

  /** Rejects if the catch-up failed (the socket should then be closed). */
  get done(): Promise<void> {
    return this.caughtUp;
  }

  private async catchUp(): Promise<void> {
    let rows: { position: string; frame: string }[];
    do {
      rows = await this.db.query(
        `SELECT i.position, ${frameSql('e', 'i.own')} AS frame
         FROM feed_items i JOIN feed_events e ON e.position = i.position
         WHERE i.user_id = $1 AND i.position > $2 ORDER BY i.position LIMIT ${CATCH_UP_PAGE}`,
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
