import { Column, Entity, PrimaryColumn } from 'typeorm';

export interface LastMessage {
  messageId: string;
  seq: number;
  senderId: string;
  kind: string;
  body: string | null;
  sentAt: string;
}

/** The inbox: one row per (user, conversation), with that member's receipt watermarks. */
// No index on updated_at: a user's inbox is found by the primary key and sorted in memory, and
// leaving updated_at out of every index lets PostgreSQL update these hot rows in place (HOT).
@Entity({ name: 'conversation_members' })
export class ConversationMemberRow {
  @PrimaryColumn({ name: 'user_id', type: 'text' }) userId: string;
  @PrimaryColumn({ name: 'conversation_id', type: 'text' }) conversationId: string;
  @Column({ type: 'text' }) type: 'direct' | 'group';
  @Column({ name: 'peer_user_id', type: 'text', nullable: true }) peerUserId: string | null;
  @Column({ name: 'last_seq', type: 'integer' }) lastSeq: number;
  @Column({ name: 'last_message', type: 'jsonb', nullable: true }) lastMessage: LastMessage | null;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ name: 'delivered_up_to', type: 'integer', default: 0 }) deliveredUpTo: number;
  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true }) deliveredAt: Date | null;
  @Column({ name: 'read_up_to', type: 'integer', default: 0 }) readUpTo: number;
  @Column({ name: 'read_at', type: 'timestamptz', nullable: true }) readAt: Date | null;
  /** The read watermark as others may see it: reads made with read receipts off do not move it. */
  @Column({ name: 'shared_read_up_to', type: 'integer', default: 0 }) sharedReadUpTo: number;
  /** A former group member sees messages up to here; null while a member. */
  @Column({ name: 'visible_up_to', type: 'integer', nullable: true }) visibleUpTo: number | null;
}
