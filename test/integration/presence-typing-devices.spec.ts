import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { Api, clockPasses, eventually, FeedClient, registerUser, sendText, TestUser, handshakeStatus } from '../support/client.js';
import { expectError } from '../support/expect.js';
import { Harness, useTestSystem } from '../support/harness.js';
import { ManualClock } from '../support/manual-clock.js';

/**
 * People, part 3: presence and last seen (devices, transitions, idle close, events vs heartbeats),
 * typing and recording indicators (relay, membership, rate limit, expiry), and devices (list,
 * log out with the token refused at once and the socket closed).
 */

const PRESENCE_FRAME_KEYS = ['lastSeen', 'online', 'type', 'userId'];
const TYPING_FRAME_KEYS = ['conversationId', 'state', 'type', 'userId'];
const DEVICE_KEYS = ['current', 'deviceId', 'lastActiveAt', 'loggedInAt', 'name'];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Presence and conversations on top of the common harness. */
function people<H extends Harness>(base: H) {
  const api = base.api;
  const h = Object.assign(base, {
    presence: (viewer: TestUser, owner: TestUser) => api().get(`/v1/users/${owner.userId}/presence`, viewer.token),
    async ownPresence(user: TestUser, online: boolean, notLastSeen: string | null = null) {
      return (
        await eventually(
          () => h.presence(user, user),
          (r) => r.status === 200 && r.body.online === online && (online || (r.body.lastSeen !== null && r.body.lastSeen !== notLastSeen)),
        )
      ).body as { userId: string; online: boolean; lastSeen: string | null };
    },
    /** A direct chat between the two, known to both read models (typing and presence read them). */
    async chat(a: TestUser, b: TestUser): Promise<string> {
      const sent = await sendText(api(), a, b, 'hi');
      for (const user of [a, b]) {
        await eventually(() => api().get('/v1/conversations', user.token), (r) => r.status === 200 && r.body.some((c: any) => c.conversationId === sent.conversationId));
      }
      return sent.conversationId;
    },
  });
  return h;
}

const presenceFramesOf = (socket: FeedClient, user: TestUser) => socket.ofType('presence').filter((f) => f.userId === user.userId);
const typingFramesIn = (socket: FeedClient, conversationId: string) => socket.ofType('typing').filter((f) => f.conversationId === conversationId);

describe('presence, typing and devices', () => {
  const h = people(useTestSystem());
  let api: Api;

  beforeAll(() => {
    api = h.api();
  });

  describe('presence', () => {
    it('is online while any device is connected and offline with lastSeen once the last one closes; frames go to conversation partners at those moments only, not to strangers', async () => {
      const [alice, partner, stranger, marker] = await h.users(4);
      const aliceLaptop = await registerUser(api, alice.phone, 'alice laptop');
      await h.chat(alice, partner);
      await h.chat(marker, partner);
      await h.chat(marker, stranger);
      const [partnerSocket, strangerSocket] = await Promise.all([h.connect(partner), h.connect(stranger)]);

      const phone = await h.connect(alice);
      await partnerSocket.waitFor(() => presenceFramesOf(partnerSocket, alice).length === 1);
      const [online] = presenceFramesOf(partnerSocket, alice);
      expect(Object.keys(online).sort()).toEqual(PRESENCE_FRAME_KEYS);
      expect(online).toEqual({ type: 'presence', userId: alice.userId, online: true, lastSeen: null });
      expect((await h.presence(partner, alice)).body).toEqual({ userId: alice.userId, online: true, lastSeen: null });

      // A second device, then the first one goes: still online, no frame.
      const laptop = await h.connect(aliceLaptop);
      await phone.close();
      // A marker through the log: once it is in the history, the connection events before it are projected too.
      const m = await sendText(api, partner, alice, 'marker');
      await eventually(() => api.get(`/v1/conversations/${m.conversationId}/messages?afterSeq=${m.seq - 1}`, partner.token), (r) => r.body?.length === 1);
      expect((await h.presence(partner, alice)).body).toEqual({ userId: alice.userId, online: true, lastSeen: null });

      const closedAt = Date.now();
      await laptop.close();
      await partnerSocket.waitFor(() => presenceFramesOf(partnerSocket, alice).length === 2);
      const offline = presenceFramesOf(partnerSocket, alice)[1];
      expect(Object.keys(offline).sort()).toEqual(PRESENCE_FRAME_KEYS);
      expect(offline).toMatchObject({ type: 'presence', userId: alice.userId, online: false });
      expect(offline.lastSeen).toMatch(ISO);
      // Not earlier than the laptop closed (the server's clock is this process's): the phone closing alone sent no offline frame.
      expect(Date.parse(offline.lastSeen)).toBeGreaterThanOrEqual(closedAt);
      expect(Date.parse(offline.lastSeen)).toBeLessThanOrEqual(Date.now() + 1000);
      const seen = await eventually(() => h.presence(partner, alice), (r) => r.body?.online === false);
      expect(seen.body).toEqual({ userId: alice.userId, online: false, lastSeen: offline.lastSeen });
      // The stranger may read presence (everyone), but gets no frames: no shared conversation.
      expect((await h.presence(stranger, alice)).body).toEqual({ userId: alice.userId, online: false, lastSeen: offline.lastSeen });

      // Marker: frames leave in the order of the changes, so once both have the marker coming online, nothing of Alice's is still on its way.
      await h.connect(marker);
      for (const socket of [partnerSocket, strangerSocket]) {
        await socket.waitFor(() => presenceFramesOf(socket, marker).length === 1);
      }
      expect(presenceFramesOf(partnerSocket, alice).length, 'exactly the online and the offline frame').toBe(2);
      expect(presenceFramesOf(strangerSocket, alice)).toEqual([]);
    });

    it('records connecting and disconnecting as events and heartbeats not', async () => {
      const [alice] = await h.users(1);
      const socket = await h.connect(alice);
      for (let i = 0; i < 5; i++) await socket.ping();
      await h.ownPresence(alice, true);
      await socket.close();
      await h.ownPresence(alice, false);
      const client = new pg.Client({ connectionString: h.system.databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query('SELECT type, data FROM es_events WHERE stream_id = $1 ORDER BY global_position', [`presence-${alice.userId}`]);
        expect(rows.map((r) => r.type)).toEqual(['DeviceConnected', 'DeviceDisconnected']);
        expect(rows.every((r) => r.data.userId === alice.userId && r.data.deviceId === alice.deviceId)).toBe(true);
      } finally {
        await client.end();
      }
    });
  });

  describe('typing', () => {
    it('relays typing, recording and paused to the other participant of a direct chat, with exactly the frame\'s fields; not to the sender, not to others', async () => {
      const [alice, bob, carol] = await h.users(3);
      const aliceBob = await h.chat(alice, bob);
      const aliceCarol = await h.chat(alice, carol);
      const [aliceSocket, bobSocket, carolSocket] = await Promise.all([h.connect(alice), h.connect(bob), h.connect(carol)]);

      for (const [i, state] of (['typing', 'recording', 'paused'] as const).entries()) {
        aliceSocket.send({ type: 'typing', conversationId: aliceBob, state });
        await bobSocket.waitFor(() => typingFramesIn(bobSocket, aliceBob).length === i + 1);
        const frame = typingFramesIn(bobSocket, aliceBob)[i];
        expect(Object.keys(frame).sort()).toEqual(TYPING_FRAME_KEYS);
        expect(frame).toEqual({ type: 'typing', conversationId: aliceBob, userId: alice.userId, state });
      }
      // Bob types back.
      bobSocket.send({ type: 'typing', conversationId: aliceBob, state: 'typing' });
      await aliceSocket.waitFor(() => typingFramesIn(aliceSocket, aliceBob).length === 1);
      expect(typingFramesIn(aliceSocket, aliceBob)).toEqual([{ type: 'typing', conversationId: aliceBob, userId: bob.userId, state: 'typing' }]);

      // Marker for Carol: Alice types in their own chat; nothing of the other chat came before it
      // (typing frames leave in the order they were published).
      aliceSocket.send({ type: 'typing', conversationId: aliceCarol, state: 'typing' });
      await carolSocket.waitFor(() => typingFramesIn(carolSocket, aliceCarol).length === 1);
      expect(carolSocket.ofType('typing')).toEqual([{ type: 'typing', conversationId: aliceCarol, userId: alice.userId, state: 'typing' }]);
      // No echo to the sending socket, and no errors: a pong answers after anything sent before it.
      await Promise.all([aliceSocket.ping(), bobSocket.ping()]);
      expect(aliceSocket.ofType('typing').filter((f) => f.userId === alice.userId)).toEqual([]);
      expect([...aliceSocket.ofType('error'), ...bobSocket.ofType('error')]).toEqual([]);
      // Never stored: nothing in history, nothing replayed from a cursor.
      expect((await api.get(`/v1/conversations/${aliceBob}/messages`, bob.token)).body.length).toBe(1);
    });

    it('relays to every other current member of a group, and not to a member who was removed', async () => {
      const [alice, bob, carol, dave] = await h.users(4);
      const created = await api.post('/v1/groups', { name: 'Typists', members: [bob.userId, carol.userId, dave.userId] }, alice.token);
      expect(created.status).toBe(201);
      const groupId: string = created.body.groupId;
      const aliceDave = await h.chat(alice, dave);
      for (const user of [alice, bob, carol, dave]) {
        await eventually(() => api.get('/v1/conversations', user.token), (r) => r.body?.some((c: any) => c.conversationId === groupId));
      }
      const [aliceSocket, bobSocket, carolSocket, daveSocket] = await Promise.all([alice, bob, carol, dave].map((u) => h.connect(u)));

      aliceSocket.send({ type: 'typing', conversationId: groupId, state: 'typing' });
      for (const socket of [bobSocket, carolSocket, daveSocket]) {
        await socket.waitFor(() => typingFramesIn(socket, groupId).length === 1);
        expect(typingFramesIn(socket, groupId)).toEqual([{ type: 'typing', conversationId: groupId, userId: alice.userId, state: 'typing' }]);
      }
      // Carol answers: Alice, Bob and Dave see it.
      carolSocket.send({ type: 'typing', conversationId: groupId, state: 'recording' });
      for (const socket of [aliceSocket, bobSocket, daveSocket]) {
        await socket.waitFor(() => typingFramesIn(socket, groupId).some((f) => f.userId === carol.userId));
      }
      expect(typingFramesIn(carolSocket, groupId).filter((f) => f.userId === carol.userId)).toEqual([]);

      // Dave is removed; once that is known, Alice types again.
      expect((await api.request('DELETE', `/v1/groups/${groupId}/members/${dave.userId}`, undefined, alice.token)).status).toBe(200);
      await eventually(() => api.get(`/v1/groups/${groupId}`, alice.token), (r) => r.status === 200 && r.body.members.length === 3);
      await eventually(() => api.get(`/v1/groups/${groupId}`, dave.token), (r) => r.status === 403);
      const daveBefore = typingFramesIn(daveSocket, groupId).length;
      aliceSocket.send({ type: 'typing', conversationId: groupId, state: 'paused' });
      for (const socket of [bobSocket, carolSocket]) {
        await socket.waitFor(() => typingFramesIn(socket, groupId).some((f) => f.userId === alice.userId && f.state === 'paused'));
      }
      // Marker for Dave: Alice types in their direct chat.
      aliceSocket.send({ type: 'typing', conversationId: aliceDave, state: 'typing' });
      await daveSocket.waitFor(() => typingFramesIn(daveSocket, aliceDave).length === 1);
      expect(typingFramesIn(daveSocket, groupId).slice(daveBefore), 'a removed member still receives the group\'s typing frames').toEqual([]);
    });

    it('answers a typing frame for a conversation the sender is not in with a 403 error frame (not_a_participant) and relays it to nobody; invalid frames get validation errors', async () => {
      const [alice, bob, mallory] = await h.users(3);
      const aliceBob = await h.chat(alice, bob);
      await h.chat(mallory, alice);
      const [aliceSocket, bobSocket, mallorySocket] = await Promise.all([h.connect(alice), h.connect(bob), h.connect(mallory)]);

      mallorySocket.send({ type: 'typing', conversationId: aliceBob, state: 'typing' });
      const [refused] = await mallorySocket.nextOfType('error');
      expect(refused).toMatchObject({ type: 'error', error: { code: 'not_a_participant' } });
      expect(typeof refused.error.message).toBe('string');
      mallorySocket.send({ type: 'typing', conversationId: 'd-no-such-conversation', state: 'typing' });
      await mallorySocket.nextOfType('error', 2);
      expect(mallorySocket.ofType('error')[1]).toMatchObject({ type: 'error', error: { code: 'not_a_participant' } });

      mallorySocket.send({ type: 'typing', conversationId: aliceBob, state: 'dancing' });
      await mallorySocket.nextOfType('error', 3);
      expect(mallorySocket.ofType('error')[2]).toMatchObject({ type: 'error', error: { code: 'validation_failed' } });
      expect(JSON.stringify(mallorySocket.ofType('error')[2].error.details)).toContain('"state"');
      aliceSocket.send({ type: 'typing', state: 'typing' });
      const [missing] = await aliceSocket.nextOfType('error');
      expect(missing).toMatchObject({ type: 'error', error: { code: 'validation_failed' } });
      expect(JSON.stringify(missing.error.details)).toContain('"conversationId"');
      // The socket stays open.
      await mallorySocket.ping();

      // Marker: Alice types to Bob; Bob got nothing from Mallory before it.
      aliceSocket.send({ type: 'typing', conversationId: aliceBob, state: 'typing' });
      await bobSocket.waitFor(() => bobSocket.ofType('typing').length >= 1);
      await aliceSocket.ping();
      expect(bobSocket.ofType('typing')).toEqual([{ type: 'typing', conversationId: aliceBob, userId: alice.userId, state: 'typing' }]);
      expect(aliceSocket.ofType('typing').filter((f) => f.userId === mallory.userId)).toEqual([]);
    });

    it('limits each socket to 10 typing frames per 5 s: the rest get typing_rate_limited error frames and are not relayed; another socket is not limited', async () => {
      const [alice, bob] = await h.users(2);
      const aliceBob = await h.chat(alice, bob);
      const aliceLaptop = await registerUser(api, alice.phone, 'alice laptop');
      const [aliceSocket, laptopSocket, bobSocket] = await Promise.all([h.connect(alice), h.connect(aliceLaptop), h.connect(bob)]);

      for (let i = 0; i < 13; i++) aliceSocket.send({ type: 'typing', conversationId: aliceBob, state: i % 2 === 0 ? 'typing' : 'recording' });
      await aliceSocket.waitFor(() => aliceSocket.ofType('error').length === 3);
      for (const error of aliceSocket.ofType('error')) {
        expect(error).toMatchObject({ type: 'error', error: { code: 'typing_rate_limited' } });
      }
      await bobSocket.waitFor(() => typingFramesIn(bobSocket, aliceBob).length >= 10);
      // The other device of the same user is not limited: its frame is the marker.
      laptopSocket.send({ type: 'typing', conversationId: aliceBob, state: 'paused' });
      await bobSocket.waitFor(() => bobSocket.ofType('typing').some((f) => f.state === 'paused'));
      const relayed = typingFramesIn(bobSocket, aliceBob);
      expect(relayed.length).toBe(11);
      // The ten accepted frames (five of each state; their relay order is not promised), then the marker.
      expect(relayed.slice(0, 10).map((f) => f.state).sort()).toEqual([...Array(5).fill('recording'), ...Array(5).fill('typing')]);
      expect(relayed.slice(0, 10).every((f) => f.userId === alice.userId)).toBe(true);
      expect(relayed[10].state).toBe('paused');
      expect(laptopSocket.ofType('error')).toEqual([]);
      // The limited socket stays open.
      await aliceSocket.ping();
    });

  });

  describe('devices', () => {
    it('GET /v1/me/devices lists the user\'s logged-in devices with name, loggedInAt, lastActiveAt and which one is calling', async () => {
      const before = Date.now();
      const [alice, bob] = await h.users(2);
      const laptop = await registerUser(api, alice.phone, 'Alice laptop');
      const list = await eventually(() => api.get('/v1/me/devices', alice.token), (r) => r.status === 200 && r.body.length === 2);
      for (const device of list.body) {
        expect(Object.keys(device).sort()).toEqual(DEVICE_KEYS);
        expect(device.loggedInAt).toMatch(ISO);
        expect(Date.parse(device.loggedInAt)).toBeGreaterThanOrEqual(before - 1000);
        expect(Date.parse(device.loggedInAt)).toBeLessThanOrEqual(Date.now() + 1000);
        expect(device.lastActiveAt === null || ISO.test(device.lastActiveAt)).toBe(true);
      }
      const byId = new Map<string, any>(list.body.map((d: any) => [d.deviceId, d]));
      expect(byId.get(alice.deviceId)).toMatchObject({ name: 'test device', current: true });
      expect(byId.get(laptop.deviceId)).toMatchObject({ name: 'Alice laptop', current: false });
      // From the laptop, the laptop is current.
      const fromLaptop = await api.get('/v1/me/devices', laptop.token);
      expect(fromLaptop.body.map((d: any) => [d.deviceId, d.current]).sort()).toEqual([[alice.deviceId, false], [laptop.deviceId, true]].sort());
      // Bob's list holds only his own device.
      expect((await api.get('/v1/me/devices', bob.token)).body.map((d: any) => d.deviceId)).toEqual([bob.deviceId]);
      expectError(await api.get('/v1/me/devices'), 401);

      // Last active: the laptop connects, then leaves after a while.
      const connectedAt = Date.now();
      const socket = await h.connect(laptop);
      const active = await eventually(() => api.get('/v1/me/devices', alice.token), (r) => r.body?.find((d: any) => d.deviceId === laptop.deviceId)?.lastActiveAt != null);
      const whenConnected = Date.parse(active.body.find((d: any) => d.deviceId === laptop.deviceId).lastActiveAt);
      expect(whenConnected).toBeGreaterThanOrEqual(connectedAt - 1000);
      expect(whenConnected).toBeLessThanOrEqual(Date.now() + 1000);
      // The laptop leaves later than it came: closing is stamped after the connection.
      await clockPasses(new Date(whenConnected).toISOString());
      const closedAt = Date.now();
      await socket.close();
      const left = await eventually(
        () => api.get('/v1/me/devices', alice.token),
        (r) => Date.parse(r.body?.find((d: any) => d.deviceId === laptop.deviceId)?.lastActiveAt ?? 0) > whenConnected,
      );
      const lastActive = Date.parse(left.body.find((d: any) => d.deviceId === laptop.deviceId).lastActiveAt);
      expect(lastActive).toBeGreaterThanOrEqual(closedAt - 200);
      expect(lastActive).toBeLessThanOrEqual(Date.now() + 1000);
    });

    it('DELETE /v1/me/devices/{id} answers 200 {} once the device\'s token is refused: 401 on HTTP at once, its socket closed with 4401, the handshake refused', async () => {
      const [alice, bob] = await h.users(2);
      const laptop = await registerUser(api, alice.phone, 'laptop');
      await h.chat(alice, bob);
      const [laptopSocket, phoneSocket] = await Promise.all([h.connect(laptop), h.connect(alice)]);
      expect((await api.get('/v1/me', laptop.token)).status).toBe(200);

      const result = await api.request('DELETE', `/v1/me/devices/${laptop.deviceId}`, undefined, alice.token);
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      expect(result.body).toEqual({});
      // At once, on query and command routes.
      expectError(await api.get('/v1/me', laptop.token), 401, 'unauthorized');
      expectError(await api.get('/v1/conversations', laptop.token), 401);
      expectError(await api.request('PATCH', '/v1/me/profile', { displayName: 'x' }, laptop.token), 401);
      expectError(await api.post('/v1/messages', { clientMsgId: 'c-after-logout', to: { userId: bob.userId }, kind: 'text', body: 'x' }, laptop.token), 401);

      await laptopSocket.waitFor(() => laptopSocket.closed !== undefined, 5_000);
      expect(laptopSocket.closed!.code).toBe(4401);
      expect(await handshakeStatus(`${h.system.wsUrl}?token=${encodeURIComponent(laptop.token)}`)).toBe(401);

      // The other device is untouched.
      expect(phoneSocket.closed).toBeUndefined();
      await phoneSocket.ping();
      expect((await api.get('/v1/me', alice.token)).status).toBe(200);
      expect(await handshakeStatus(`${h.system.wsUrl}?token=${encodeURIComponent(alice.token)}`)).toBe(101);
      const list = await eventually(() => api.get('/v1/me/devices', alice.token), (r) => r.body?.length === 1);
      expect(list.body.map((d: any) => d.deviceId)).toEqual([alice.deviceId]);
    });

    it('answers 404 for an unknown device and for another user\'s device (which stays logged in); a device may log itself out', async () => {
      const [alice, bob] = await h.users(2);
      expectError(await api.request('DELETE', '/v1/me/devices/dev_no-such-device', undefined, alice.token), 404);
      expectError(await api.request('DELETE', `/v1/me/devices/${bob.deviceId}`, undefined, alice.token), 404);
      expectError(await api.request('DELETE', `/v1/me/devices/${bob.deviceId}`), 401);
      expect((await api.get('/v1/me', bob.token)).status).toBe(200);

      const self = await api.request('DELETE', `/v1/me/devices/${bob.deviceId}`, undefined, bob.token);
      expect(self.status).toBe(200);
      expect(self.body).toEqual({});
      expectError(await api.get('/v1/me', bob.token), 401);
      // Logging in again gives a new device that works.
      const again = await registerUser(api, bob.phone, 'new phone');
      expect(again.deviceId).not.toBe(bob.deviceId);
      expect((await api.get('/v1/me/devices', again.token)).status).toBe(200);
    });
  });
});

describe('typing expiry, on a clock the test moves', () => {
  const clock = new ManualClock();
  const h = people(useTestSystem({}, { clock }));

  it('relays "paused" when an indicator is not renewed within 5 s; renewing extends it; an explicit paused ends it', async () => {
    const [a1, b1, a2, b2, a3, b3] = await h.users(6);
    const [c1, c2, c3] = await Promise.all([h.chat(a1, b1), h.chat(a2, b2), h.chat(a3, b3)]);
    const [s1, r1, s2, r2, s3, r3] = await Promise.all([a1, b1, a2, b2, a3, b3].map((u) => h.connect(u)));
    const states = (socket: FeedClient, conversationId: string) => typingFramesIn(socket, conversationId).map((f) => f.state);

    s1.send({ type: 'typing', conversationId: c1, state: 'typing' }); // expires on its own
    s2.send({ type: 'typing', conversationId: c2, state: 'recording' }); // renewed after 3 s
    s3.send({ type: 'typing', conversationId: c3, state: 'typing' }); // paused by the client after 1 s
    // Relayed once its expiry is set: from here the clock decides.
    await Promise.all([r1.waitFor(() => states(r1, c1).length === 1), r2.waitFor(() => states(r2, c2).length === 1), r3.waitFor(() => states(r3, c3).length === 1)]);
    clock.advance(1_000);
    s3.send({ type: 'typing', conversationId: c3, state: 'paused' });
    await r3.waitFor(() => states(r3, c3).length === 2);
    clock.advance(2_000);
    s2.send({ type: 'typing', conversationId: c2, state: 'recording' });
    await r2.waitFor(() => states(r2, c2).length === 2);

    // 5 s after it was sent (to the millisecond in the relay's unit test).
    clock.advance(2_000);
    await r1.waitFor(() => states(r1, c1).length === 2);
    expect(typingFramesIn(r1, c1)[1]).toEqual({ type: 'typing', conversationId: c1, userId: a1.userId, state: 'paused' });
    // 5 s after the renewal.
    clock.advance(3_000);
    await r2.waitFor(() => states(r2, c2).length === 3);
    expect(states(r2, c2)).toEqual(['recording', 'recording', 'paused']);

    // The explicitly paused one got exactly that one paused, no later automatic one: its next frame is next.
    s3.send({ type: 'typing', conversationId: c3, state: 'recording' });
    await r3.waitFor(() => states(r3, c3).includes('recording'));
    expect(states(r3, c3)).toEqual(['typing', 'paused', 'recording']);
    s3.send({ type: 'typing', conversationId: c3, state: 'paused' });
    // And the one that expired relays nothing more.
    expect(states(r1, c1)).toEqual(['typing', 'paused']);
    expect([s1, r1, s2, r2, s3, r3].flatMap((s) => s.ofType('error'))).toEqual([]);
  });
});

describe('an idle socket (SOCKET_IDLE_SECONDS=2), on a clock the test moves', () => {
  const clock = new ManualClock();
  const h = people(useTestSystem({ SOCKET_IDLE_SECONDS: '2' }, { clock }));

  it('is closed after the idle limit when it answers nothing (not even WebSocket pings) and its user goes offline: conversation partners get a presence frame with last seen at that moment', async () => {
    const [silent, partner] = await h.users(2);
    await h.chat(silent, partner);
    // The clock has not moved since the system started: the sweeps (every 500 ms) fall at 500, 1000, ... from here.
    const start = clock.now().getTime();
    const partnerSocket = await h.connect(partner);
    const silentSocket = await h.connect(silent, undefined, { autoPong: false });
    await partnerSocket.waitFor(() => presenceFramesOf(partnerSocket, silent).length === 1);
    expect(presenceFramesOf(partnerSocket, silent)[0]).toEqual({ type: 'presence', userId: silent.userId, online: true, lastSeen: null });
    /** One sweep later; the partner speaks after each (a ping frame), the silent socket never. */
    const sweep = async () => {
      clock.advance(500);
      await partnerSocket.ping();
    };

    // At 2 s of silence it is pinged, not closed (the sweep pings what it does not close).
    for (let pings = 1; pings <= 4; pings++) {
      await sweep();
      await silentSocket.waitFor(() => silentSocket.pings === pings);
    }
    expect(silentSocket.closed).toBeUndefined();
    // The first sweep after 2 s of silence closes it.
    await sweep();
    await silentSocket.waitFor(() => silentSocket.closed !== undefined);
    expect(silentSocket.closed!.code).toBe(1001);

    // Offline once the presence grace (3 s) has passed, last seen when it was closed.
    await eventually(async () => clock.hasTimeoutDueIn(3_000), (due) => due);
    for (let i = 0; i < 6; i++) await sweep();
    await partnerSocket.waitFor(() => presenceFramesOf(partnerSocket, silent).length === 2);
    const closedAt = new Date(start + 2_500).toISOString();
    expect(presenceFramesOf(partnerSocket, silent)[1]).toEqual({ type: 'presence', userId: silent.userId, online: false, lastSeen: closedAt });
    const seen = await eventually(() => h.presence(partner, silent), (r) => r.body?.online === false);
    expect(seen.body).toEqual({ userId: silent.userId, online: false, lastSeen: closedAt });
    // The partner, who spoke, is still connected and online.
    expect(partnerSocket.closed).toBeUndefined();
    expect((await h.presence(silent, partner)).body).toMatchObject({ userId: partner.userId, online: true });
  });
});
