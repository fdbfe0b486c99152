import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../../domain/src/clock.js';
import { DomainError, forbidden } from '../../domain/src/errors.js';
import { PgNotifications } from '../../platform/src/pg-notifications.js';
import type { ReadYourWritesFence } from '../../queries/src/read-your-writes.js';
import { SlidingWindowLimit } from './sliding-window-limit.js';
import { InOrder } from './in-order.js';
import type { LocalSockets } from './local-sockets.js';
import { isDirectConversationSql } from '../../read-models/src/sql/conversations.sql.js';
import type { SqlRunner } from '../../read-models/src/data-source.js';

export type TypingState = 'typing' | 'recording' | 'paused';

interface TypingSignal {
  conversationId: string;
  userId: string;
  state: TypingState;
}

/** As relayed between instances: with the log position the audience must be read at. */
interface RelayedSignal extends TypingSignal {
  position: string;
}

const CHANNEL = 'typing';
const EXPIRY_MS = 5_000;
/** Per device (one socket each): at most this many typing frames in any window of RATE_WINDOW_MS. */
const RATE_LIMIT = 10;
const RATE_WINDOW_MS = 5_000;

interface Audience {
  members: Set<string>;
  /** A block between the two people of a direct chat silences typing both ways. */
  blocked: boolean;
}

/**
 * Typing and recording indicators: relayed to the other current members of the conversation on
 * every query-api instance (through NOTIFY), never stored. An indicator not renewed within 5 s
 * is relayed as `paused` by the instance that received it.
 */
export class TypingRelay {
  private readonly expiries = new Map<string, TimerHandle>();
  private readonly rates = new SlidingWindowLimit(RATE_LIMIT, RATE_WINDOW_MS);
  private readonly frames = new InOrder((error) => this.logger.warn({ err: error }, 'typing relay failed'));

  constructor(
    private readonly db: SqlRunner,
    private readonly sockets: LocalSockets,
    private readonly fence: Pick<ReadYourWritesFence, 'readYourWrites' | 'reach'>,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  async start(notifications: PgNotifications): Promise<void> {
    await notifications.listen(CHANNEL, (payload) => this.frames.push(this.deliver(JSON.parse(payload) as RelayedSignal)));
  }

  /** Handles a client's typing frame; `deviceId` names the sender for rate limiting. */
  async receive(deviceId: string, signal: TypingSignal): Promise<void> {
    if (this.rates.hit(deviceId, this.clock.now().getTime()) > 0) {
      throw new DomainError('rate_limited', 'typing_rate_limited', `at most ${RATE_LIMIT} typing frames per ${RATE_WINDOW_MS / 1000} s`);
    }
    // The sender's own writes (the first message of a new chat, a group just joined) count.
    const position = (await this.fence.readYourWrites()).toString();
    const audience = await this.audience(signal.conversationId);
    if (!audience.members.has(signal.userId)) throw forbidden('not_a_participant', 'you are not a participant of this conversation');
    const key = `${signal.conversationId}\u0000${signal.userId}`;
    this.clock.clearTimeout(this.expiries.get(key));
    this.expiries.delete(key);
    if (signal.state !== 'paused') {
      this.expiries.set(
        key,
        this.clock.setTimeout(() => {
          this.expiries.delete(key);
          void this.publish({ ...signal, state: 'paused', position });
        }, EXPIRY_MS),
      );
    }
    await this.publish({ ...signal, position });
  }

  stop(): void {
    for (const timer of this.expiries.values()) this.clock.clearTimeout(timer);
    this.expiries.clear();
  }

  private publish(signal: RelayedSignal): Promise<unknown> {
    return PgNotifications.notify(this.db, CHANNEL, JSON.stringify(signal)).catch((error) =>
      this.logger.warn({ err: error }, 'could not publish typing'),
    );
  }

  /** Resolves to sending the frame to the audience connected here (typing never overtakes the paused after it). */
  private async deliver({ position, ...signal }: RelayedSignal): Promise<(() => void) | undefined> {
    const local = this.sockets.users().filter((id) => id !== signal.userId);
    if (local.length === 0) return undefined;
    await this.fence.reach(BigInt(position));
    const audience = await this.audience(signal.conversationId);
    if (audience.blocked) return undefined;
    const frame = JSON.stringify({ type: 'typing', ...signal });
    return () => {
      for (const userId of local) if (audience.members.has(userId)) this.sockets.send(userId, frame);
    };
  }

  /**
   * Current members, read fresh: someone removed a moment ago must not see typing. One query
   * per typing signal per instance (not per recipient); the per-socket rate limit bounds them.
   */
  private async audience(conversationId: string): Promise<Audience> {
    const [row]: { members: string[] | null; blocked: boolean }[] = await this.db.query(
      `SELECT array_agg(user_id) AS members,
              ${isDirectConversationSql('$1')} AND EXISTS (SELECT 1 FROM blocks WHERE blocker_id = ANY(array_agg(user_id)) AND blocked_id = ANY(array_agg(user_id))) AS blocked
       FROM conversation_members WHERE conversation_id = $1 AND visible_up_to IS NULL`,
      [conversationId],
    );
    return { members: new Set(row?.members ?? []), blocked: row?.blocked ?? false };
  }
}
