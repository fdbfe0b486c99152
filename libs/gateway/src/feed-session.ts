import type { EventStore } from '../../event-store/src/event-store.port.js';
import type { DataKeys } from '../../event-store/src/sealing/sealing-event-store.js';
import { erasedFrame } from '../../protocol/src/views.js';
import { feedDeliveryOf, frameFor, isFeedEvent } from '../../protocol/src/feed-frames.js';
import type { SqlRunner } from '../../read-models/src/data-source.js';
import { FEED_PROJECTION } from '../../read-models/src/tables.js';
import type { EventLogTail, FeedItem, FeedListener } from './event-log-tail.js';

const CATCH_UP_PAGE = 1_000;

/**
 * Delivery to one socket: first what it missed (after its cursor), then live items. The hand-over
 * is exact by position: the socket registers with the live tail first and learns the position L
 * after which the tail will hand it every item; the catch-up covers (since, L] from the stored
 * feed as far as the projector has written it, and from the event log itself beyond that (so a
 * lagging projector delays nothing); live items wait in a buffer meanwhile. Only positions above
 * the last one sent go out, so nothing is sent twice or out of order.
 */
export class FeedSession implements FeedListener {
  private sentUpTo = 0n;
  private buffer: FeedItem[] | undefined = [];
  private readonly liveAfter: bigint;
  /** Resolves once the starting point is fixed: only then may the socket be called live. */
  readonly ready: Promise<void>;
  private readonly caughtUp: Promise<void>;
  readonly unsubscribe: () => void;

  /**
   * `since` is the client's cursor. Without one, the start is the event log's head now: what was
   * appended before the socket opened is not sent.
   */
  constructor(
    private readonly db: SqlRunner,
    private readonly store: EventStore,
    tail: EventLogTail,
    private readonly userId: string,
    since: bigint | undefined,
    private readonly send: (frame: string) => void,
    private readonly dataKeys: Pick<DataKeys, 'erased'>,
  ) {
    ({ liveAfter: this.liveAfter, unsubscribe: this.unsubscribe } = tail.subscribe(userId, this));
    this.ready = (since === undefined ? store.headPosition() : Promise.resolve(since)).then((start) => {
      this.sentUpTo = start;
    });
    this.caughtUp = this.ready.then(() => (since === undefined ? this.goLive() : this.catchUp()));
  }

  /** Where this socket stands: the cursor of the last item sent, or the point from which it receives live items. */
  get cursor(): string {
    return this.sentUpTo.toString();
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
    // The checkpoint first: every feed row at or below it is committed and visible.
    const [checkpoint]: { position: string }[] = await this.db.query('SELECT position FROM projection_checkpoints WHERE projection = $1', [
      FEED_PROJECTION,
    ]);
    const projected = BigInt(checkpoint?.position ?? 0);
    const storedUpTo = projected < this.liveAfter ? projected : this.liveAfter;
    let rows: { position: string; frame: string; content_of: string | null }[];
    do {
      rows = await this.db.query(
        `SELECT i.position, CASE WHEN i.own AND e.own_frame IS NOT NULL THEN e.own_frame ELSE e.frame END AS frame, e.content_of
         FROM feed_items i JOIN feed_events e ON e.position = i.position
         WHERE i.user_id = $1 AND i.position > $2 AND i.position <= $3 ORDER BY i.position LIMIT ${CATCH_UP_PAGE}`,
        [this.userId, this.sentUpTo.toString(), storedUpTo.toString()],
      );
      // A message deleted after the projector's checkpoint still has its stored frames: its destroyed key says it is gone.
      const erased = await this.dataKeys.erased([...new Set(rows.flatMap((row) => (row.content_of === null ? [] : [row.content_of])))]);
      for (const row of rows) {
        const frame = row.content_of !== null && erased.has(row.content_of) ? erasedFrame(row.frame) : row.frame;
        this.sendIfNew({ position: BigInt(row.position), frame });
      }
    } while (rows.length === CATCH_UP_PAGE);
    // Beyond the projector: the log itself, through the same frames the live tail sends.
    let after = this.sentUpTo > storedUpTo ? this.sentUpTo : storedUpTo;
    while (after < this.liveAfter) {
      const events = await this.store.readAll(after, CATCH_UP_PAGE);
      if (events.length === 0) break;
      for (const event of events) {
        if (event.globalPosition > this.liveAfter) break;
        if (!isFeedEvent(event)) continue;
        const delivery = feedDeliveryOf(event);
        const recipient = delivery.recipients.find((r) => r.userId === this.userId);
        if (recipient) this.sendIfNew({ position: delivery.position, frame: frameFor(delivery, recipient.own) });
      }
      after = events[events.length - 1].globalPosition;
    }
    this.goLive();
  }

  private goLive(): void {
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
