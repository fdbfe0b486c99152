import { randomInt } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { Api, eventually, FeedClient, registerUser, sendText, TestUser } from '../support/client.js';
import { expectError } from '../support/expect.js';
import { useTestSystem } from '../support/harness.js';
import { uploadedPhoto } from '../support/media.js';

/**
 * People, part 2: blocking (refused messages, what the blocked user stops seeing, privacy of the
 * block itself), the last-seen and online settings (everyone / contacts / nobody, over HTTP and
 * on the feed), and reciprocal read receipts in direct chats (groups unaffected).
 */

const PRESENCE_FRAME_KEYS = ['lastSeen', 'online', 'type', 'userId'];
const PROFILE_KEYS = ['about', 'avatarMediaId', 'displayName', 'userId'];
const DEFAULT_PRIVACY = { lastSeen: 'everyone', online: 'everyone', profilePhoto: 'everyone', about: 'everyone', readReceipts: true, groupAdd: 'everyone' };

type Audience = 'everyone' | 'contacts' | 'nobody';

// Disconnects are recorded 200 ms after a device's last socket closed, not 3 s: most tests here wait for them.
const h = useTestSystem({ PRESENCE_GRACE_MS: '200' });
const { users, connect } = h;
let api: Api;

beforeAll(() => {
  api = h.api();
});

const block = (user: TestUser, target: TestUser) => api.post(`/v1/users/${target.userId}/block`, undefined, user.token);
const unblock = (user: TestUser, target: TestUser) => api.request('DELETE', `/v1/users/${target.userId}/block`, undefined, user.token);
const patchPrivacy = (user: TestUser, body: unknown) => api.request('PATCH', '/v1/me/privacy', body, user.token);
const presence = (viewer: TestUser, owner: TestUser) => api.get(`/v1/users/${owner.userId}/presence`, viewer.token);
const profile = (viewer: TestUser, owner: TestUser) => api.get(`/v1/users/${owner.userId}/profile`, viewer.token);
const history = (user: TestUser, conversationId: string) => api.get(`/v1/conversations/${conversationId}/messages`, user.token);
const ack = (user: TestUser, conversationId: string, kind: 'delivered' | 'read', upToSeq: number) =>
  api.post(`/v1/conversations/${conversationId}/receipts`, { kind, upToSeq }, user.token);
const receiptsOf = (user: TestUser, messageId: string) => api.get(`/v1/messages/${messageId}/receipts`, user.token);

async function meWhen(user: TestUser, done: (body: any) => boolean) {
  return (await eventually(() => api.get('/v1/me', user.token), (r) => r.status === 200 && done(r.body))).body;
}

async function blockedIs(user: TestUser, ids: string[]) {
  await eventually(() => api.get('/v1/me/blocked', user.token), (r) => r.status === 200 && JSON.stringify(r.body) === JSON.stringify([...ids].sort()));
}

async function conversationsCount(user: TestUser, count: number) {
  await eventually(() => api.get('/v1/conversations', user.token), (r) => r.status === 200 && r.body.length === count);
}

/** Waits until the user's own view of their presence says `online` (and, offline, a lastSeen other than `notLastSeen`). */
async function ownPresence(user: TestUser, online: boolean, notLastSeen: string | null = null) {
  return (
    await eventually(
      () => presence(user, user),
      (r) => r.status === 200 && r.body.online === online && (online || (r.body.lastSeen !== null && r.body.lastSeen !== notLastSeen)),
    )
  ).body as { userId: string; online: boolean; lastSeen: string | null };
}

/** Sends a message and waits until `socket` (of `to`) has it; returns its index among the socket's frames. */
async function messageMarker(from: TestUser, to: TestUser, socket: FeedClient): Promise<number> {
  const body = `marker-${randomInt(1e12)}`;
  await sendText(api, from, to, body);
  await socket.waitFor(() => socket.ofType('message').some((f) => f.message.body === body));
  return socket.frames.findIndex((f) => f.type === 'message' && f.message.body === body);
}

/**
 * Presence marker: `marker` (who shares a conversation with each viewer) connects; once each
 * viewer has the frame saying so, a presence change recorded before it would have arrived too
 * (an instance sends presence frames in the order of the changes).
 */
async function presenceMarker(marker: TestUser, viewers: FeedClient[]): Promise<FeedClient> {
  const socket = await connect(marker);
  for (const viewer of viewers) await viewer.waitFor(() => viewer.ofType('presence').some((f) => f.userId === marker.userId && f.online === true));
  return socket;
}

const presenceFramesOf = (socket: FeedClient, user: TestUser) => socket.ofType('presence').filter((f) => f.userId === user.userId);

describe('blocking', () => {
  it('POST and DELETE /v1/users/{id}/block answer 200 {}, twice too; GET /v1/me/blocked lists the blocked users', async () => {
    const [alice, bob, carol] = await users(3);
    for (let i = 0; i < 2; i++) {
      const result = await block(alice, bob);
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      expect(result.body).toEqual({});
    }
    expect((await block(alice, carol)).status).toBe(200);
    await blockedIs(alice, [bob.userId, carol.userId]);
    // The list is the caller's own: Bob has blocked nobody.
    expect((await api.get('/v1/me/blocked', bob.token)).body).toEqual([]);

    for (let i = 0; i < 2; i++) {
      const result = await unblock(alice, bob);
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      expect(result.body).toEqual({});
    }
    await blockedIs(alice, [carol.userId]);
    // Unblocking someone who was never blocked is fine too.
    const never = await unblock(bob, carol);
    expect(never.status).toBe(200);
    expect(never.body).toEqual({});
  });

  it('refuses blocking oneself (400), an unknown user (404) and callers without a token (401)', async () => {
    const [alice, bob] = await users(2);
    expectError(await block(alice, alice), 400);
    expectError(await api.post('/v1/users/u-no-such-user/block', undefined, alice.token), 404);
    expectError(await api.post(`/v1/users/${bob.userId}/block`, undefined), 401);
    expectError(await api.request('DELETE', `/v1/users/${bob.userId}/block`), 401);
    expectError(await api.get('/v1/me/blocked'), 401);
    // Nothing was recorded by the refused requests (the read reflects everything appended before it).
    expect((await api.get('/v1/me/blocked', alice.token)).body).toEqual([]);
  });

  it('refuses a blocked user\'s messages with 403 "blocked" (HTTP and socket) and appends nothing; the blocker gets "you_blocked_recipient"; unblocking restores sending', async () => {
    const [alice, bob] = await users(2);
    const first = await sendText(api, bob, alice, 'before the block');
    expect(first.seq).toBe(1);
    const [aliceSocket, bobSocket] = await Promise.all([connect(alice), connect(bob)]);

    expect((await block(alice, bob)).status).toBe(200);
    // At once, without waiting for any read model.
    const refused = await api.post('/v1/messages', { clientMsgId: `c-${randomInt(1e12)}`, to: { userId: alice.userId }, kind: 'text', body: 'let me in' }, bob.token);
    expectError(refused, 403, 'blocked');
    bobSocket.send({ type: 'send', clientMsgId: 'ws-blocked-1', to: { userId: alice.userId }, kind: 'text', body: 'over the socket' });
    const [errorFrame] = await bobSocket.nextOfType('error');
    expect(errorFrame).toMatchObject({ type: 'error', clientMsgId: 'ws-blocked-1', error: { code: 'blocked' } });
    expect(bobSocket.ofType('sent')).toEqual([]);
    const reverse = await api.post('/v1/messages', { clientMsgId: `c-${randomInt(1e12)}`, to: { userId: bob.userId }, kind: 'text', body: 'hi bob' }, alice.token);
    expectError(reverse, 403, 'you_blocked_recipient');

    expect((await unblock(alice, bob)).status).toBe(200);
    const after = await sendText(api, bob, alice, 'after the unblock');
    // Nothing was appended in between: the next seq follows the first message.
    expect(after.seq).toBe(2);
    expect(after.conversationId).toBe(first.conversationId);
    await aliceSocket.waitFor(() => aliceSocket.ofType('message').length >= 1);
    await messageMarker(bob, alice, aliceSocket);
    expect(aliceSocket.ofType('message').map((f) => f.message.body)).toEqual(['after the unblock', expect.stringMatching(/^marker-/)]);
    const messages = await eventually(() => history(alice, first.conversationId), (r) => r.status === 200 && r.body.length === 3);
    expect(messages.body.map((m: any) => [m.seq, m.body])).toEqual([[1, 'before the block'], [2, 'after the unblock'], [3, expect.stringMatching(/^marker-/)]]);
  });

  it('is private: the blocked user gets no frame when blocked or unblocked and sees no trace of it', async () => {
    const [alice, bob, sender] = await users(3);
    await sendText(api, alice, bob, 'hello');
    const bobSocket = await connect(bob);

    expect((await block(alice, bob)).status).toBe(200);
    await blockedIs(alice, [bob.userId]);
    const index = await messageMarker(sender, bob, bobSocket);
    expect(bobSocket.frames.slice(0, index).filter((f) => f.type !== 'pong')).toEqual([]);

    // What Bob can read does not mention the block.
    expect((await api.get('/v1/me/blocked', bob.token)).body).toEqual([]);
    const seen = await profile(bob, alice);
    expect(seen.status).toBe(200);
    expect(Object.keys(seen.body).sort()).toEqual(PROFILE_KEYS);
    const seenPresence = await presence(bob, alice);
    expect(seenPresence.status).toBe(200);
    expect(Object.keys(seenPresence.body).sort()).toEqual(['lastSeen', 'online', 'userId']);

    expect((await unblock(alice, bob)).status).toBe(200);
    await blockedIs(alice, []);
    const index2 = await messageMarker(sender, bob, bobSocket);
    expect(bobSocket.frames.slice(index + 1, index2).filter((f) => f.type !== 'pong')).toEqual([]);
  });

  it('the blocked user stops seeing the blocker\'s presence, last seen, photo and about (HTTP and feed); unblocking restores them', async () => {
    const [alice, bob, control, marker] = await users(4);
    const alicePhoto = await uploadedPhoto(api.baseUrl, alice.token);
    const patched = await api.request('PATCH', '/v1/me/profile', { displayName: 'Alice', about: 'about alice', avatarMediaId: alicePhoto }, alice.token);
    expect(patched.status).toBe(200);
    await sendText(api, alice, bob, 'hi bob');
    await sendText(api, alice, control, 'hi control');
    await sendText(api, marker, bob, 'marker chat');
    await sendText(api, marker, control, 'marker chat');
    await conversationsCount(bob, 2);
    await conversationsCount(control, 2);
    // Alice has a last seen.
    const once = await connect(alice);
    await ownPresence(alice, true);
    await once.close();
    const { lastSeen } = await ownPresence(alice, false);
    await meWhen(alice, (b) => b.about === 'about alice');
    expect((await presence(bob, alice)).body).toEqual({ userId: alice.userId, online: false, lastSeen });
    expect((await profile(bob, alice)).body).toEqual({ userId: alice.userId, displayName: 'Alice', about: 'about alice', avatarMediaId: alicePhoto });

    expect((await block(alice, bob)).status).toBe(200);
    await blockedIs(alice, [bob.userId]);
    expect((await presence(bob, alice)).body).toEqual({ userId: alice.userId, online: false, lastSeen: null });
    expect((await profile(bob, alice)).body).toEqual({ userId: alice.userId, displayName: 'Alice', about: null, avatarMediaId: null });

    const [bobSocket, controlSocket] = await Promise.all([connect(bob), connect(control)]);
    const aliceSocket = await connect(alice);
    // The control viewer sees Alice come online: the change happened and was fanned out.
    await controlSocket.waitFor(() => presenceFramesOf(controlSocket, alice).length === 1);
    expect(presenceFramesOf(controlSocket, alice)).toEqual([{ type: 'presence', userId: alice.userId, online: true, lastSeen }]);
    await ownPresence(alice, true);
    expect((await presence(control, alice)).body).toEqual({ userId: alice.userId, online: true, lastSeen });
    expect((await presence(bob, alice)).body).toEqual({ userId: alice.userId, online: false, lastSeen: null });
    await aliceSocket.close();
    const { lastSeen: lastSeen2 } = await ownPresence(alice, false, lastSeen);
    await controlSocket.waitFor(() => presenceFramesOf(controlSocket, alice).length === 2);
    expect((await presence(bob, alice)).body).toEqual({ userId: alice.userId, online: false, lastSeen: null });
    const markerSocket = await presenceMarker(marker, [bobSocket, controlSocket]);
    expect(presenceFramesOf(bobSocket, alice), 'the blocked user got presence frames of the blocker').toEqual([]);
    await markerSocket.close();

    expect((await unblock(alice, bob)).status).toBe(200);
    await blockedIs(alice, []);
    expect((await presence(bob, alice)).body).toEqual({ userId: alice.userId, online: false, lastSeen: lastSeen2 });
    expect((await profile(bob, alice)).body).toEqual({ userId: alice.userId, displayName: 'Alice', about: 'about alice', avatarMediaId: alicePhoto });
    const again = await connect(alice);
    await bobSocket.waitFor(() => presenceFramesOf(bobSocket, alice).length === 1);
    expect(presenceFramesOf(bobSocket, alice)).toEqual([{ type: 'presence', userId: alice.userId, online: true, lastSeen: lastSeen2 }]);
    await ownPresence(alice, true);
    expect((await presence(bob, alice)).body).toEqual({ userId: alice.userId, online: true, lastSeen: lastSeen2 });
    await again.close();
  });
});

describe('privacy settings', () => {
  it('PATCH /v1/me/privacy answers 200 {}, changes only the given settings, and GET /v1/me shows them; invalid values are 400', async () => {
    const [alice] = await users(1);
    expect((await meWhen(alice, () => true)).privacy).toEqual(DEFAULT_PRIVACY);

    const first = await patchPrivacy(alice, { lastSeen: 'contacts' });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toEqual({});
    expect((await meWhen(alice, (b) => b.privacy.lastSeen === 'contacts')).privacy).toEqual({ ...DEFAULT_PRIVACY, lastSeen: 'contacts' });

    expect((await patchPrivacy(alice, { online: 'nobody', profilePhoto: 'contacts', about: 'nobody', readReceipts: false })).status).toBe(200);
    expect((await meWhen(alice, (b) => b.privacy.readReceipts === false)).privacy).toEqual({
      lastSeen: 'contacts', online: 'nobody', profilePhoto: 'contacts', about: 'nobody', readReceipts: false, groupAdd: 'everyone',
    });

    expectError(await patchPrivacy(alice, { lastSeen: 'friends' }), 400, undefined, ['lastSeen']);
    expectError(await patchPrivacy(alice, { online: 'all' }), 400, undefined, ['online']);
    expectError(await patchPrivacy(alice, { profilePhoto: true }), 400, undefined, ['profilePhoto']);
    expectError(await patchPrivacy(alice, { about: 'Everyone' }), 400, undefined, ['about']);
    expectError(await patchPrivacy(alice, { readReceipts: 'off' }), 400, undefined, ['readReceipts']);
    expectError(await patchPrivacy(alice, {}), 400);
    expectError(await api.request('PATCH', '/v1/me/privacy', { lastSeen: 'nobody' }), 401);
    // The refused requests changed nothing (reads reflect everything appended before them: no wait needed).
    expect((await api.get('/v1/me', alice.token)).body.privacy).toEqual({
      lastSeen: 'contacts', online: 'nobody', profilePhoto: 'contacts', about: 'nobody', readReceipts: false, groupAdd: 'everyone',
    });
  });

  const visible = (audience: Audience, isContact: boolean) => audience === 'everyone' || (audience === 'contacts' && isContact);

  /**
   * The owner has `contact` in their synced address book and not `other`; both share a direct
   * chat with the owner and watch the feed. The owner goes online and offline twice; each viewer's
   * HTTP answers and presence frames must show exactly what the settings allow.
   */
  const cases: [string, Audience, Audience][] = [
    ['lastSeen everyone', 'everyone', 'everyone'],
    ['lastSeen contacts', 'contacts', 'everyone'],
    ['lastSeen nobody', 'nobody', 'everyone'],
    ['online contacts', 'everyone', 'contacts'],
    ['online nobody', 'everyone', 'nobody'],
    ['online nobody, lastSeen contacts', 'contacts', 'nobody'],
  ];
  it.each(cases)('%s: presence over HTTP and on the feed follows the setting, for a contact and a non-contact', async (_, lastSeenSetting, onlineSetting) => {
    const [owner, contact, other, marker] = await users(4);
    expect((await api.post('/v1/contacts/sync', { phones: [contact.phone] }, owner.token)).body.contacts).toEqual([{ phone: contact.phone, userId: contact.userId }]);
    // The non-contact has the owner in their own address book: that does not make them the owner's contact.
    expect((await api.post('/v1/contacts/sync', { phones: [owner.phone] }, other.token)).status).toBe(200);
    await Promise.all([sendText(api, contact, owner, 'hi'), sendText(api, other, owner, 'hi'), sendText(api, marker, contact, 'm'), sendText(api, marker, other, 'm')]);
    expect((await patchPrivacy(owner, { lastSeen: lastSeenSetting, online: onlineSetting })).status).toBe(200);
    await meWhen(owner, (b) => b.privacy.lastSeen === lastSeenSetting && b.privacy.online === onlineSetting);
    await eventually(() => api.get('/v1/contacts', owner.token), (r) => r.body?.length === 1);
    await Promise.all([conversationsCount(owner, 2), conversationsCount(contact, 2), conversationsCount(other, 2)]);
    const viewers = [
      { user: contact, isContact: true, socket: await connect(contact) },
      { user: other, isContact: false, socket: await connect(other) },
    ];

    // Online for the first time (no last seen yet), then offline.
    const first = await connect(owner);
    await ownPresence(owner, true);
    for (const v of viewers) {
      expect((await presence(v.user, owner)).body, `online, viewer contact=${v.isContact}`).toEqual({ userId: owner.userId, online: visible(onlineSetting, v.isContact), lastSeen: null });
    }
    await first.close();
    const { lastSeen: lastSeen1 } = await ownPresence(owner, false);
    for (const v of viewers) {
      expect((await presence(v.user, owner)).body, `offline, viewer contact=${v.isContact}`).toEqual({
        userId: owner.userId, online: false, lastSeen: visible(lastSeenSetting, v.isContact) ? lastSeen1 : null,
      });
    }
    // Online again (with a last seen from before), then offline again.
    const second = await connect(owner);
    await ownPresence(owner, true);
    for (const v of viewers) {
      expect((await presence(v.user, owner)).body, `online again, viewer contact=${v.isContact}`).toEqual({
        userId: owner.userId, online: visible(onlineSetting, v.isContact), lastSeen: visible(lastSeenSetting, v.isContact) ? lastSeen1 : null,
      });
    }
    await second.close();
    const { lastSeen: lastSeen2 } = await ownPresence(owner, false, lastSeen1);
    expect(Date.parse(lastSeen2!)).toBeGreaterThan(Date.parse(lastSeen1!));
    for (const v of viewers) {
      expect((await presence(v.user, owner)).body).toEqual({ userId: owner.userId, online: false, lastSeen: visible(lastSeenSetting, v.isContact) ? lastSeen2 : null });
    }

    await presenceMarker(marker, viewers.map((v) => v.socket));
    for (const v of viewers) {
      const seeOnline = visible(onlineSetting, v.isContact);
      const seeLastSeen = visible(lastSeenSetting, v.isContact);
      // A frame at the moment the owner connects would tell when they came online: only for those who may see "online".
      const expected = [
        ...(seeOnline ? [{ online: true, lastSeen: null }] : []),
        ...(seeOnline || seeLastSeen ? [{ online: false, lastSeen: seeLastSeen ? lastSeen1 : null }] : []),
        ...(seeOnline ? [{ online: true, lastSeen: seeLastSeen ? lastSeen1 : null }] : []),
        ...(seeOnline || seeLastSeen ? [{ online: false, lastSeen: seeLastSeen ? lastSeen2 : null }] : []),
      ].map((f) => ({ type: 'presence', userId: owner.userId, ...f }));
      const frames = presenceFramesOf(v.socket, owner);
      for (const frame of frames) expect(Object.keys(frame).sort()).toEqual(PRESENCE_FRAME_KEYS);
      expect(frames, `presence frames for a ${v.isContact ? 'contact' : 'non-contact'} (online: ${onlineSetting}, lastSeen: ${lastSeenSetting})`).toEqual(expected);
    }
  });
});

describe('read receipts (reciprocal in direct chats)', () => {
  const readFrames = (socket: FeedClient, conversationId: string) => socket.ofType('receipt').filter((f) => f.kind === 'read' && f.conversationId === conversationId);

  async function statuses(viewer: TestUser, conversationId: string, count: number) {
    const result = await eventually(() => history(viewer, conversationId), (r) => r.status === 200 && r.body.length === count);
    return result.body.map((m: any) => [m.seq, m.status]);
  }

  async function readReceiptsOff(user: TestUser) {
    expect((await patchPrivacy(user, { readReceipts: false })).status).toBe(200);
    await meWhen(user, (b) => b.privacy.readReceipts === false);
  }

  it('off on the reader\'s side: the sender gets delivered but no read frame, never sees "read", and the receipts route lists no reader; the reader\'s own devices still get it', async () => {
    const [alice, bob] = await users(2);
    const bobLaptop = await registerUser(api, bob.phone, 'bob laptop');
    await readReceiptsOff(bob);
    const [aliceSocket, bobSocket, bobLaptopSocket] = await Promise.all([connect(alice), connect(bob), connect(bobLaptop)]);
    const m1 = await sendText(api, alice, bob, 'read me');

    expect((await ack(bob, m1.conversationId, 'read', 1)).status).toBe(202);
    for (const socket of [bobSocket, bobLaptopSocket]) {
      await socket.waitFor(() => readFrames(socket, m1.conversationId).length === 1);
      expect(readFrames(socket, m1.conversationId)[0]).toMatchObject({ type: 'receipt', userId: bob.userId, kind: 'read', upToSeq: 1 });
    }
    await aliceSocket.waitFor(() => aliceSocket.ofType('receipt').some((f) => f.kind === 'delivered' && f.upToSeq === 1));
    const index = await messageMarker(bob, alice, aliceSocket);
    expect(aliceSocket.frames.slice(0, index).filter((f) => f.type === 'receipt').map((f) => `${f.userId === bob.userId ? 'bob' : '?'}:${f.kind}:${f.upToSeq}`)).toEqual(['bob:delivered:1']);

    expect(await statuses(alice, m1.conversationId, 2)).toEqual([[1, 'delivered'], [2, null]]);
    const receipts = await receiptsOf(alice, m1.messageId);
    expect(receipts.status).toBe(200);
    expect(receipts.body.read).toEqual([]);
    expect(receipts.body.delivered.map((r: any) => r.userId)).toEqual([bob.userId]);
    expect(receipts.body.pending).toEqual([]);
  });

  it('off on the other side: the one who turned them off sees no read receipts of others either (socket receipt frame path)', async () => {
    const [alice, bob] = await users(2);
    await readReceiptsOff(bob);
    const [aliceSocket, bobSocket] = await Promise.all([connect(alice), connect(bob)]);
    const m1 = await sendText(api, bob, alice, 'from bob');

    aliceSocket.send({ type: 'receipt', conversationId: m1.conversationId, kind: 'read', upToSeq: 1 });
    // Alice's own device gets her read; Bob gets the delivered one only.
    await aliceSocket.waitFor(() => readFrames(aliceSocket, m1.conversationId).length === 1);
    expect(readFrames(aliceSocket, m1.conversationId)[0]).toMatchObject({ userId: alice.userId, upToSeq: 1 });
    await bobSocket.waitFor(() => bobSocket.ofType('receipt').some((f) => f.kind === 'delivered' && f.userId === alice.userId));
    const index = await messageMarker(alice, bob, bobSocket);
    expect(bobSocket.frames.slice(0, index).filter((f) => f.type === 'receipt' && f.kind === 'read')).toEqual([]);
    expect(aliceSocket.ofType('error')).toEqual([]);

    expect(await statuses(bob, m1.conversationId, 2)).toEqual([[1, 'delivered'], [2, null]]);
    const receipts = await receiptsOf(bob, m1.messageId);
    expect(receipts.body.read).toEqual([]);
    expect(receipts.body.delivered.map((r: any) => r.userId)).toEqual([alice.userId]);
  });

  it('turned back on: later reads reach the other side again (frame, status and receipts route)', async () => {
    const [alice, bob] = await users(2);
    await readReceiptsOff(bob);
    expect((await patchPrivacy(bob, { readReceipts: true })).status).toBe(200);
    await meWhen(bob, (b) => b.privacy.readReceipts === true);
    const aliceSocket = await connect(alice);
    const m1 = await sendText(api, alice, bob, 'one');

    expect((await ack(bob, m1.conversationId, 'read', 1)).status).toBe(202);
    await aliceSocket.waitFor(() => readFrames(aliceSocket, m1.conversationId).length === 1);
    expect(readFrames(aliceSocket, m1.conversationId)[0]).toMatchObject({ type: 'receipt', userId: bob.userId, kind: 'read', upToSeq: 1 });
    expect(await statuses(alice, m1.conversationId, 1)).toEqual([[1, 'read']]);
    expect((await receiptsOf(alice, m1.messageId)).body.read.map((r: any) => r.userId)).toEqual([bob.userId]);
  });

  it('a read made while read receipts were off is not revealed later when they are turned back on', async () => {
    const [alice, bob] = await users(2);
    await readReceiptsOff(bob);
    const [aliceSocket, bobSocket] = await Promise.all([connect(alice), connect(bob)]);
    const m1 = await sendText(api, alice, bob, 'read while off');
    expect((await ack(bob, m1.conversationId, 'read', 1)).status).toBe(202);
    await bobSocket.waitFor(() => readFrames(bobSocket, m1.conversationId).length === 1);

    expect((await patchPrivacy(bob, { readReceipts: true })).status).toBe(200);
    await meWhen(bob, (b) => b.privacy.readReceipts === true);
    const index = await messageMarker(bob, alice, aliceSocket);
    expect(aliceSocket.frames.slice(0, index).filter((f) => f.type === 'receipt' && f.kind === 'read')).toEqual([]);
    expect(await statuses(alice, m1.conversationId, 2), 'the read made while off shows as read').toEqual([[1, 'delivered'], [2, null]]);
    expect((await receiptsOf(alice, m1.messageId)).body.read, 'the receipts route reveals the read made while off').toEqual([]);
  });

  it('groups are unaffected: read receipts are always shared there', async () => {
    const [alice, bob, carol] = await users(3);
    await readReceiptsOff(bob);
    const created = await api.post('/v1/groups', { name: 'Readers', members: [bob.userId, carol.userId] }, alice.token);
    expect(created.status).toBe(201);
    const groupId: string = created.body.groupId;
    await Promise.all([conversationsCount(alice, 1), conversationsCount(bob, 1), conversationsCount(carol, 1)]);
    const [aliceSocket, bobSocket] = await Promise.all([connect(alice), connect(bob)]);
    const sendToGroup = async (from: TestUser, body: string) => {
      const result = await api.post('/v1/messages', { clientMsgId: `c-${randomInt(1e12)}`, to: { groupId }, kind: 'text', body }, from.token);
      expect(result.status, JSON.stringify(result.body)).toBe(201);
      return result.body as { messageId: string; seq: number };
    };

    // Bob (receipts off) reads Alice's message: Alice is told.
    const fromAlice = await sendToGroup(alice, 'hello group');
    expect((await ack(bob, groupId, 'read', fromAlice.seq)).status).toBe(202);
    expect((await ack(carol, groupId, 'read', fromAlice.seq)).status).toBe(202);
    await aliceSocket.waitFor(() => readFrames(aliceSocket, groupId).some((f) => f.userId === bob.userId));
    expect(readFrames(aliceSocket, groupId).find((f) => f.userId === bob.userId)).toMatchObject({ type: 'receipt', kind: 'read', upToSeq: fromAlice.seq });
    const receipts = await eventually(() => receiptsOf(alice, fromAlice.messageId), (r) => r.body?.read?.length === 2);
    expect(receipts.body.read.map((r: any) => r.userId).sort()).toEqual([bob.userId, carol.userId].sort());
    expect(await statuses(alice, groupId, 1)).toEqual([[1, 'read']]);

    // Alice reads Bob's message: Bob (receipts off) is told too.
    const fromBob = await sendToGroup(bob, 'from bob');
    expect((await ack(alice, groupId, 'read', fromBob.seq)).status).toBe(202);
    await bobSocket.waitFor(() => readFrames(bobSocket, groupId).some((f) => f.userId === alice.userId));
    const bobsReceipts = await eventually(() => receiptsOf(bob, fromBob.messageId), (r) => r.body?.read?.length === 1);
    expect(bobsReceipts.body.read.map((r: any) => r.userId)).toEqual([alice.userId]);
  });
});
