import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { Clock, systemClock } from '../../domain/src/clock.js';
import { DomainError } from '../../domain/src/errors.js';
import { AuthenticationError } from './tokens.js';

export interface LoginCodePolicy {
  ttlSeconds: number;
  perPhonePerHour: number;
  maxAttempts: number;
}

export class RateLimitedError extends DomainError {
  constructor(code: string, message: string, readonly retryAfterSeconds: number) {
    super('rate_limited', code, message, { retryAfterSeconds });
  }
}

const hashCode = (phone: string, code: string) => createHash('sha256').update(`${phone}:${code}`).digest();

/**
 * One-time login codes, kept hashed in PostgreSQL so every command-api instance shares them
 * and the per-phone limits hold across instances.
 */
export class LoginCodes {
  constructor(
    private readonly db: DataSource,
    private readonly policy: LoginCodePolicy,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Issues a fresh code for the phone (replacing any earlier one) and returns it. */
  async issue(phone: string): Promise<string> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      // Serialise requests for one phone so concurrent ones cannot both slip under the limit.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [phone]);
      const windowStart = new Date(now.getTime() - 3600_000);
      const recent: { requested_at: Date }[] = await tx.query(
        'SELECT requested_at FROM auth_code_requests WHERE phone = $1 AND requested_at > $2 ORDER BY requested_at',
        [phone, windowStart],
      );
      if (recent.length >= this.policy.perPhonePerHour) {
        const retryAfter = Math.ceil((recent[0].requested_at.getTime() + 3600_000 - now.getTime()) / 1000);
        throw new RateLimitedError('too_many_codes', 'too many codes requested for this phone; try again later', Math.max(retryAfter, 1));
      }
      const code = randomInt(0, 1_000_000).toString().padStart(6, '0');
      await tx.query('DELETE FROM auth_code_requests WHERE phone = $1 AND requested_at <= $2', [phone, windowStart]);
      await tx.query('INSERT INTO auth_code_requests (phone, requested_at) VALUES ($1, $2)', [phone, now]);
      await tx.query(
        `INSERT INTO auth_codes (phone, code_hash, expires_at, failed_attempts) VALUES ($1, $2, $3, 0)
         ON CONFLICT (phone) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, failed_attempts = 0`,
        [phone, hashCode(phone, code).toString('hex'), new Date(now.getTime() + this.policy.ttlSeconds * 1000)],
      );
      return code;
    });
  }

  /** Consumes the phone's code if `code` matches; a wrong guess counts against the code. */
  async consume(phone: string, code: string): Promise<void> {
    const now = this.clock.now();
    // The outcome is decided inside the transaction and raised after it commits, so a wrong
    // guess's count is kept.
    const outcome = await this.db.transaction(async (tx): Promise<'ok' | 'missing' | 'void' | 'wrong'> => {
      const rows: { code_hash: string; expires_at: Date; failed_attempts: number }[] = await tx.query(
        'SELECT code_hash, expires_at, failed_attempts FROM auth_codes WHERE phone = $1 FOR UPDATE',
        [phone],
      );
      const row = rows[0];
      if (!row || row.expires_at <= now) return 'missing';
      if (row.failed_attempts >= this.policy.maxAttempts) return 'void';
      if (!timingSafeEqual(Buffer.from(row.code_hash, 'hex'), hashCode(phone, code))) {
        await tx.query('UPDATE auth_codes SET failed_attempts = failed_attempts + 1 WHERE phone = $1', [phone]);
        return 'wrong';
      }
      await tx.query('DELETE FROM auth_codes WHERE phone = $1', [phone]);
      return 'ok';
    });
    if (outcome === 'missing') throw new AuthenticationError('no valid code for this phone; request a new one');
    if (outcome === 'void') throw new RateLimitedError('code_void', 'too many wrong codes; request a new one', 60);
    if (outcome === 'wrong') throw new AuthenticationError('wrong code');
  }
}
