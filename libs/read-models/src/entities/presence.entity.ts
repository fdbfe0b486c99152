import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Last seen: the open connections of a user and when the last one closed. */
@Entity({ name: 'presence' })
export class PresenceRow {
  @PrimaryColumn({ name: 'user_id', type: 'text' }) userId: string;
  @Column({ name: 'open_connections', type: 'text', array: true, default: () => "'{}'" }) openConnections: string[];
  @Column({ name: 'last_seen', type: 'timestamptz', nullable: true }) lastSeen: Date | null;
}
