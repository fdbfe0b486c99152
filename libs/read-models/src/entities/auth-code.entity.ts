import { Column, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One-time login codes are secrets with a short life, not domain facts: they live in a
 * command-side table, never in the event log. Only a hash of the code is kept.
 */
@Entity({ name: 'auth_codes' })
export class AuthCodeRow {
  @PrimaryColumn({ type: 'text' }) phone: string;
  @Column({ name: 'code_hash', type: 'text' }) codeHash: string;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
  @Column({ name: 'failed_attempts', type: 'integer', default: 0 }) failedAttempts: number;
}

@Entity({ name: 'auth_code_requests' })
@Index(['phone', 'requestedAt'])
export class AuthCodeRequestRow {
  @PrimaryGeneratedColumn({ type: 'bigint' }) id: string;
  @Column({ type: 'text' }) phone: string;
  @Column({ name: 'requested_at', type: 'timestamptz' }) requestedAt: Date;
}
