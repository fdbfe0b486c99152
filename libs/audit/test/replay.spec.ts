import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streams } from '../../domain/src/streams.js';
import type { EventStore } from '../../event-store/src/event-store.port.js';
import { EventView, ReplayQuery } from '../src/replay.js';
import { messageSent, receipt, testEventStore } from '../../../test/support/audit-events.js';

const t = (minute: number) => `2025-02-01T10:${String(minute).padStart(2, '0')}:00.000Z`;

let env: Awaited<ReturnType<typeof testEventStore>>;
let store: EventStore;
const C1 = `d${randomBytes(6).toString('hex')}`;
const C2 = `d${randomBytes(6).toString('hex')}`;
/** Positions of the events written below, by name. */
const at: Record<string, bigint> = {};

beforeAll(async () => {
  env = await testEventStore();
  store = env.store;
  const put = async (name: string, stream: string, event: { type: string; data: Record<string, unknown> }) => {
    at[name] = (await store.append(stream, [event], 'any')).positions[0];
  };
  await put('c1m1', streams.conversation(C1), messageSent(C1, 1, 'u1', ['u2'], t(0)));
  await put('c2m1', streams.conversation(C2), messageSent(C2, 1, 'u3', ['u4'], t(1)));
  await put('c1d1', streams.receipts(C1, 'u2'), receipt('MessageDelivered', C1, 'u2', 1, t(2)));
  await put('c1m2', streams.conversation(C1), messageSent(C1, 2, 'u2', ['u1'], t(3)));
  await put('u1reg', streams.user('u1'), { type: 'UserRegistered', data: { userId: 'u1', phone: '+14155550100', registeredAt: t(4) } });
  await put('c1r1', streams.receipts(C1, 'u2'), receipt('MessageRead', C1, 'u2', 1, t(5)));
  await put('c2d1', streams.receipts(C2, 'u4'), receipt('MessageDelivered', C2, 'u4', 1, t(6)));
  await put('u1con', streams.presence('u1'), { type: 'DeviceConnected', data: { userId: 'u1', deviceId: 'p', connectionId: 'x', at: t(7) } });
});

afterAll(() => env?.close());

const names = (events: EventView[]) => events.map((e) => Object.entries(at).find(([, p]) => p.toString() === e.position)?.[0] ?? `other:${e.type}`);
const mine = (events: EventView[]) => names(events).filter((n) => !n.startsWith('other:'));
const start = () => at.c1m1 - 1n;

describe('replay of the whole log', () => {
  it('pages with cursors: every event once, in order, and a next cursor that continues', async () => {
    const replay = new ReplayQuery(store);
    const seen: EventView[] = [];
    let after = start();
    for (let pages = 0; pages < 10; pages++) {
      const page = await replay.page({ kind: 'all' }, {}, after, 3);
      seen.push(...page.events);
      after = BigInt(page.next);
      if (page.caughtUp) break;
    }
    expect(mine(seen)).toEqual(['c1m1', 'c2m1', 'c1d1', 'c1m2', 'u1reg', 'c1r1', 'c2d1', 'u1con']);
    expect(after).toBe(at.u1con);
  });

  it('filters by type', async () => {
    const page = await new ReplayQuery(store).page({ kind: 'all' }, { types: ['MessageDelivered', 'MessageRead'] }, start(), 100);
    expect(mine(page.events)).toEqual(['c1d1', 'c1r1', 'c2d1']);
  });

  it('filters by exact streams and by stream prefix', async () => {
    const replay = new ReplayQuery(store);
    const byStream = await replay.page({ kind: 'all' }, { streams: [streams.conversation(C2), streams.user('u1')] }, start(), 100);
    expect(mine(byStream.events)).toEqual(['c2m1', 'u1reg']);
    const byPrefix = await replay.page({ kind: 'all' }, { streamPrefix: `receipts-${C1}-` }, start(), 100);
    expect(mine(byPrefix.events)).toEqual(['c1d1', 'c1r1']);
  });

  it('filters by time range: from inclusive, to exclusive, on the time the event occurred', async () => {
    const page = await new ReplayQuery(store).page({ kind: 'all' }, { from: new Date(t(2)), to: new Date(t(5)) }, start(), 100);
    expect(mine(page.events)).toEqual(['c1d1', 'c1m2', 'u1reg']);
    expect(page.events[0].occurredAt).toBe(t(2));
  });

  it('combines filters, and a page of filtered-out events still moves the cursor', async () => {
    const replay = new ReplayQuery(store);
    const first = await replay.page({ kind: 'all' }, { types: ['MessageSent'], streamPrefix: `conversation-${C1}` }, start(), 1);
    expect(mine(first.events)).toEqual(['c1m1']);
    expect(first.next).toBe(at.c1m1.toString());
    const second = await replay.page({ kind: 'all' }, { types: ['MessageSent'], streamPrefix: `conversation-${C1}` }, BigInt(first.next), 1);
    expect(mine(second.events)).toEqual(['c1m2']);
    const rest = await replay.page({ kind: 'all' }, { types: ['MessageSent'], streamPrefix: `conversation-${C1}` }, BigInt(second.next), 10);
    expect(rest.events).toEqual([]);
    expect(rest.caughtUp).toBe(true);
    expect(BigInt(rest.next)).toBeGreaterThanOrEqual(at.u1con);
  });

  it('stops a page after maxScan events and says where to go on', async () => {
    const replay = new ReplayQuery(store, 1);
    const page = await replay.page({ kind: 'all' }, { types: ['NoSuchType'] }, start(), 10);
    expect(page.events).toEqual([]);
    // A scan budget of 1 still reads one batch; the cursor is where that batch ended.
    expect(BigInt(page.next)).toBeGreaterThanOrEqual(at.u1con);
  });

  it('views carry position, stream, version, schema version and the full data', async () => {
    const page = await new ReplayQuery(store).page({ kind: 'all' }, { types: ['UserRegistered'] }, start(), 10);
    expect(page.events[0]).toMatchObject({
      position: at.u1reg.toString(),
      streamId: 'user-u1',
      streamVersion: 1,
      type: 'UserRegistered',
      schemaVersion: 1,
      occurredAt: t(4),
      data: { userId: 'u1', phone: '+14155550100', registeredAt: t(4) },
    });
  });
});

describe('replay of a conversation and of a user', () => {
  it('a conversation is its stream and its participants\' receipts, merged in log order', async () => {
    const replay = new ReplayQuery(store);
    const streamIds = await replay.conversationStreams(C1);
    expect(streamIds).toEqual([streams.conversation(C1), streams.receipts(C1, 'u1'), streams.receipts(C1, 'u2')]);
    const page = await replay.page({ kind: 'streams', streamIds: streamIds! }, {}, 0n, 100);
    expect(mine(page.events)).toEqual(['c1m1', 'c1d1', 'c1m2', 'c1r1']);
    expect(page.caughtUp).toBe(true);
  });

  it('pages a stream scope with the same cursor semantics', async () => {
    const replay = new ReplayQuery(store);
    const streamIds = (await replay.conversationStreams(C1))!;
    const first = await replay.page({ kind: 'streams', streamIds }, {}, 0n, 2);
    expect(mine(first.events)).toEqual(['c1m1', 'c1d1']);
    expect(first.caughtUp).toBe(false);
    const second = await replay.page({ kind: 'streams', streamIds }, {}, BigInt(first.next), 2);
    expect(mine(second.events)).toEqual(['c1m2', 'c1r1']);
    const filtered = await replay.page({ kind: 'streams', streamIds }, { types: ['MessageRead'] }, 0n, 10);
    expect(mine(filtered.events)).toEqual(['c1r1']);
  });

  it('an unknown conversation has no streams', async () => {
    expect(await new ReplayQuery(store).conversationStreams('dnothing')).toBeNull();
  });

  it('a user is their user and presence streams', async () => {
    const replay = new ReplayQuery(store);
    const page = await replay.page({ kind: 'streams', streamIds: replay.userStreams('u1') }, {}, 0n, 10);
    expect(mine(page.events)).toEqual(['u1reg', 'u1con']);
  });
});

describe('export', () => {
  it('yields every matching event after the cursor up to the head, in pages', async () => {
    const replay = new ReplayQuery(store);
    const all: EventView[] = [];
    for await (const page of replay.export({ kind: 'all' }, { types: ['MessageSent'] }, start())) all.push(...page);
    expect(mine(all)).toEqual(['c1m1', 'c2m1', 'c1m2']);
  });
});
