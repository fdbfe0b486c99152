import type { EntityManager } from 'typeorm';
import { FEED_EVENT_TYPES, feedDeliveryOf } from '../../protocol/src/feed-frames.js';
import { HandledBy, Projection, unnestRows } from './projection.js';
import { FEED_PROJECTION } from '../../read-models/src/tables.js';

/**
 * The stored feed, for devices that catch up after `since`: exactly the frames the live push
 * sends (`feedDeliveryOf`), stored once per event (`feed_events`), and a small row per recipient
 * (`feed_items`) keyed by the event's global position, which is the cursor.
 */
export class FeedProjection implements Projection {
  readonly name = FEED_PROJECTION;
  readonly handles = FEED_EVENT_TYPES;

  async apply(db: EntityManager, events: HandledBy<FeedProjection>[]): Promise<void> {
    const deliveries = events.map((event) => feedDeliveryOf(event));
    const frames = unnestRows(
      [{ name: 'position', type: 'bigint' }, { name: 'frame', type: 'text' }, { name: 'own_frame', type: 'text' }],
      deliveries.map((d) => ({ position: d.position.toString(), frame: d.frame, own_frame: d.ownFrame })),
    );
    await db.query(`INSERT INTO feed_events (position, frame, own_frame) ${frames.sql} ON CONFLICT DO NOTHING`, frames.params);
    const items = unnestRows(
      [{ name: 'user_id', type: 'text' }, { name: 'position', type: 'bigint' }, { name: 'own', type: 'boolean' }],
      deliveries.flatMap((d) => d.recipients.map((r) => ({ user_id: r.userId, position: d.position.toString(), own: r.own }))),
    );
    await db.query(`INSERT INTO feed_items (user_id, position, own) ${items.sql} ON CONFLICT DO NOTHING`, items.params);
  }
}
