import { DomainError, streams } from '../../domain/src/index.js';
import type { EventStore } from '../../event-store/src/event-store.port.js';
import { foldStream } from './aggregate-store.js';
import { UserAggregate } from './aggregates.js';
import type { SqlRunner } from '../../read-models/src/data-source.js';
import { CURRENT_PEERS_SQL } from '../../read-models/src/sql/conversations.sql.js';

/**
 * Answers "do these users exist?" for commands from the users' own streams (the command side's
 * state, never a read model), so a user registered a moment ago is known at once.
 */
export class UserDirectory {
  /** Registration is permanent, so a user once seen registered never needs checking again. */
  private readonly known = new Set<string>();

  constructor(
    private readonly store: EventStore,
    private readonly db: SqlRunner,
  ) {}

  /**
   * The ids among these that belong to registered users, exactly: the read model answers most in
   * one query, and the rest are checked against their streams (registered a moment ago, not yet projected).
   */
  async registered(userIds: string[]): Promise<Set<string>> {
    const unique = [...new Set(userIds)];
    const rows: { user_id: string }[] = await this.db.query('SELECT user_id FROM users WHERE user_id = ANY($1)', [unique]);
    for (const row of rows) this.known.add(row.user_id);
    return this.registeredInLog(unique);
  }

  /** Who should hear of a user's profile change: people in a conversation with them or holding them as a contact, minus those they block. */
  async profileAudience(userId: string): Promise<string[]> {
    const rows: { user_id: string }[] = await this.db.query(
      `SELECT peer_id AS user_id FROM (${CURRENT_PEERS_SQL}) p WHERE p.user_id = $1
       UNION
       SELECT user_id FROM contacts WHERE contact_id = $1
       EXCEPT
       SELECT blocked_id FROM blocks WHERE blocker_id = $1`,
      [userId],
    );
    return rows.map((r) => r.user_id).sort();
  }

  async assertExist(userIds: string[]): Promise<void> {
    const unique = [...new Set(userIds)];
    const found = await this.registeredInLog(unique);
    const unknown = unique.filter((id) => !found.has(id));
    if (unknown.length > 0) {
      throw new DomainError('not_found', 'user_not_found', unknown.length === 1 ? 'no user with that id' : 'no users with those ids', { userIds: unknown });
    }
  }

  /**
   * Which of these are registered, by their own streams. Read without the aggregate cache: a
   * contact sync asks about up to a thousand numbers, most of them nobody, which must not evict
   * the conversation states that sends need.
   */
  private async registeredInLog(userIds: string[]): Promise<Set<string>> {
    const unsure = userIds.filter((id) => !this.known.has(id));
    const streamsRead = await Promise.all(unsure.map((id) => this.store.readStream(streams.user(id))));
    unsure.forEach((id, i) => {
      const user = foldStream(UserAggregate, UserAggregate.initial(), streamsRead[i]);
      if (user.registered) this.known.add(id);
    });
    return new Set(userIds.filter((id) => this.known.has(id)));
  }
}
