import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'messages' })
export class MessageRow {
  @PrimaryColumn({ name: 'conversation_id', type: 'text' }) conversationId: string;
  @PrimaryColumn({ type: 'integer' }) seq: number;
  @Column({ name: 'message_id', type: 'text', unique: true }) messageId: string;
  @Column({ name: 'sender_id', type: 'text' }) senderId: string;
  @Column({ name: 'client_msg_id', type: 'text' }) clientMsgId: string;
  @Column({ type: 'text' }) kind: string;
  @Column({ type: 'text', nullable: true }) body: string | null;
  @Column({ name: 'media_id', type: 'text', nullable: true }) mediaId: string | null;
  @Column({ name: 'reply_to', type: 'text', nullable: true }) replyTo: string | null;
  @Column({ name: 'forward_of', type: 'text', nullable: true }) forwardOf: string | null;
  @Column({ name: 'sent_at', type: 'timestamptz' }) sentAt: Date;
}
