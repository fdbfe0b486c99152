import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * What each user's devices must receive, in the order of the event log. The cursor a client
 * holds is `position`, the global position of the event that produced the item.
 */
@Entity({ name: 'feed_items' })
export class FeedItemRow {
  @PrimaryColumn({ name: 'user_id', type: 'text' }) userId: string;
  @Index() @PrimaryColumn({ type: 'bigint' }) position: string;
  @Column({ type: 'jsonb' }) payload: Record<string, unknown>;
}
