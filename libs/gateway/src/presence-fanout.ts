import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { PgNotifications } from '../../platform/src/pg-notifications.js';
import { PRESENCE_CHANNEL } from '../../read-models/src/projection-progress.js';
import { mayViewSql } from '../../queries/src/privacy.sql.js';
import { InOrder } from './in-order.js';
import type { LocalSockets } from './local-sockets.js';
import { isConnectionLoss } from '../../net/src/pg-errors.js';
import { CURRENT_PEERS_SQL } from '../../read-models/src/sql/conversations.sql.js';

interface PresenceChange {
  userId: string;
  online: boolean;
  lastSeen: string | null;
}

/** A connected user who shares a conversation with the owner of a change, and what they may see of it. */
interface Viewer {
  owner_id: string;
  user_id: string;
  online: boolean;
  last_seen: boolean;
}

/**
 * Pushes `presence` frames when a user goes online or offline. One query per change finds,
 * among the users connected to this instance, those who share a conversation with the user and
 * what each may see under the user's privacy settings and blocks; there is no per-recipient
 * database round trip.
 */
export class PresenceFanout {
  private readonly frames = new InOrder((error) =>
    isConnectionLoss(error) ? this.logger.debug('presence fan-out skipped: the database is gone') : this.logger.warn({ err: error }, 'presence fan-out failed'),
  );

  constructor(
    private readonly db: DataSource,
    private readonly sockets: LocalSockets,
    private readonly logger: Logger,
  ) {}

  async start(notifications: PgNotifications): Promise<void> {
    await notifications.listen(PRESENCE_CHANNEL, (payload) => this.frames.push(this.fanOut(JSON.parse(payload) as PresenceChange[])));
  }

  /** One query for a whole announcement (up to 50 users going online or offline together); resolves to sending its frames. */
  private async fanOut(changes: PresenceChange[]): Promise<(() => void) | undefined> {
    const local = this.sockets.users();
    if (local.length === 0 || changes.length === 0) return undefined;
    const byUser = new Map(changes.map((c) => [c.userId, c]));
    const viewers: Viewer[] = await this.db.query(
      `SELECT v.owner_id, v.user_id,
              ${mayViewSql('online', 'v.owner_id', 'v.user_id')} AS online, ${mayViewSql('last_seen', 'v.owner_id', 'v.user_id')} AS last_seen
       FROM (SELECT p.user_id AS owner_id, p.peer_id AS user_id FROM (${CURRENT_PEERS_SQL}) p
              WHERE p.user_id = ANY($1) AND p.peer_id = ANY($2)) v`,
      [[...byUser.keys()], local],
    );
    return () => this.send(byUser, viewers);
  }

  private send(byUser: Map<string, PresenceChange>, viewers: Viewer[]): void {
    for (const viewer of viewers) {
      const change = byUser.get(viewer.owner_id)!;
      // Coming online is news only to those who may see "online"; going offline also to those who may see last seen.
      if (change.online ? !viewer.online : !viewer.online && !viewer.last_seen) continue;
      this.sockets.send(
        viewer.user_id,
        JSON.stringify({
          type: 'presence',
          userId: change.userId,
          online: viewer.online ? change.online : false,
          lastSeen: viewer.last_seen ? change.lastSeen : null,
        }),
      );
    }
  }
}
