import type { EntityManager } from 'typeorm';
import { FEED_EVENT_TYPES, feedDeliveryOf } from '../../protocol/src/feed-frames.js';
import { erasedFrame } from '../../protocol/src/views.js';
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
      [{ name: 'position', type: 'bigint' }, { name: 'frame', type: 'text' }, { name: 'own_frame', type: 'text' }, { name: 'content_of', type: 'text' }],
      deliveries.map((d) => ({ position: d.position.toString(), frame: d.frame, own_frame: d.ownFrame, content_of: d.contentOf })),
    );
    await db.query(`INSERT INTO feed_events (position, frame, own_frame, content_of) ${frames.sql} ON CONFLICT DO NOTHING`, frames.params);
    const items = unnestRows(
      [{ name: 'user_id', type: 'text' }, { name: 'position', type: 'bigint' }, { name: 'own', type: 'boolean' }],
      deliveries.flatMap((d) => d.recipients.map((r) => ({ user_id: r.userId, position: d.position.toString(), own: r.own }))),
    );
    await db.query(`INSERT INTO feed_items (user_id, position, own) ${items.sql} ON CONFLICT DO NOTHING`, items.params);
    await eraseContent(db, events.flatMap((e) => (e.type === 'MessageDeleted' || e.type === 'MessageExpired' ? [e.data.messageId] : [])));
  }
}

/**
 * A deleted or expired message's frames (the message, its edits) are rewritten as a rebuild would make
 * them from the log once the message's key is gone: same frames, no body.
 */
async function eraseContent(db: EntityManager, messageIds: string[]): Promise<void> {
  if (messageIds.length === 0) return;
  const rows: { position: string; frame: string; own_frame: string | null }[] = await db.query(
    'SELECT position, frame, own_frame FROM feed_events WHERE content_of = ANY($1)',
    [messageIds],
  );
  for (const row of rows) {
    await db.query('UPDATE feed_events SET frame = $2, own_frame = $3 WHERE position = $1', [
      row.position,
      erasedFrame(row.frame),
      row.own_frame === null ? null : erasedFrame(row.own_frame),
    ]);
  }
}
