import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The frames of one feed-worthy event, as pushed live, stored once however many users receive them. */
@Entity({ name: 'feed_events' })
export class FeedEventRow {
  @PrimaryColumn({ type: 'bigint' }) position: string;
  @Column({ type: 'text' }) frame: string;
  /** The sender's own copy of a message (`status: "sent"`); null where everyone gets `frame`. */
  @Column({ name: 'own_frame', type: 'text', nullable: true }) ownFrame: string | null;
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
