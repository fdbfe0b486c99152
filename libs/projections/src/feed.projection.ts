import type { EntityManager } from 'typeorm';
import type { StoredEvent } from '../../event-store/src/event-store.port.js';
import { feedDeliveryOf, LoggedEvent } from '../../protocol/src/feed-frames.js';
import { FEED_PROJECTION } from '../../read-models/src/tables.js';
import { Projection, unnestRows } from './projection.js';

/**
 * The stored feed, for devices that catch up after `since`: exactly the frames the live push
 * sends (`feedDeliveryOf`), stored once per event (`feed_events`), and a small row per recipient
 * (`feed_items`) keyed by the event's global position, which is the cursor.
 */
export class FeedProjection implements Projection {
  readonly name = FEED_PROJECTION;

  async apply(db: EntityManager, events: StoredEvent[]): Promise<void> {
    const deliveries = events.flatMap((event) => feedDeliveryOf(event as unknown as LoggedEvent) ?? []);
    if (deliveries.length === 0) return;
    const frames = unnestRows(
      [{ name: 'position', type: 'bigint' }, { name: 'frame', type: 'text' }, { name: 'own_frame', type: 'text' }],
      deliveries.map((d) => [d.position.toString(), d.frame, d.ownFrame]),
    );
    await db.query(`INSERT INTO feed_events (position, frame, own_frame) ${frames.sql} ON CONFLICT DO NOTHING`, frames.params);
    const items = unnestRows(
      [{ name: 'user_id', type: 'text' }, { name: 'position', type: 'bigint' }, { name: 'own', type: 'boolean' }],
      deliveries.flatMap((d) => d.recipients.map((r) => [r.userId, d.position.toString(), r.own])),
    );
    await db.query(`INSERT INTO feed_items (user_id, position, own) ${items.sql} ON CONFLICT DO NOTHING`, items.params);
  }
}
