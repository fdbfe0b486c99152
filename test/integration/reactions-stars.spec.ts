import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { eventually, FeedClient, registerUser, sendText, TestUser } from '../support/client.js';
import { expectError } from '../support/expect.js';
import { groupHarness, ISO } from '../support/groups.js';
import { useTestSystem } from '../support/harness.js';

/** docs/protocol.md, "Reactions", "Stars" and "Replies": routes, history, the feed's frames and who gets them. */

const t = groupHarness(useTestSystem());
const api = () => t.api();

const REACTION_FRAME_KEYS = ['at', 'conversationId', 'cursor', 'emoji', 'messageId', 'seq', 'type', 'userId'];
const STAR_FRAME_KEYS = ['at', 'conversationId', 'cursor', 'messageId', 'seq', 'type'];

const messagePath = (conversationId: string, messageId: string) => `/v1/conversations/${conversationId}/messages/${messageId}`;
const react = (user: TestUser, conversationId: string, messageId: string, emoji: unknown) =>
  api().request('PUT', `${messagePath(conversationId, messageId)}/reaction`, { emoji }, user.token);
const unreact = (user: TestUser, conversationId: string, messageId: string) => api().request('DELETE', `${messagePath(conversationId, messageId)}/reaction`, undefined, user.token);
const star = (user: TestUser, conversationId: string, messageId: string) => api().request('PUT', `${messagePath(conversationId, messageId)}/star`, undefined, user.token);
const unstar = (user: TestUser, conversationId: string, messageId: string) => api().request('DELETE', `${messagePath(conversationId, messageId)}/star`, undefined, user.token);
const deleteMessage = (user: TestUser, conversationId: string, messageId: string, whom: 'everyone' | 'me') =>
  api().request('DELETE', `${messagePath(conversationId, messageId)}?for=${whom}`, undefined, user.token);
const starred = (user: TestUser, query = '') => api().get(`/v1/starred${query}`, user.token);

/** The message of `user`'s history with that id, once `done` holds for it. */
async function inHistory(user: TestUser, conversationId: string, messageId: string, done: (message: any) => boolean = () => true): Promise<any> {
  const result = await eventually(
    () => t.history(user, conversationId),
    (r) => r.status === 200 && r.body.some((m: any) => m.messageId === messageId && done(m)),
  );
  return result.body.find((m: any) => m.messageId === messageId);
}

const reactions = (socket: FeedClient) => socket.ofType('message_reacted').map((f) => [f.userId, f.emoji]);

/** A second device of the same user. */
const secondDevice = (user: TestUser): Promise<TestUser> => registerUser(api(), user.phone, 'second device');

describe('reactions', () => {
  it('react, replace and remove: the answer, history and a frame for each change to both participants (all devices), none to others', async () => {
    const [alice, bob, carol] = await t.users(3);
    const bob2 = await secondDevice(bob);
    const [aliceLive, bobLive, bob2Live, carolLive] = await Promise.all([t.connect(alice), t.connect(bob), t.connect(bob2), t.connect(carol)]);
    const sent = await sendText(api(), alice, bob, 'hello');
    const { conversationId, messageId } = sent;

    const first = await react(bob, conversationId, messageId, '👍');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toEqual({ messageId, seq: 1, emoji: '👍' });
    expect((await inHistory(bob, conversationId, messageId)).reactions).toEqual([{ userId: bob.userId, emoji: '👍' }]);

    // The same reaction again records nothing; a new one replaces it; alice reacts too.
    expect((await react(bob, conversationId, messageId, '👍')).body).toEqual({ messageId, seq: 1, emoji: '👍' });
    expect((await react(bob, conversationId, messageId, '❤️')).status).toBe(200);
    expect((await react(alice, conversationId, messageId, '😂')).status).toBe(200);
    expect((await inHistory(bob, conversationId, messageId)).reactions).toEqual([
      { userId: bob.userId, emoji: '❤️' },
      { userId: alice.userId, emoji: '😂' },
    ]);
    const removed = await unreact(bob, conversationId, messageId);
    expect(removed.body).toEqual({ messageId, seq: 1, emoji: null });
    // Removing what is not there records nothing.
    expect((await unreact(bob, conversationId, messageId)).status).toBe(200);
    const aliceView = await inHistory(alice, conversationId, messageId, (m) => m.reactions.length === 1);
    expect(aliceView.reactions).toEqual([{ userId: alice.userId, emoji: '😂' }]);

    // A marker after the last change: every reaction frame has arrived by then, and no more than one per change.
    await t.marker(alice, bob, bobLive);
    const expected = [[bob.userId, '👍'], [bob.userId, '❤️'], [alice.userId, '😂'], [bob.userId, null]];
    for (const socket of [aliceLive, bobLive, bob2Live]) {
      await socket.waitFor(() => socket.ofType('message_reacted').length >= 4);
      expect(reactions(socket)).toEqual(expected);
    }
    await bob2Live.waitFor(() => bob2Live.ofType('message').length >= 2);
    expect(reactions(bob2Live)).toEqual(expected);
    const [frame] = bobLive.ofType('message_reacted');
    expect(Object.keys(frame).sort()).toEqual(REACTION_FRAME_KEYS);
    expect(frame).toMatchObject({ type: 'message_reacted', conversationId, messageId, seq: 1, userId: bob.userId, emoji: '👍' });
    expect(frame.at).toMatch(ISO);

    await t.marker(alice, carol, carolLive);
    expect(carolLive.ofType('message_reacted')).toEqual([]);

    // Replayed from the stored feed: the same frames, byte for byte.
    const before = bobLive.raw.findIndex((raw) => raw.includes('"type":"message"'));
    const replay = await t.connect(bob, bobLive.frames[before].cursor);
    await replay.waitFor(() => replay.ofType('message_reacted').length >= 4);
    expect(replay.raw.filter((raw) => raw.includes('"message_reacted"'))).toEqual(bobLive.raw.filter((raw) => raw.includes('"message_reacted"')));
  });

  it('emoji must be exactly one emoji (400 naming emoji); flags, skin tones, keycaps and ZWJ sequences are one', async () => {
    const [alice, bob] = await t.users(2);
    const { conversationId, messageId } = await sendText(api(), alice, bob, 'hello');
    for (const bad of ['', 'a', 'ok', '👍👍', '👍 ', '1', 'x'.repeat(100), '👍'.repeat(40), 42, null]) {
      expectError(await react(bob, conversationId, messageId, bad), 400, 'validation_failed', ['emoji']);
    }
    expectError(await api().request('PUT', `${messagePath(conversationId, messageId)}/reaction`, {}, bob.token), 400, 'validation_failed', ['emoji']);
    for (const good of ['🇫🇷', '👍🏽', '1️⃣', '👨‍👩‍👧‍👦', '❤', '🏴󠁧󠁢󠁳󠁣󠁴󠁿']) {
      const result = await react(bob, conversationId, messageId, good);
      expect(result.status, `${good}: ${JSON.stringify(result.body)}`).toBe(200);
    }
    expect((await inHistory(bob, conversationId, messageId)).reactions).toEqual([{ userId: bob.userId, emoji: '🏴󠁧󠁢󠁳󠁣󠁴󠁿' }]);
  });

  it('refused: a stranger to the chat (404), an unknown message (404), a message deleted for everyone (409) whose reactions are gone', async () => {
    const [alice, bob, mallory] = await t.users(3);
    const { conversationId, messageId } = await sendText(api(), alice, bob, 'hello');
    expectError(await react(mallory, conversationId, messageId, '👍'), 404, 'message_not_found');
    expectError(await react(bob, conversationId, 'no-such-message', '👍'), 404, 'message_not_found');

    expect((await react(bob, conversationId, messageId, '👍')).status).toBe(200);
    expect((await deleteMessage(alice, conversationId, messageId, 'everyone')).status).toBe(200);
    expectError(await react(bob, conversationId, messageId, '❤️'), 409, 'message_deleted');
    expectError(await unreact(bob, conversationId, messageId), 409, 'message_deleted');
    const tombstone = await inHistory(bob, conversationId, messageId, (m) => m.erased === true);
    expect(tombstone.reactions).toEqual([]);
  });

  it('in a group: frames to whoever could see the message only; a later joiner (404), a stranger (404) and a former member (403) may not react', async () => {
    const [alice, bob, carol, dave, mallory] = await t.users(5);
    const groupId = await t.createGroup(alice, [bob, dave]);
    const m1 = await t.send(alice, groupId, 'one');
    expect((await t.add(alice, groupId, [carol.userId])).status).toBe(200);
    expect((await t.remove(alice, groupId, dave.userId)).status).toBe(200);
    const [aliceLive, carolLive, daveLive] = await Promise.all([t.connect(alice), t.connect(carol), t.connect(dave)]);

    expectError(await react(carol, groupId, m1.messageId, '👍'), 404, 'message_not_found');
    expectError(await react(mallory, groupId, m1.messageId, '👍'), 404, 'message_not_found');
    expectError(await react(dave, groupId, m1.messageId, '👍'), 403, 'not_a_participant');
    expect((await react(bob, groupId, m1.messageId, '🎉')).status).toBe(200);

    // alice and dave (who saw message 1) are told; carol (who joined after it) is not.
    await aliceLive.waitFor(() => aliceLive.ofType('message_reacted').length === 1);
    await daveLive.waitFor(() => daveLive.ofType('message_reacted').length === 1);
    expect(reactions(daveLive)).toEqual([[bob.userId, '🎉']]);
    await t.marker(alice, carol, carolLive);
    expect(carolLive.ofType('message_reacted')).toEqual([]);
    expect((await inHistory(alice, groupId, m1.messageId, (m) => m.reactions.length === 1)).reactions).toEqual([{ userId: bob.userId, emoji: '🎉' }]);
  });
});

describe('stars', () => {
  it('star and unstar: only the starring user\'s devices are told; GET /v1/starred lists newest first, paged', async () => {
    const [alice, bob] = await t.users(2);
    const bob2 = await secondDevice(bob);
    const [aliceLive, bobLive, bob2Live] = await Promise.all([t.connect(alice), t.connect(bob), t.connect(bob2)]);
    const m1 = await sendText(api(), alice, bob, 'one');
    const m2 = await sendText(api(), alice, bob, 'two');
    const m3 = await sendText(api(), bob, alice, 'three');
    const conversationId = m1.conversationId;

    expect((await star(bob, conversationId, m2.messageId)).body).toEqual({ messageId: m2.messageId, seq: 2, starred: true });
    expect((await star(bob, conversationId, m1.messageId)).status).toBe(200);
    expect((await star(bob, conversationId, m3.messageId)).status).toBe(200);
    // A repeat records nothing.
    expect((await star(bob, conversationId, m1.messageId)).body).toEqual({ messageId: m1.messageId, seq: 1, starred: true });

    const list = await starred(bob);
    expect(list.status).toBe(200);
    expect(list.body.map((s: any) => s.message.messageId)).toEqual([m3.messageId, m1.messageId, m2.messageId]);
    expect(Object.keys(list.body[0]).sort()).toEqual(['cursor', 'message', 'starredAt']);
    expect(list.body[0].starredAt).toMatch(ISO);
    expect(list.body[1].message).toMatchObject({ messageId: m1.messageId, conversationId, seq: 1, senderId: alice.userId, body: 'one', status: null, quote: null, reactions: [] });
    expect(list.body[0].message.status).toBe('sent');

    const page1 = await starred(bob, '?limit=2');
    expect(page1.body.map((s: any) => s.message.seq)).toEqual([3, 1]);
    const page2 = await starred(bob, `?limit=2&before=${page1.body[1].cursor}`);
    expect(page2.body.map((s: any) => s.message.seq)).toEqual([2]);
    expect((await starred(bob, `?before=${page2.body[0].cursor}`)).body).toEqual([]);
    expectError(await starred(bob, '?before=abc'), 400, 'validation_failed', ['before']);
    expectError(await starred(bob, '?limit=0'), 400, 'validation_failed', ['limit']);
    expect((await starred(alice)).body).toEqual([]);

    expect((await unstar(bob, conversationId, m1.messageId)).body).toEqual({ messageId: m1.messageId, seq: 1, starred: false });
    expect((await unstar(bob, conversationId, m1.messageId)).status).toBe(200);
    expect((await starred(bob)).body.map((s: any) => s.message.seq)).toEqual([3, 2]);

    const stars = (socket: FeedClient) => socket.frames.filter((f) => f.type === 'message_starred' || f.type === 'message_unstarred').map((f) => [f.type, f.seq]);
    const expected = [['message_starred', 2], ['message_starred', 1], ['message_starred', 3], ['message_unstarred', 1]];
    for (const socket of [bobLive, bob2Live]) {
      await socket.waitFor(() => stars(socket).length >= 4);
      expect(stars(socket)).toEqual(expected);
    }
    const frame = bobLive.ofType('message_starred')[0];
    expect(Object.keys(frame).sort()).toEqual(STAR_FRAME_KEYS);
    expect(frame).toMatchObject({ conversationId, messageId: m2.messageId, seq: 2 });
    await t.marker(bob, alice, aliceLive);
    expect(stars(aliceLive)).toEqual([]);
    await bobLive.ping();
    expect(stars(bobLive)).toEqual(expected);
  });

  it('a stranger cannot star (404); deleting a message for oneself or for everyone takes it off the starred list; starring a deleted message is 409', async () => {
    const [alice, bob, mallory] = await t.users(3);
    const m1 = await sendText(api(), alice, bob, 'one');
    const m2 = await sendText(api(), alice, bob, 'two');
    const conversationId = m1.conversationId;
    expectError(await star(mallory, conversationId, m1.messageId), 404, 'message_not_found');

    await star(bob, conversationId, m1.messageId);
    await star(bob, conversationId, m2.messageId);
    await star(alice, conversationId, m1.messageId);
    expect((await deleteMessage(bob, conversationId, m1.messageId, 'me')).status).toBe(200);
    expect((await starred(bob)).body.map((s: any) => s.message.seq)).toEqual([2]);
    expect((await starred(alice)).body.map((s: any) => s.message.seq)).toEqual([1]);
    expectError(await star(bob, conversationId, m1.messageId), 404, 'message_not_found');

    expect((await deleteMessage(alice, conversationId, m2.messageId, 'everyone')).status).toBe(200);
    await eventually(() => starred(bob), (r) => r.body.length === 0);
    expectError(await star(bob, conversationId, m2.messageId), 409, 'message_deleted');
  });

  it('in a group: a former member may star what they saw, a later joiner may not', async () => {
    const [alice, bob, carol] = await t.users(3);
    const groupId = await t.createGroup(alice, [bob]);
    const m1 = await t.send(alice, groupId, 'one');
    expect((await t.add(alice, groupId, [carol.userId])).status).toBe(200);
    expect((await t.leave(bob, groupId)).status).toBe(200);
    expect((await star(bob, groupId, m1.messageId)).status).toBe(200);
    expectError(await star(carol, groupId, m1.messageId), 404, 'message_not_found');
    expect((await starred(bob)).body.map((s: any) => [s.message.conversationId, s.message.body])).toEqual([[groupId, 'one']]);
  });
});

describe('replies', () => {
  const reply = (from: TestUser, to: { userId: string } | { groupId: string }, replyTo: string, body = 'a reply') =>
    api().post('/v1/messages', { clientMsgId: `c-${randomInt(1e12)}`, to, kind: 'text', body, replyTo }, from.token);

  it('history quotes the start of the replied-to message, follows its edit and shows its tombstone once deleted', async () => {
    const [alice, bob] = await t.users(2);
    const long = 'x'.repeat(90) + 'é'.repeat(20);
    const original = await sendText(api(), alice, bob, long);
    const answer = await reply(bob, { userId: alice.userId }, original.messageId);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const conversationId = original.conversationId;

    const quoted = await inHistory(alice, conversationId, answer.body.messageId);
    expect(quoted.replyTo).toBe(original.messageId);
    expect(quoted.quote).toEqual({ messageId: original.messageId, seq: 1, senderId: alice.userId, kind: 'text', body: long.slice(0, 100), mediaId: null });
    expect([...quoted.quote.body].length).toBe(100);

    expect((await api().request('PATCH', messagePath(conversationId, original.messageId), { body: 'edited' }, alice.token)).status).toBe(200);
    expect((await inHistory(alice, conversationId, answer.body.messageId)).quote.body).toBe('edited');

    expect((await deleteMessage(alice, conversationId, original.messageId, 'everyone')).status).toBe(200);
    const tombstone = await inHistory(bob, conversationId, answer.body.messageId, (m) => m.quote.erased === true);
    expect(tombstone.quote).toEqual({ messageId: original.messageId, seq: 1, senderId: alice.userId, kind: 'text', body: null, mediaId: null, erased: true });
  });

  it('refused with 404 reply_target_not_found: a message of another conversation, one the sender deleted for themselves, one sent in a group before the sender joined', async () => {
    const [alice, bob, carol] = await t.users(3);
    const elsewhere = await sendText(api(), alice, carol, 'to carol');
    expectError(await reply(alice, { userId: bob.userId }, elsewhere.messageId), 404, 'reply_target_not_found');
    const mine = await sendText(api(), alice, bob, 'hello');
    expectError(await reply(bob, { userId: alice.userId }, elsewhere.messageId), 404, 'reply_target_not_found');

    expect((await deleteMessage(bob, mine.conversationId, mine.messageId, 'me')).status).toBe(200);
    expectError(await reply(bob, { userId: alice.userId }, mine.messageId), 404, 'reply_target_not_found');
    expect((await reply(alice, { userId: bob.userId }, mine.messageId)).status).toBe(201);

    const groupId = await t.createGroup(alice, [bob]);
    const early = await t.send(alice, groupId, 'before carol');
    expect((await t.add(alice, groupId, [carol.userId])).status).toBe(200);
    expectError(await reply(carol, { groupId }, early.messageId), 404, 'reply_target_not_found');
    expect((await reply(bob, { groupId }, early.messageId)).status).toBe(201);
    const later = await t.send(alice, groupId, 'after carol');
    expect((await reply(carol, { groupId }, later.messageId)).status).toBe(201);
  });
});
