import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../../domain/src/events.js';
import type { CatchUpSubscription, EventStore, SubscribeOptions } from '../../event-store/src/event-store.port.js';
import { InMemoryEventStore } from '../../event-store/src/memory/in-memory-event-store.js';
import { Metrics } from '../../platform/src/metrics.js';
import { FEED_PROJECTION } from '../../read-models/src/tables.js';
import { feedDeliveryOf, frameFor, isFeedEvent } from '../../protocol/src/feed-frames.js';
import { EventLogTail } from '../src/event-log-tail.js';
import { FeedSession } from '../src/feed-session.js';

const at = '2026-03-01T10:00:00.000Z';

/** The i-th event of a varied log: bob receives some (as recipient or as sender), some are for others, some are on no feed. */
function eventNumber(i: number): DomainEvent {
  const message = (senderId: string, recipientId: string): DomainEvent => ({
    type: 'MessageSent',
    data: {
      messageId: `m${i}`, conversationId: `d-${senderId}-${recipientId}`, conversationType: 'direct', seq: i, senderId,
      senderDeviceId: `${senderId}-phone`, recipientIds: [recipientId], clientMsgId: `c${i}`, kind: 'text', body: `message ${i}`,
      mediaId: null, replyTo: null, forwardOf: null, forwardScore: 0, sentAt: at, expiresAt: null,
    },
  });
  switch (i % 5) {
    case 0: return message('alice', 'bob');
    case 1: return message('bob', 'alice');
    case 2: return message('carol', 'dave');
    case 3: return { type: 'MessageRead', data: { conversationId: 'd-alice-bob', userId: 'alice', upToSeq: i, at, audience: ['alice', 'bob'], shared: true } };
    default: return { type: 'DeviceConnected', data: { userId: 'bob', deviceId: 'bob-phone', connectionId: `conn${i}`, at } };
  }
}

/** A store whose subscriptions can be held, so the live tail lags behind the log. */
class LaggingStore extends InMemoryEventStore {
  private held = Promise.resolve();
  hold(): () => void {
    let release!: () => void;
    this.held = new Promise((resolve) => (release = resolve));
    return release;
  }
  override subscribeToAll(options: SubscribeOptions): CatchUpSubscription {
    return super.subscribeToAll({ ...options, handle: async (events) => (await this.held, options.handle(events)) });
  }
}

/**
 * The stored feed (projection_checkpoints, feed_items, feed_events) as FeedSession queries it,
 * projected from the log as FeedProjection does (feedDeliveryOf); its queries can be held.
 */
class StoredFeed {
  checkpoint: bigint | undefined;
  /** Positions the session was given from here, not from the log. */
  readonly served: bigint[] = [];
  queries = 0;
  private readonly rows: { userId: string; position: bigint; frame: string; contentOf: string | null }[] = [];
  private held = Promise.resolve();

  constructor(private readonly store: EventStore) {}

  async projectUpTo(position: bigint): Promise<void> {
    const from = this.checkpoint ?? 0n;
    for (const event of (await this.store.readAll(from, Number(position - from))).filter(isFeedEvent)) {
      const delivery = feedDeliveryOf(event);
      for (const r of delivery.recipients) this.rows.push({ userId: r.userId, position: delivery.position, frame: frameFor(delivery, r.own), contentOf: delivery.contentOf });
    }
    this.checkpoint = position;
  }

  hold(): () => void {
    let release!: () => void;
    this.held = new Promise((resolve) => (release = resolve));
    return release;
  }

  readonly db = {
    query: async (sql: string, params: string[]) => {
      this.queries++;
      await this.held;
      if (/FROM projection_checkpoints/.test(sql)) {
        return params[0] === FEED_PROJECTION && this.checkpoint !== undefined ? [{ position: this.checkpoint.toString() }] : [];
      }
      if (/FROM feed_items/.test(sql)) {
        const [userId, after, upTo] = params.map((p, i) => (i === 0 ? p : BigInt(p))) as [string, bigint, bigint];
        const limit = Number(/LIMIT (\d+)/.exec(sql)![1]);
        const page = this.rows.filter((r) => r.userId === userId && r.position > after && r.position <= upTo).slice(0, limit);
        this.served.push(...page.map((r) => r.position));
        return page.map((r) => ({ position: r.position.toString(), frame: r.frame, content_of: r.contentOf }));
      }
      throw new Error(`unexpected query: ${sql}`);
    },
  };
}

/** No message of these tests is deleted: erasure on catch-up is covered over real HTTP (message-lifecycle.spec.ts). */
const nothingErased = { erased: async () => new Set<string>() };

/** What a user's socket should receive in (after, upTo]: every feed frame of theirs in the log, in order. */
async function framesFor(store: EventStore, userId: string, after: bigint, upTo = BigInt(Number.MAX_SAFE_INTEGER)): Promise<string[]> {
  const frames: string[] = [];
  for (const event of (await store.readAll(after, Number(upTo - after))).filter(isFeedEvent)) {
    const delivery = feedDeliveryOf(event);
    const recipient = delivery?.recipients.find((r) => r.userId === userId);
    if (delivery && recipient) frames.push(frameFor(delivery, recipient.own));
  }
  return frames;
}

const append = async (store: EventStore, from: number, to: number) => {
  for (let i = from; i <= to; i++) await store.append(`stream-${i % 3}`, [eventNumber(i)], 'any');
};
/** The in-memory store and the tail hand events on through promise jobs only: one macrotask turn lets them all run. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('FeedSession', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const close of cleanup.splice(0)) await close();
  });

  async function setUp() {
    const store = new LaggingStore();
    const tail = new EventLogTail(store, new Metrics(), pino({ level: 'silent' }));
    const feed = new StoredFeed(store);
    cleanup.push(() => tail.stop(), () => store.close());
    const open = (since: bigint | undefined) => {
      const sent: string[] = [];
      const session = new FeedSession(feed.db, store, tail, 'bob', since, (frame) => sent.push(frame), nothingErased);
      cleanup.push(async () => session.unsubscribe());
      return { session, sent };
    };
    /** The position after which the tail would hand a socket registered now its live items. */
    const liveAfter = () => {
      const probe = tail.subscribe('probe', { deliver: () => undefined });
      probe.unsubscribe();
      return probe.liveAfter;
    };
    return { store, tail, feed, open, liveAfter };
  }

  it('catches up from the stored feed to its checkpoint, then from the log to the live point, then live: each frame once, in order', async () => {
    const { store, tail, feed, open, liveAfter } = await setUp();
    await append(store, 1, 20);
    await feed.projectUpTo(8n);
    await tail.start();
    await append(store, 21, 30);
    await settled();
    expect(liveAfter()).toBe(30n);

    // The catch-up waits on the database while more is appended: that goes to the live buffer.
    const release = feed.hold();
    const { session, sent } = open(3n);
    await append(store, 31, 40);
    await settled();
    expect(sent).toEqual([]);
    release();
    await session.done;
    await append(store, 41, 45);
    await settled();

    expect(sent).toEqual(await framesFor(store, 'bob', 3n));
    // Bob's items up to the checkpoint (events i % 5 of 0, 1 and 3), and none from later.
    expect(feed.served).toEqual([5n, 6n, 8n]);
    expect(session.cursor).toBe('45');
  });

  it('sends the stored frames of a message erased after the projector stored them without its body', async () => {
    const { store, tail, feed } = await setUp();
    await append(store, 1, 10);
    await feed.projectUpTo(10n);
    await tail.start();
    const erasedMessage = 'm5'; // alice → bob (i % 5 === 0)
    const sent: string[] = [];
    const session = new FeedSession(feed.db, store, tail, 'bob', 0n, (frame) => sent.push(frame), { erased: async (ids) => new Set(ids.filter((id) => id === erasedMessage)) });
    cleanup.push(async () => session.unsubscribe());
    await session.done;
    const frames = sent.map((frame) => JSON.parse(frame));
    expect(frames.find((f) => f.message?.messageId === erasedMessage)?.message).toMatchObject({ body: null, erased: true });
    expect(frames.filter((f) => f.type === 'message' && f.message.messageId !== erasedMessage).every((f) => typeof f.message.body === 'string')).toBe(true);
  });

  it('reads the stored feed only up to the live point when the projector is ahead of the tail', async () => {
    const { store, tail, feed, open, liveAfter } = await setUp();
    await append(store, 1, 10);
    await tail.start();
    const releaseTail = store.hold();
    await append(store, 11, 20);
    await feed.projectUpTo(20n);
    expect(liveAfter()).toBe(10n);

    const { session, sent } = open(2n);
    await session.done;
    expect(sent).toEqual(await framesFor(store, 'bob', 2n, 10n));
    expect(feed.served.every((position) => position <= 10n)).toBe(true);
    releaseTail();
    await settled();

    expect(sent).toEqual(await framesFor(store, 'bob', 2n));
    expect(session.cursor).toBe('20');
  });

  it('catches up from the log alone when the cursor is past the checkpoint', async () => {
    const { store, tail, feed, open } = await setUp();
    await append(store, 1, 15);
    await feed.projectUpTo(5n);
    await tail.start();

    const { session, sent } = open(9n);
    await session.done;

    expect(sent).toEqual(await framesFor(store, 'bob', 9n));
    expect(sent.length).toBeGreaterThan(0);
    expect(feed.served).toEqual([]);
  });

  it('pages through long stored feeds and logs', async () => {
    const { store, tail, feed, open } = await setUp();
    await append(store, 1, 6_000);
    await feed.projectUpTo(3_000n);
    await tail.start();

    const { session, sent } = open(0n);
    await session.done;

    const expected = await framesFor(store, 'bob', 0n);
    expect(sent).toEqual(expected);
    // 1,800 of bob's items are stored: more than one page of them, and more than one page of log after them.
    expect(feed.served).toHaveLength(1_800);
  });

  it('without a cursor, starts at the log head: nothing from before, even what the tail hands over late, and no database query', async () => {
    const { store, tail, feed, open } = await setUp();
    await append(store, 1, 5);
    await tail.start();
    const releaseTail = store.hold();
    await append(store, 6, 10);

    const { session, sent } = open(undefined);
    await session.ready;
    releaseTail();
    await session.done;
    await settled();
    expect(sent).toEqual([]);
    expect(session.cursor).toBe('10');
    expect(feed.queries).toBe(0);

    await append(store, 11, 15);
    await settled();
    expect(sent).toEqual(await framesFor(store, 'bob', 10n));
  });

  it('rejects done when the catch-up fails', async () => {
    const { store, tail } = await setUp();
    await tail.start();
    const failing = { query: async () => Promise.reject(new Error('database gone')) };
    const session = new FeedSession(failing, store, tail, 'bob', 0n, () => undefined, nothingErased);
    cleanup.push(async () => session.unsubscribe());
    await expect(session.done).rejects.toThrow('database gone');
  });
});
