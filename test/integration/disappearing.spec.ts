// Disappearing messages over real HTTP and WebSockets, with a clock the test moves by hand.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { Api, eventually, registerUser, sendText, TestUser } from '../support/client.js';
import { expectError } from '../support/expect.js';
import { groupHarness } from '../support/groups.js';
import { useTestSystem } from '../support/harness.js';
import { ManualClock } from '../support/manual-clock.js';
import { startTestSystem, TestSystem } from '../support/system.js';
import { openTestEventStore } from '../support/event-store.js';
import { snapshotReadModels } from '../support/read-models.js';
import { Projector } from '../../libs/projections/src/projector.js';
import { AggregateStore } from '../../libs/commands/src/aggregate-store.js';
import { MessageLifecycleHandler } from '../../libs/commands/src/message-lifecycle.handler.js';
import { DEFAULT_LIFECYCLE_WINDOWS } from '../../libs/domain/src/conversation/message-log.js';
import { createReadModelDataSource } from '../../libs/read-models/src/data-source.js';

const DAY_S = 86_400;
const DAY_MS = DAY_S * 1000;

const setTimer = (api: Api, user: TestUser, conversationId: string, seconds: unknown) =>
  api.request('PUT', `/v1/conversations/${conversationId}/disappearing`, { seconds }, user.token);

/** The viewer's history once `done` holds for it. */
async function historyOf(api: Api, user: TestUser, conversationId: string, done: (messages: any[]) => boolean = () => true): Promise<any[]> {
  const result = await eventually(() => api.get(`/v1/conversations/${conversationId}/messages`, user.token), (r) => r.status === 200 && done(r.body));
  return result.body;
}

const byId = (messages: any[], messageId: string) => messages.find((m) => m.messageId === messageId);
const isErased = (messageId: string) => (messages: any[]) => byId(messages, messageId)?.erased === true;

/** Replays the whole log into the read models, as test/projector does. */
async function rebuildInProcess(databaseUrl: string): Promise<void> {
  const db = createReadModelDataSource(databaseUrl, 3);
  await db.initialize();
  const { store, close } = await openTestEventStore(databaseUrl, 3);
  try {
    await new Projector(db, store).rebuild(50);
  } finally {
    await close();
    await db.destroy();
  }
}

/** Raw reads of the stores: what is left of a message once it is erased. */
async function rawTraces(databaseUrl: string, messageId: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const events = await client.query('SELECT type, data FROM es_events WHERE data->>$2 = $1 ORDER BY global_position', [messageId, 'messageId']);
    const key = await client.query('SELECT wrapped FROM es_data_keys WHERE key_id = $1', [messageId]);
    const feed = await client.query('SELECT frame, own_frame FROM feed_events WHERE content_of = $1 OR frame LIKE $2 ORDER BY position', [messageId, `%"messageId":"${messageId}"%`]);
    const inbox = await client.query(`SELECT last_message FROM conversation_members WHERE last_message->>'messageId' = $1`, [messageId]);
    const messages = await client.query('SELECT body, erased, expires_at FROM messages WHERE message_id = $1', [messageId]);
    return { events: events.rows, key: key.rows, feed: feed.rows, inbox: inbox.rows, messages: messages.rows };
  } finally {
    await client.end();
  }
}

describe('disappearing messages', () => {
  const clock = new ManualClock();
  const h = groupHarness(useTestSystem({}, { clock }));
  const api = () => h.api();

  it('either participant of a direct chat sets the timer; both feeds are told and the inbox shows it; a repeat records nothing', async () => {
    const [alice, bob, carol] = await h.users(3);
    const { conversationId } = await sendText(api(), alice, bob, 'hi');
    const [aliceFeed, bobFeed] = [await h.connect(alice), await h.connect(bob)];

    const set = await setTimer(api(), bob, conversationId, DAY_S);
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ conversationId, seconds: DAY_S, changed: true });
    for (const feed of [aliceFeed, bobFeed]) {
      const [frame] = await feed.nextOfType('disappearing');
      expect(frame).toEqual({ type: 'disappearing', cursor: expect.any(String), conversationId, seconds: DAY_S, by: bob.userId, at: clock.now().toISOString() });
    }
    expect((await h.inboxEntry(alice, conversationId, (c) => c.disappearingSeconds === DAY_S)).disappearingSeconds).toBe(DAY_S);

    const again = await setTimer(api(), alice, conversationId, DAY_S);
    expect(again.body).toEqual({ conversationId, seconds: DAY_S, changed: false });
    await h.marker(alice, bob, bobFeed);
    expect(bobFeed.ofType('disappearing')).toHaveLength(1);

    expect((await setTimer(api(), alice, conversationId, 0)).body).toEqual({ conversationId, seconds: 0, changed: true });
    await bobFeed.nextOfType('disappearing', 2);
    expect(bobFeed.ofType('disappearing')[1]).toMatchObject({ seconds: 0, by: alice.userId });

    expectError(await setTimer(api(), carol, conversationId, DAY_S), 404, 'conversation_not_found');
    expectError(await setTimer(api(), alice, conversationId, 3600), 400);
    expectError(await setTimer(api(), alice, conversationId, String(DAY_S)), 400);
  });

  it('group admins set the timer and every member is told; other members are refused', async () => {
    const [owner, member, outsider] = await h.users(3);
    const groupId = await h.createGroup(owner, [member]);
    const memberFeed = await h.connect(member);

    expectError(await setTimer(api(), member, groupId, 7 * DAY_S), 403, 'not_an_admin');
    expectError(await setTimer(api(), outsider, groupId, 7 * DAY_S), 403, 'not_a_member');
    const set = await setTimer(api(), owner, groupId, 7 * DAY_S);
    expect(set.body).toEqual({ conversationId: groupId, seconds: 7 * DAY_S, changed: true });
    const [frame] = await memberFeed.nextOfType('disappearing');
    expect(frame).toMatchObject({ conversationId: groupId, seconds: 7 * DAY_S, by: owner.userId });
    expect((await h.inboxEntry(member, groupId, (c) => c.disappearingSeconds === 7 * DAY_S)).disappearingSeconds).toBe(7 * DAY_S);

    expect((await h.promote(owner, groupId, member.userId)).status).toBeLessThan(300);
    expect((await setTimer(api(), member, groupId, 0)).body).toEqual({ conversationId: groupId, seconds: 0, changed: true });
  });

  it('a message sent while on is erased exactly when due, not a millisecond before, everywhere the server keeps it; messages sent while off stay', async () => {
    const [alice, bob] = await h.users(2);
    const before = await sendText(api(), alice, bob, 'sent while off');
    const { conversationId } = before;
    await setTimer(api(), alice, conversationId, DAY_S);
    clock.advance(1); // the job's polls no longer fall on the message's due time: its own timer has to be exact
    const secret = await sendText(api(), bob, alice, 'the code is 4711');
    const dueAt = Date.parse(secret.sentAt) + DAY_MS;

    const sent = await historyOf(api(), alice, conversationId, (ms) => byId(ms, secret.messageId) !== undefined);
    expect(byId(sent, secret.messageId)).toMatchObject({ body: 'the code is 4711', expiresAt: new Date(dueAt).toISOString() });
    expect(byId(sent, before.messageId)).not.toHaveProperty('expiresAt');

    // A millisecond before: the job has looked (it set its timer for the due time) and left the message.
    clock.advance(dueAt - 1 - clock.now().getTime());
    await eventually(async () => clock.hasTimeoutDueIn(1), (due) => due);
    expect(byId(await historyOf(api(), alice, conversationId), secret.messageId).body).toBe('the code is 4711');
    expect((await rawTraces(h.system.databaseUrl, secret.messageId)).key[0].wrapped).toBeInstanceOf(Buffer);

    clock.advance(1);
    for (const viewer of [alice, bob]) {
      const history = await historyOf(api(), viewer, conversationId, isErased(secret.messageId));
      expect(byId(history, secret.messageId)).toMatchObject({ seq: secret.seq, body: null, erased: true, deletedAt: null, deletedBy: null });
      expect(byId(history, before.messageId).body).toBe('sent while off');
      const inbox = await h.inboxEntry(viewer, conversationId, (c) => c.lastMessage?.erased === true);
      expect(inbox.lastMessage).toMatchObject({ messageId: secret.messageId, body: null });
    }

    const traces = await eventually(() => rawTraces(h.system.databaseUrl, secret.messageId), (t) => t.key[0]?.wrapped === null);
    expect(JSON.stringify(traces)).not.toContain('4711');
    expect(traces.events.map((e) => e.type)).toEqual(['MessageSent', 'MessageExpired']);
    expect(traces.events[0].data.body).toEqual({ $sealed: expect.any(String) });
    expect(traces.events[1].data).toMatchObject({ senderId: bob.userId, expiresAt: new Date(dueAt).toISOString(), expiredAt: new Date(dueAt).toISOString() });
    expect(traces.messages).toEqual([{ body: null, erased: true, expires_at: new Date(dueAt) }]);
    expect(traces.inbox.every((r) => r.last_message.body === null)).toBe(true);
    expect(traces.feed.map((r) => JSON.parse(r.frame).type)).toEqual(['message', 'message_expired']);
    const erasedMessage = JSON.parse(traces.feed[0].frame).message;
    expect(erasedMessage).toMatchObject({ body: null, erased: true, expiresAt: new Date(dueAt).toISOString() });

    // A device catching up from before the message gets it erased, and then the expiry.
    const late = await h.connect(alice, '0');
    const [expired] = await late.nextOfType('message_expired');
    expect(expired).toEqual({
      type: 'message_expired', cursor: expect.any(String), conversationId, messageId: secret.messageId, seq: secret.seq,
      senderId: bob.userId, expiresAt: new Date(dueAt).toISOString(), expiredAt: new Date(dueAt).toISOString(),
    });
    expect(late.raw.join('')).not.toContain('4711');
  });
});

describe('disappearing messages across a restart', () => {
  const systems: TestSystem[] = [];
  afterAll(async () => {
    for (const system of systems) await system.close();
  });

  it('an erasure whose command died before destroying the key (only the event recorded) is finished by the projector', async () => {
    const system = await startTestSystem();
    systems.push(system);
    const api = new Api(system.baseUrl);
    const [alice, bob] = [await registerUser(api), await registerUser(api)];
    const sent = await sendText(api, alice, bob, 'half erased');
    // The deletion as a command that died right after appending it: its own destroy never ran.
    const dying = new MessageLifecycleHandler(new AggregateStore(system.runtime.eventStore), { destroy: async () => undefined }, DEFAULT_LIFECYCLE_WINDOWS);
    await dying.deleteForEveryone(alice.userId, sent.conversationId, sent.messageId);
    const client = new pg.Client({ connectionString: system.databaseUrl });
    await client.connect();
    try {
      const key = () => client.query('SELECT wrapped FROM es_data_keys WHERE key_id = $1', [sent.messageId]).then((r) => r.rows[0]);
      await eventually(key, (row) => row.wrapped === null);
    } finally {
      await client.end();
    }
    expect(byId(await historyOf(api, bob, sent.conversationId, isErased(sent.messageId)), sent.messageId)).toMatchObject({ body: null, erased: true });
  });

  it('what fell due while no process ran is erased when one starts; what was sent while off stays; a rebuild brings nothing back', async () => {
    const clock = new ManualClock();
    const first = await startTestSystem({}, { clock });
    systems.push(first);
    const api = new Api(first.baseUrl);
    const [alice, bob] = [await registerUser(api), await registerUser(api)];
    const off = await sendText(api, alice, bob, 'kept forever');
    await setTimer(api, alice, off.conversationId, DAY_S);
    const gone = await sendText(api, alice, bob, 'gone tomorrow');
    await setTimer(api, bob, off.conversationId, 0);
    const afterOff = await sendText(api, bob, alice, 'kept too');
    await historyOf(api, bob, off.conversationId, (ms) => ms.length === 3);
    await first.close();
    systems.pop();

    // Two days later, on the same database.
    const later = new ManualClock(new Date(Date.parse(gone.sentAt) + 2 * DAY_MS).toISOString());
    const second = await startTestSystem({ DATABASE_URL: first.databaseUrl }, { clock: later });
    systems.push(second);
    const api2 = new Api(second.baseUrl);
    const history = await historyOf(api2, bob, off.conversationId, isErased(gone.messageId));
    expect(byId(history, gone.messageId)).toMatchObject({ body: null, erased: true });
    expect(byId(history, off.messageId).body).toBe('kept forever');
    expect(byId(history, afterOff.messageId).body).toBe('kept too');
    const traces = await eventually(() => rawTraces(second.databaseUrl, gone.messageId), (t) => t.key[0]?.wrapped === null);
    expect(JSON.stringify(traces)).not.toContain('gone tomorrow');
    expect(traces.events[1].data.expiredAt).toBe(later.now().toISOString());

    // A rebuild from the log gives the same read models, and the erased body does not come back.
    await historyOf(api2, alice, off.conversationId, isErased(gone.messageId));
    await second.close();
    systems.pop();
    const served = await snapshotReadModels(second.databaseUrl);
    await rebuildInProcess(second.databaseUrl);
    const rebuilt = await snapshotReadModels(second.databaseUrl);
    expect(rebuilt).toEqual(served);
    expect(JSON.stringify(rebuilt)).not.toContain('gone tomorrow');
    expect(JSON.stringify(rebuilt)).toContain('kept forever');
  });
});
