import type { DataSource } from 'typeorm';
import { notFound } from '../../domain/src/errors.js';
import { mayViewSql } from './privacy.sql.js';

export interface PresenceView {
  userId: string;
  online: boolean;
  lastSeen: string | null;
}

export class PresenceQuery {
  constructor(private readonly db: DataSource) {}

  /** Online and last seen as the user's privacy settings and blocks let the viewer see them. */
  async of(viewerId: string, userId: string): Promise<PresenceView> {
    const rows: { open: number | null; last_seen: Date | null; see_online: boolean; see_last_seen: boolean }[] = await this.db.query(
      `SELECT cardinality(p.open_connections) AS open, p.last_seen,
              ${mayViewSql('online', 'u.user_id', '$2')} AS see_online, ${mayViewSql('last_seen', 'u.user_id', '$2')} AS see_last_seen
       FROM users u LEFT JOIN presence p ON p.user_id = u.user_id WHERE u.user_id = $1`,
      [userId, viewerId],
    );
    if (rows.length === 0) throw notFound('user_not_found', 'no user with that id');
    const [r] = rows;
    return {
      userId,
      online: r.see_online && (r.open ?? 0) > 0,
      lastSeen: r.see_last_seen ? (r.last_seen?.toISOString() ?? null) : null,
    };
  }
}
