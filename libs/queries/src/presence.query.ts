import type { DataSource } from 'typeorm';
import { notFound } from '../../domain/src/errors.js';

export interface PresenceView {
  userId: string;
  online: boolean;
  lastSeen: string | null;
}

export class PresenceQuery {
  constructor(private readonly db: DataSource) {}

  async of(userId: string): Promise<PresenceView> {
    const rows: { open: number | null; last_seen: Date | null }[] = await this.db.query(
      `SELECT cardinality(p.open_connections) AS open, p.last_seen
       FROM users u LEFT JOIN presence p ON p.user_id = u.user_id WHERE u.user_id = $1`,
      [userId],
    );
    if (rows.length === 0) throw notFound('user_not_found', 'no user with that id');
    return { userId, online: (rows[0].open ?? 0) > 0, lastSeen: rows[0].last_seen?.toISOString() ?? null };
  }
}
