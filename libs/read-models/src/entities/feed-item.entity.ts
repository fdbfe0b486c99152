import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The frame of one feed-worthy event, stored once however many users receive it. */
@Entity({ name: 'feed_events' })
export class FeedEventRow {
  @PrimaryColumn({ type: 'bigint' }) position: string;
  @Column({ type: 'jsonb' }) payload: Record<string, unknown>;
}

/**
 * Who receives which feed event, in the order of the event log. The cursor a client holds is
 * `position`, the global position of the event. `own` marks the sender's copy of a message.
 */
@Entity({ name: 'feed_items' })
export class FeedItemRow {
  @PrimaryColumn({ name: 'user_id', type: 'text' }) userId: string;
  @Index() @PrimaryColumn({ type: 'bigint' }) position: string;
  @Column({ type: 'boolean', default: false }) own: boolean;
}
