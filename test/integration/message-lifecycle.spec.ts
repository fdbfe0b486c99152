// docs/protocol.md, "Editing and deleting messages": edit within 15 minutes, delete for everyone
// within 60 hours (a group admin: any message), delete for me; deleted means erased everywhere.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { eventually, sendText, type TestUser } from '../support/client.js';
import { expectError } from '../support/expect.js';
import { groupHarness } from '../support/groups.js';
import { useTestSystem } from '../support/harness.js';
import { ManualClock } from '../support/manual-clock.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const clock = new ManualClock();
const t = groupHarness(useTestSystem({}, { clock }));

const edit = (user: TestUser, conversationId: string, messageId: string, body: unknown) =>
  t.api().request('PATCH', `/v1/conversations/${conversationId}/messages/${messageId}`, { body }, user.token);
const remove = (user: TestUser, conversationId: string, messageId: string, scope: string) =>
  t.api().request('DELETE', `/v1/conversations/${conversationId}/messages/${messageId}?for=${scope}`, undefined, user.token);
const historyOf = async (user: TestUser, conversationId: string, done: (messages: any[]) => boolean = () => true) =>
  (await eventually(() => t.history(user, conversationId), (r) => r.status === 200 && done(r.body))).body as any[];

/** Every row of every table of the database, as text, that contains `text`. */
async function rowsContaining(text: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: t.system.databaseUrl });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`);
    const found: string[] = [];
    for (const { table_name } of tables) {
      const { rows } = await client.query(`SELECT t::text AS row FROM ${table_name} t WHERE t::text LIKE $1`, [`%${text}%`]);
      found.push(...rows.map((r) => `${table_name}: ${r.row.slice(0, 200)}`));
    }
    return found;
  } finally {
    await client.end();
  }
}

describe('editing a message', () => {
  it('the sender edits within 15 minutes: 200, the recipient gets a message_edited frame, every history shows the new text and when', async () => {
    const [alice, bob] = await t.users(2);
    const sent = await sendText(t.api(), alice, bob, 'see you at 7');
    // Sockets open after the clock moves: the gateway's idle sweep runs on the same clock.
    clock.advance(15 * MINUTE);
    const bobSocket = await t.connect(bob);
    const edited = await edit(alice, sent.conversationId, sent.messageId, 'see you at 8');
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    expect(edited.body).toEqual({ messageId: sent.messageId, seq: 1, editedAt: clock.now().toISOString() });
    const [frame] = await bobSocket.nextOfType('message_edited');
    expect(frame).toEqual({
      type: 'message_edited', cursor: expect.any(String), conversationId: sent.conversationId, messageId: sent.messageId, seq: 1,
      senderId: alice.userId, body: 'see you at 8', editedAt: edited.body.editedAt,
    });
    // Read your own writes: the editor's next read shows the edit, with no waiting.
    expect((await t.history(alice, sent.conversationId)).body[0]).toMatchObject({ body: 'see you at 8', editedAt: edited.body.editedAt });
    for (const viewer of [alice, bob]) {
      const [message] = await historyOf(viewer, sent.conversationId, (m) => m[0]?.editedAt !== null);
      expect(message).toMatchObject({ body: 'see you at 8', editedAt: edited.body.editedAt, deletedAt: null });
    }
    const inbox = await t.inboxEntry(bob, sent.conversationId, (c) => c.lastMessage.body === 'see you at 8');
    expect(inbox.lastMessage.messageId).toBe(sent.messageId);
  });

  it('is refused a millisecond after the window, for someone else’s message, for a non-text message, and for empty text', async () => {
    const [alice, bob] = await t.users(2);
    const sent = await sendText(t.api(), alice, bob, 'typo');
    expectError(await edit(bob, sent.conversationId, sent.messageId, 'mine now'), 403, 'not_your_message');
    expectError(await edit(alice, sent.conversationId, sent.messageId, ''), 400, ['body']);
    expectError(await edit(alice, sent.conversationId, 'no-such-message', 'x'), 404, 'message_not_found');
    clock.advance(15 * MINUTE + 1);
    expectError(await edit(alice, sent.conversationId, sent.messageId, 'too late'), 403, 'edit_window_passed');
    const location = await t.api().post('/v1/messages', { clientMsgId: `loc-${Date.now()}`, to: { userId: bob.userId }, kind: 'location', body: '{"lat":1,"lng":2}' }, alice.token);
    expectError(await edit(alice, location.body.conversationId, location.body.messageId, '{"lat":3,"lng":4}'), 400, 'not_editable');
  });
});

describe('deleting a message for everyone', () => {
  it('leaves a tombstone at the same seq for everyone, tells both sides, and a repeat answers the same and records nothing', async () => {
    const [alice, bob] = await t.users(2);
    await sendText(t.api(), alice, bob, 'keep me');
    const doomed = await sendText(t.api(), alice, bob, 'delete me');
    clock.advance(60 * HOUR);
    const [aliceSocket, bobSocket] = [await t.connect(alice), await t.connect(bob)];
    const deleted = await remove(alice, doomed.conversationId, doomed.messageId, 'everyone');
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect(deleted.body).toEqual({ messageId: doomed.messageId, seq: 2 });
    for (const socket of [aliceSocket, bobSocket]) {
      const [frame] = await socket.nextOfType('message_deleted');
      expect(frame).toEqual({
        type: 'message_deleted', cursor: expect.any(String), conversationId: doomed.conversationId, messageId: doomed.messageId, seq: 2,
        senderId: alice.userId, deletedBy: alice.userId, deletedAt: clock.now().toISOString(),
      });
    }
    expect((await t.history(alice, doomed.conversationId)).body[1]).toMatchObject({ body: null, erased: true, deletedBy: alice.userId });
    for (const viewer of [alice, bob]) {
      const messages = await historyOf(viewer, doomed.conversationId, (m) => m[1]?.erased === true);
      expect(messages.map((m) => [m.seq, m.body, m.erased ?? false])).toEqual([[1, 'keep me', false], [2, null, true]]);
      expect(messages[1]).toMatchObject({ messageId: doomed.messageId, deletedAt: clock.now().toISOString(), deletedBy: alice.userId });
    }
    expect((await t.inboxEntry(bob, doomed.conversationId, (c) => c.lastMessage.erased === true)).lastMessage).toMatchObject({ body: null, erased: true });
    expect((await remove(alice, doomed.conversationId, doomed.messageId, 'everyone')).body).toEqual({ messageId: doomed.messageId, seq: 2 });
    await t.marker(alice, bob, bobSocket);
    expect(bobSocket.ofType('message_deleted')).toHaveLength(1);
    expectError(await edit(alice, doomed.conversationId, doomed.messageId, 'revive'), 409, 'message_deleted');
  });

  it('is refused to the other side and to the sender a millisecond after 60 hours', async () => {
    const [alice, bob] = await t.users(2);
    const sent = await sendText(t.api(), alice, bob, 'hmm');
    expectError(await remove(bob, sent.conversationId, sent.messageId, 'everyone'), 403, 'not_your_message');
    clock.advance(60 * HOUR + 1);
    expectError(await remove(alice, sent.conversationId, sent.messageId, 'everyone'), 403, 'delete_window_passed');
    expectError(await remove(alice, sent.conversationId, sent.messageId, 'nobody'), 400, ['for']);
  });

  it('erases the body and every edit of it from every table the server has, and a device catching up afterwards never receives it', async () => {
    const [alice, bob] = await t.users(2);
    const bobSocket = await t.connect(bob);
    await sendText(t.api(), alice, bob, 'before');
    await bobSocket.waitFor(() => bobSocket.ofType('message').length === 1);
    const cursorBefore = bobSocket.ofType('message')[0].cursor;
    const secret = `launch-code-${Date.now()}`;
    const sent = await sendText(t.api(), alice, bob, `${secret} v1`);
    expect((await edit(alice, sent.conversationId, sent.messageId, `${secret} v2`)).status).toBe(200);
    await bobSocket.waitFor(() => bobSocket.ofType('message_edited').length === 1);
    await historyOf(bob, sent.conversationId, (m) => m.length === 2 && m[1].body === `${secret} v2`);
    expect((await rowsContaining(secret)).length).toBeGreaterThan(0);

    expect((await remove(alice, sent.conversationId, sent.messageId, 'everyone')).status).toBe(200);
    await historyOf(bob, sent.conversationId, (m) => m[1]?.erased === true);
    await t.inboxEntry(bob, sent.conversationId, (c) => c.lastMessage.erased === true);
    await eventually(() => rowsContaining(secret), (rows) => rows.length === 0);

    const client = new pg.Client({ connectionString: t.system.databaseUrl });
    await client.connect();
    try {
      const keys = await client.query('SELECT wrapped, destroyed_at FROM es_data_keys WHERE key_id = $1', [sent.messageId]);
      expect(keys.rows).toEqual([{ wrapped: null, destroyed_at: expect.any(Date) }]);
      const stored = await client.query(`SELECT type, data->'body' AS body FROM es_events WHERE data->>'messageId' = $1 ORDER BY global_position`, [sent.messageId]);
      expect(stored.rows.map((r) => r.type)).toEqual(['MessageSent', 'MessageEdited', 'MessageDeleted']);
      for (const row of stored.rows.slice(0, 2)) expect(row.body).toEqual({ $sealed: expect.any(String) });
    } finally {
      await client.end();
    }

    const laptop = await t.connect(bob, cursorBefore);
    await laptop.waitFor(() => laptop.ofType('message_deleted').length === 1);
    expect(JSON.stringify(laptop.frames)).not.toContain(secret);
    const [message] = laptop.ofType('message');
    expect(message.message).toMatchObject({ messageId: sent.messageId, body: null, erased: true });
    expect(laptop.ofType('message_edited')[0]).toMatchObject({ messageId: sent.messageId, body: null, erased: true });
  });

  it('in a group: an admin deletes any member’s message at any age; a member may not delete another’s', async () => {
    const [owner, member, other] = await t.users(3);
    const groupId = await t.createGroup(owner, [member, other]);
    const sent = await t.send(member, groupId, 'off topic');
    expectError(await remove(other, groupId, sent.messageId, 'everyone'), 403, 'not_your_message');
    clock.advance(61 * HOUR);
    const deleted = await remove(owner, groupId, sent.messageId, 'everyone');
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    const messages = await historyOf(other, groupId, (m) => m[0]?.erased === true);
    expect(messages[0]).toMatchObject({ senderId: member.userId, deletedBy: owner.userId, body: null, erased: true });
  });
});

describe('deleting a message for me', () => {
  it('hides it from my history and tells only my devices; the other side keeps it; a repeat records nothing', async () => {
    const [alice, bob] = await t.users(2);
    const [aliceSocket, bobLaptop] = [await t.connect(alice), await t.connect(bob)];
    const sent = await sendText(t.api(), alice, bob, 'awkward');
    const hidden = await remove(bob, sent.conversationId, sent.messageId, 'me');
    expect(hidden.status, JSON.stringify(hidden.body)).toBe(200);
    expect(hidden.body).toEqual({ messageId: sent.messageId, seq: 1 });
    const [frame] = await bobLaptop.nextOfType('message_hidden');
    expect(frame).toEqual({ type: 'message_hidden', cursor: expect.any(String), conversationId: sent.conversationId, messageId: sent.messageId, seq: 1, at: clock.now().toISOString() });
    expect(await historyOf(bob, sent.conversationId)).toEqual([]);
    expect((await historyOf(alice, sent.conversationId)).map((m) => m.body)).toEqual(['awkward']);
    expect((await remove(bob, sent.conversationId, sent.messageId, 'me')).status).toBe(200);
    await t.marker(bob, alice, aliceSocket);
    expect(aliceSocket.ofType('message_hidden')).toEqual([]);
    await t.marker(alice, bob, bobLaptop);
    expect(bobLaptop.ofType('message_hidden')).toHaveLength(1);
    expectError(await edit(bob, sent.conversationId, sent.messageId, 'x'), 404, 'message_not_found');
  });

  it('is refused for a conversation the caller is not in', async () => {
    const [alice, bob, eve] = await t.users(3);
    const sent = await sendText(t.api(), alice, bob, 'private');
    expectError(await remove(eve, sent.conversationId, sent.messageId, 'me'), 404, 'message_not_found');
    expectError(await remove(eve, sent.conversationId, sent.messageId, 'everyone'), 404, 'message_not_found');
  });
});
