import { eventTime } from '../../domain/src/event-time.js';
import { isGroupConversation, streams } from '../../domain/src/streams.js';
import type { EventStore, StoredEvent } from '../../event-store/src/event-store.port.js';

/**
 * When a fact happened: the event's own time (`sentAt`, `at`, `registeredAt`, `createdAt`:
 * set by the command that decided it), or, for an event without one, when the store recorded
 * it. Time filters of the replay and the state-as-of-time both use it.
 */
export function occurredAt(event: StoredEvent): Date {
  return eventTime(event.data) ?? event.recordedAt;
}

export interface ReplayFilter {
  /** Only these event types. */
  types?: string[];
  /** Only these streams (exact ids). */
  streams?: string[];
  /** Only streams whose id starts with this. */
  streamPrefix?: string;
  /** occurredAt >= from. */
  from?: Date;
  /** occurredAt < to. */
  to?: Date;
}

/** What to read: the whole log, or a fixed set of streams (merged in log order). */
export type ReplayScope = { kind: 'all' } | { kind: 'streams'; streamIds: string[] };

export interface EventView {
  /** Global position: the cursor. */
  position: string;
  id: string;
  streamId: string;
  streamVersion: number;
  type: string;
  schemaVersion: number;
  occurredAt: string;
  recordedAt: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export interface ReplayPage {
  events: EventView[];
  /** Pass as `after` to continue; it moves past filtered-out events too. */
  next: string;
  /** True when the page reached the end of the scope: nothing after `next` exists yet. */
  caughtUp: boolean;
}

export function toEventView(event: StoredEvent): EventView {
  const version = event.metadata?.schemaVersion;
  return {
    position: event.globalPosition.toString(),
    id: event.id,
    streamId: event.streamId,
    streamVersion: event.streamVersion,
    type: event.type,
    schemaVersion: typeof version === 'number' ? version : 1,
    occurredAt: occurredAt(event).toISOString(),
    recordedAt: event.recordedAt.toISOString(),
    data: event.data,
    metadata: event.metadata,
  };
}

export function matches(event: StoredEvent, filter: ReplayFilter): boolean {
  if (filter.types && !filter.types.includes(event.type)) return false;
  if (filter.streams && !filter.streams.includes(event.streamId)) return false;
  if (filter.streamPrefix !== undefined && !event.streamId.startsWith(filter.streamPrefix)) return false;
  if (filter.from || filter.to) {
    const time = occurredAt(event).getTime();
    if (filter.from && time < filter.from.getTime()) return false;
    if (filter.to && time >= filter.to.getTime()) return false;
  }
  return true;
}

const SCAN_BATCH = 1_000;

/**
 * Reads history through the event store port only, so it works on both adapters. The whole
 * log is scanned in batches (a page stops after `maxScan` events even with few matches and
 * says where to go on); a set of streams is read stream by stream and merged by position.
 */
export class ReplayQuery {
  constructor(
    private readonly store: EventStore,
    private readonly maxScan = 50_000,
  ) {}

  async page(scope: ReplayScope, filter: ReplayFilter, after: bigint, limit: number): Promise<ReplayPage> {
    return scope.kind === 'all' ? this.pageOfLog(filter, after, limit) : this.pageOfStreams(scope.streamIds, filter, after, limit);
  }

  /** Every matching event after `after`, page by page, up to the log's head when the export began. */
  async *export(scope: ReplayScope, filter: ReplayFilter, after: bigint): AsyncGenerator<EventView[]> {
    const head = await this.store.headPosition();
    let cursor = after;
    while (cursor < head) {
      const page = await this.page(scope, filter, cursor, SCAN_BATCH);
      const events = page.events.filter((e) => BigInt(e.position) <= head);
      if (events.length > 0) yield events;
      if (page.caughtUp || events.length < page.events.length || BigInt(page.next) <= cursor) return;
      cursor = BigInt(page.next);
    }
  }

  /** The streams that make up a conversation (or group): its own stream and every participant's receipt stream. */
  async conversationStreams(conversationId: string): Promise<string[] | null> {
    const events = await this.store.readStream(streams.conversation(conversationId));
    if (events.length === 0) return null;
    const users = new Set<string>();
    for (const { type, data } of events) {
      if (type === 'MessageSent') {
        users.add(data.senderId as string);
        for (const id of (data.recipientIds as string[] | undefined) ?? []) users.add(id);
      }
      if (type === 'GroupChanged') for (const id of (data.membersAfter as string[] | undefined) ?? []) users.add(id);
    }
    return [streams.conversation(conversationId), ...[...users].sort().map((userId) => streams.receipts(conversationId, userId))];
  }

  /** A user's own streams: registration and devices, and connections (presence). */
  userStreams(userId: string): string[] {
    return [streams.user(userId), streams.presence(userId)];
  }

  isGroup(conversationId: string): boolean {
    return isGroupConversation(conversationId);
  }

  private async pageOfLog(filter: ReplayFilter, after: bigint, limit: number): Promise<ReplayPage> {
    const events: EventView[] = [];
    let cursor = after;
    let scanned = 0;
    for (;;) {
      const batch = await this.store.readAll(cursor, SCAN_BATCH);
      for (const event of batch) {
        if (matches(event, filter)) {
          events.push(toEventView(event));
          if (events.length >= limit) return { events, next: event.globalPosition.toString(), caughtUp: false };
        }
        cursor = event.globalPosition;
      }
      scanned += batch.length;
      if (batch.length < SCAN_BATCH) return { events, next: cursor.toString(), caughtUp: true };
      if (scanned >= this.maxScan) return { events, next: cursor.toString(), caughtUp: false };
    }
  }

  private async pageOfStreams(streamIds: string[], filter: ReplayFilter, after: bigint, limit: number): Promise<ReplayPage> {
    const all = (await Promise.all(streamIds.map((id) => this.store.readStream(id))))
      .flat()
      .filter((event) => event.globalPosition > after)
      .sort((a, b) => (a.globalPosition < b.globalPosition ? -1 : a.globalPosition > b.globalPosition ? 1 : 0));
    const events: EventView[] = [];
    let cursor = after;
    for (const event of all) {
      if (matches(event, filter)) {
        events.push(toEventView(event));
        if (events.length >= limit) {
          const caughtUp = event === all[all.length - 1];
          return { events, next: event.globalPosition.toString(), caughtUp };
        }
      }
      cursor = event.globalPosition;
    }
    return { events, next: cursor.toString(), caughtUp: true };
  }
}
