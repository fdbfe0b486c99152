import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'users' })
export class UserRow {
  @PrimaryColumn({ name: 'user_id', type: 'text' }) userId: string;
  @Column({ type: 'text', unique: true }) phone: string;
  @Column({ name: 'registered_at', type: 'timestamptz' }) registeredAt: Date;
}

@Entity({ name: 'devices' })
export class DeviceRow {
  @PrimaryColumn({ name: 'device_id', type: 'text' }) deviceId: string;
  @Index() @Column({ name: 'user_id', type: 'text' }) userId: string;
  @Column({ type: 'text' }) name: string;
  @Column({ name: 'logged_in_at', type: 'timestamptz' }) loggedInAt: Date;
  @Column({ name: 'logged_out_at', type: 'timestamptz', nullable: true }) loggedOutAt: Date | null;
}
