import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'groups' })
export class GroupRow {
  @PrimaryColumn({ name: 'group_id', type: 'text' }) groupId: string;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text' }) description: string;
  @Column({ name: 'icon_media_id', type: 'text', nullable: true }) iconMediaId: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'created_by', type: 'text' }) createdBy: string;
}

/** Current members and their roles. */
@Entity({ name: 'group_members' })
export class GroupMemberRow {
  @PrimaryColumn({ name: 'group_id', type: 'text' }) groupId: string;
  @PrimaryColumn({ name: 'user_id', type: 'text' }) userId: string;
  @Column({ type: 'text' }) role: 'admin' | 'member';
  @Column({ name: 'joined_at', type: 'timestamptz' }) joinedAt: Date;
}

/** Membership over time: the member sees messages with from_seq < seq <= to_seq (to_seq null: still a member). */
@Entity({ name: 'group_memberships' })
export class GroupMembershipRow {
  @PrimaryColumn({ name: 'group_id', type: 'text' }) groupId: string;
  @PrimaryColumn({ name: 'user_id', type: 'text' }) userId: string;
  @PrimaryColumn({ name: 'from_seq', type: 'integer' }) fromSeq: number;
  @Column({ name: 'to_seq', type: 'integer', nullable: true }) toSeq: number | null;
}

/** Every move of a member's receipt watermark, so "who has seen message N, and when" has an answer. */
@Entity({ name: 'receipt_history' })
export class ReceiptHistoryRow {
  @PrimaryColumn({ name: 'conversation_id', type: 'text' }) conversationId: string;
  @PrimaryColumn({ name: 'user_id', type: 'text' }) userId: string;
  @PrimaryColumn({ type: 'text' }) kind: 'delivered' | 'read';
  @PrimaryColumn({ name: 'up_to_seq', type: 'integer' }) upToSeq: number;
  @Column({ type: 'timestamptz' }) at: Date;
  /** False for a read made while read receipts were off: never shown to others. */
  @Column({ type: 'boolean', default: true }) shared: boolean;
}
