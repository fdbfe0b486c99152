import type { DataSource } from 'typeorm';
import { DomainError, streams } from '../../domain/src/index.js';
import { AggregateStore } from './aggregate-store.js';
import { UserAggregate } from './aggregates.js';

/**
 * Answers "do these users exist?" for commands. The users read model answers most ids in one
 * query; ids it does not know yet (registered a moment ago, not projected) are checked against
 * their streams, so the answer is exact.
 */
export class UserDirectory {
  constructor(
    private readonly aggregates: AggregateStore,
    private readonly db: DataSource,
  ) {}

  async assertExist(userIds: string[]): Promise<void> {
    const unique = [...new Set(userIds)];
    if (unique.length === 0) return;
    const rows: { user_id: string }[] = await this.db.query('SELECT user_id FROM users WHERE user_id = ANY($1)', [unique]);
    const known = new Set(rows.map((r) => r.user_id));
    const unknown: string[] = [];
    for (const userId of unique.filter((id) => !known.has(id))) {
      const user = await this.aggregates.load(streams.user(userId), UserAggregate, true);
      if (!user.state.registered) unknown.push(userId);
    }
    if (unknown.length > 0) {
      throw new DomainError('not_found', 'user_not_found', unknown.length === 1 ? 'no user with that id' : 'no users with those ids', { userIds: unknown });
    }
  }
}
