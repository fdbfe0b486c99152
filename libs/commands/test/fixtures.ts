import { type Clock, systemClock } from '../../domain/src/clock.js';
import type { SqlRunner } from '../../read-models/src/data-source.js';
import { DomainEvent, streams } from '../../domain/src/index.js';
import {
  AppendOptions,
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedVersion,
  StoredEvent,
} from '../../event-store/src/event-store.port.js';
import { InMemoryEventLog, InMemoryEventStore } from '../../event-store/src/memory/in-memory-event-store.js';

export const NOW = new Date('2026-03-01T10:00:00.000Z');
export const fixedClock: Clock = { ...systemClock, now: () => NOW };

interface AppendCall {
  streamId: string;
  expected: ExpectedVersion;
  types: string[];
  /** 'ok', or the name of the error the append was refused with. */
  outcome?: string;
}

/** A real in-memory store that records the appends and stream reads made through it. */
export class RecordingEventStore extends InMemoryEventStore {
  readonly appends: AppendCall[] = [];
  readonly reads: { streamId: string; afterVersion: number }[] = [];

  constructor(log?: InMemoryEventLog) {
    super(log);
  }

  override async append(streamId: string, events: EventToAppend[], expected: ExpectedVersion, options?: AppendOptions): Promise<AppendResult> {
    const call: AppendCall = { streamId, expected, types: events.map((e) => e.type) };
    this.appends.push(call);
    try {
      const result = await super.append(streamId, events, expected, options);
      call.outcome = 'ok';
      return result;
    } catch (error) {
      call.outcome = (error as Error).name;
      throw error;
    }
  }

  override readStream(streamId: string, afterVersion = 0): Promise<StoredEvent[]> {
    this.reads.push({ streamId, afterVersion });
    return super.readStream(streamId, afterVersion);
  }
}

/** A stream's events as the domain knows them. */
export async function eventsIn(store: EventStore, streamId: string): Promise<DomainEvent[]> {
  return (await store.readStream(streamId)).map(({ type, data }) => ({ type, data }) as DomainEvent);
}

/** Writes users' registrations straight into the store: the given facts of a test. */
export async function registerUsers(store: EventStore, ...userIds: string[]): Promise<void> {
  for (const userId of userIds) {
    await store.append(streams.user(userId), [{ type: 'UserRegistered', data: { userId, phone: '+14155550100', registeredAt: NOW.toISOString() } }], 0);
  }
}

/** For paths that must not touch the read model: any query fails the test. */
export const noReadModel = {
  query: async (sql: string) => {
    throw new Error(`the read model was queried: ${sql}`);
  },
} satisfies SqlRunner;

/**
 * A read model standing in for PostgreSQL's: it answers the two queries UserDirectory makes
 * (who is projected as registered; a profile's audience) from lists the test gives. The SQL
 * itself is covered by the end-to-end tests, not here.
 */
export function readModel(rows: { projectedUsers?: string[]; audience?: string[] }): SqlRunner {
  const query = async (sql: string, [ids]: [string[] | string]) => {
    if (/FROM users WHERE user_id = ANY/.test(sql)) return (rows.projectedUsers ?? []).filter((id) => (ids as string[]).includes(id)).map((user_id) => ({ user_id }));
    if (/conversation_members/.test(sql)) return (rows.audience ?? []).map((user_id) => ({ user_id }));
    throw new Error(`unexpected query: ${sql}`);
  };
  return { query };
}
