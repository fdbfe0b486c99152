import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evolveDirectConversation, initialDirectConversation } from '../../domain/src/conversation/direct-conversation.js';
import { isEventOf } from '../../domain/src/event-types.js';
import { eventUpcasters, withUpcasting } from '../../platform/src/event-upcasting.js';
import type { EventStore, StoredEvent } from '../src/event-store.port.js';
import { PostgresEventStore } from '../src/postgres/postgres-event-store.js';
import { UpcasterRegistry } from '../src/upcasting/upcaster.js';
import { UpcastingEventStore } from '../src/upcasting/upcasting-event-store.js';
import { createTestDatabase } from '../../../test/support/database.js';

/**
 * Stored fixtures of an older event shape, appended raw to the PostgreSQL store (as the old
 * code wrote them) and read back through UpcastingEventStore on every read path.
 */
interface Fixture {
  streamId: string;
  events: { type: string; data: Record<string, unknown>; metadata: Record<string, unknown> }[];
}
const readFixture = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Fixture;
const fixture = readFixture('message-sent-v1.json');
const fixtureV2 = readFixture('message-sent-v2.json');

const EXPECTED_CURRENT = [
  {
    messageId: '7d1f6b0e-2b7a-4c55-9a57-0f7f0c1d2a01',
    conversationId: 'dfixtureconversation0000000001',
    conversationType: 'direct',
    seq: 1,
    senderId: 'u-alice',
    senderDeviceId: 'dev-alice-1',
    recipientIds: ['u-bob'],
    clientMsgId: 'c-1',
    kind: 'text',
    body: 'hello from 2024',
    mediaId: null,
    replyTo: null,
    forwardOf: null,
    forwardScore: 0,
    sentAt: '2024-03-01T09:00:00.000Z',
    expiresAt: null,
  },
  {
    messageId: '7d1f6b0e-2b7a-4c55-9a57-0f7f0c1d2a02',
    conversationId: 'dfixtureconversation0000000001',
    conversationType: 'direct',
    seq: 2,
    senderId: 'u-bob',
    senderDeviceId: 'dev-bob-1',
    recipientIds: ['u-alice'],
    clientMsgId: 'c-2',
    kind: 'text',
    body: 'hi alice',
    mediaId: null,
    replyTo: null,
    forwardOf: null,
    forwardScore: 0,
    sentAt: '2024-03-01T09:00:05.000Z',
    expiresAt: null,
  },
];

let pool: pg.Pool;
let raw: PostgresEventStore;
let store: EventStore;
let streamId: string;
let fixturePositions: bigint[];

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: await createTestDatabase(), max: 4 });
  await PostgresEventStore.migrate(pool);
  raw = new PostgresEventStore(pool);
  store = withUpcasting(raw);
  streamId = `${fixture.streamId}-${randomUUID()}`;
  ({ positions: fixturePositions } = await raw.append(streamId, fixture.events, 0));
});

afterAll(async () => {
  await store?.close();
  await pool?.end();
});

const dataOf = (events: StoredEvent[]) => events.filter((e) => e.streamId === streamId).map((e) => e.data);

describe('UpcastingEventStore over PostgreSQL with stored v1 and v2 fixtures', () => {
  it('the fixtures are stored in the old shape (the raw adapter sees v1)', async () => {
    const stored = await raw.readStream(streamId);
    expect(stored.map((e) => e.data.text)).toEqual(['hello from 2024', 'hi alice']);
    expect(stored.every((e) => !('recipientIds' in e.data))).toBe(true);
  });

  it('readStream upcasts to the current version (v4) and says so in the metadata', async () => {
    const events = await store.readStream(streamId);
    expect(events.map((e) => e.data)).toEqual(EXPECTED_CURRENT);
    expect(events.map((e) => e.metadata)).toEqual([
      { schemaVersion: 4, upcastFrom: 1 },
      { schemaVersion: 4, upcastFrom: 1 },
    ]);
  });

  it('readAll upcasts', async () => {
    const events = await store.readAll(fixturePositions[0] - 1n, 10);
    expect(dataOf(events)).toEqual(EXPECTED_CURRENT);
  });

  it('subscribeToAll hands upcast events to the handler', async () => {
    const seen: StoredEvent[] = [];
    let resolve!: () => void;
    const enough = new Promise<void>((r) => (resolve = r));
    const subscription = store.subscribeToAll({
      after: fixturePositions[0] - 1n,
      handle: async (events) => {
        seen.push(...events);
        if (dataOf(seen).length >= 2) resolve();
      },
    });
    await enough;
    await subscription.stop();
    expect(dataOf(seen)).toEqual(EXPECTED_CURRENT);
  });

  it('the domain folds upcast history exactly as current events', async () => {
    let state = initialDirectConversation();
    const history = (await store.readStream(streamId)).filter(isEventOf(['MessageSent']));
    for (const event of history) state = evolveDirectConversation(state, event);
    expect(state.participants).toEqual(['u-alice', 'u-bob']);
    expect(state.log.lastSeq).toBe(2);
  });

  it('v2 events gain their forwarding score: a forward counts one hop, an original none', async () => {
    const id = `${fixtureV2.streamId}-${randomUUID()}`;
    await raw.append(id, fixtureV2.events, 0);
    const events = await store.readStream(id);
    expect(events.map((e) => e.data)).toEqual(fixtureV2.events.map((e, i) => ({ ...e.data, forwardScore: i, expiresAt: null })));
    expect(events.map((e) => e.metadata)).toEqual([
      { schemaVersion: 4, upcastFrom: 2 },
      { schemaVersion: 4, upcastFrom: 2 },
    ]);
  });

  it('append stamps the current schema version; such events are read unchanged', async () => {
    const current = { ...EXPECTED_CURRENT[0], seq: 3, messageId: randomUUID(), body: 'new shape' };
    await store.append(streamId, [{ type: 'MessageSent', data: current }, { type: 'GroupChanged', data: { groupId: 'g1' } }], 2);
    const stored = (await raw.readStream(streamId, 2)).map((e) => e.metadata);
    expect(stored).toEqual([{ schemaVersion: 4 }, { schemaVersion: 1 }]);
    const read = await store.readStream(streamId, 2);
    expect(read[0].data).toEqual(current);
    expect(read[0].metadata).toEqual({ schemaVersion: 4 });
  });

  it('a v2 message (before disappearing messages) reads as one that never expires', async () => {
    const id = `conversation-v2-${randomUUID()}`;
    const { expiresAt, forwardScore, ...v2 } = EXPECTED_CURRENT[0];
    await raw.append(id, [{ type: 'MessageSent', data: v2, metadata: { schemaVersion: 2 } }], 0);
    const [read] = await store.readStream(id);
    expect(read.data).toEqual({ ...v2, expiresAt: null, forwardScore: 0 });
    expect([expiresAt, forwardScore]).toEqual([null, 0]);
    expect(read.metadata).toEqual({ schemaVersion: 4, upcastFrom: 2 });
  });

  it('an unstamped event already in the current shape (written before versions were stamped) passes through', async () => {
    const id = `conversation-unstamped-${randomUUID()}`;
    const current = { ...EXPECTED_CURRENT[0], recipientIds: ['u-carol'], body: 'current shape, no version' };
    await raw.append(id, [{ type: 'MessageSent', data: current }], 0);
    expect((await store.readStream(id))[0].data).toEqual(current);
  });

  it('refuses an event newer than the code instead of misreading it', async () => {
    const id = `conversation-future-${randomUUID()}`;
    await raw.append(id, [{ type: 'MessageSent', data: {}, metadata: { schemaVersion: 5 } }], 0);
    await expect(store.readStream(id)).rejects.toThrow(/newer than this code/);
  });
});

describe('UpcasterRegistry', () => {
  it('chains upcasters v1 → v2 → v3 and leaves the input untouched', () => {
    const registry = new UpcasterRegistry({ Thing: 3 }, [
      { type: 'Thing', fromVersion: 2, upcast: (d) => ({ ...d, c: (d.b as number) * 10 }) },
      { type: 'Thing', fromVersion: 1, upcast: (d) => ({ b: (d.a as number) + 1 }) },
    ]);
    const input = { a: 1 };
    expect(registry.upcast('Thing', 1, input)).toEqual({ data: { b: 2, c: 20 }, version: 3 });
    expect(registry.upcast('Thing', 2, { b: 5 })).toEqual({ data: { b: 5, c: 50 }, version: 3 });
    expect(input).toEqual({ a: 1 });
  });

  it('refuses a registry with a missing step', () => {
    expect(() => new UpcasterRegistry({ Thing: 3 }, [{ type: 'Thing', fromVersion: 1, upcast: (d) => d }])).toThrow(/no upcaster for Thing v2/);
  });

  it('the production registry covers every version it declares', () => {
    expect(() => eventUpcasters()).not.toThrow();
    expect(eventUpcasters().currentVersion('MessageSent')).toBe(4);
  });

  it('withUpcasting does not wrap twice', () => {
    const wrapped = withUpcasting(raw);
    expect(wrapped).toBeInstanceOf(UpcastingEventStore);
    expect(withUpcasting(wrapped)).toBe(wrapped);
  });
});
