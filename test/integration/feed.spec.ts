import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, eventually, FeedClient, registerUser, sendText, TestUser, handshakeStatus } from '../support/client.js';
import { useTestSystem } from '../support/harness.js';
import { ManualClock } from '../support/manual-clock.js';
import { startTestSystem, TestSystem } from '../support/system.js';

/** docs/protocol.md, "The live feed": message frames, order, `since` and the offline queue, liveness, idle close. */

const MESSAGE_KEYS = ['body', 'conversationId', 'deletedAt', 'deletedBy', 'editedAt', 'forwardOf', 'forwardedManyTimes', 'kind', 'mediaId', 'messageId', 'replyTo', 'senderId', 'sentAt', 'seq', 'status'];



function messagesOf(socket: FeedClient, conversationId?: string): any[] {
  return socket.ofType('message').filter((f) => conversationId === undefined || f.message.conversationId === conversationId);
}

async function waitForBody(socket: FeedClient, body: string): Promise<number> {
  await socket.waitFor(() => socket.ofType('message').some((f) => f.message.body === body));
  return socket.frames.findIndex((f) => f.type === 'message' && f.message.body === body);
}

describe('the live feed', () => {
  let system: TestSystem;
  let api: Api;
  const sockets: FeedClient[] = [];

  beforeAll(async () => {
    system = await startTestSystem();
    api = new Api(system.baseUrl);
  });

  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await system?.close();
  });

  async function connect(user: TestUser, since?: string): Promise<FeedClient> {
    const socket = await FeedClient.connect(system.wsUrl, user.token, since);
    sockets.push(socket);
    return socket;
  }

  const pair = (): Promise<[TestUser, TestUser]> => Promise.all([registerUser(api), registerUser(api)]);

  function history(user: TestUser, conversationId: string, query = '') {
    return api.get(`/v1/conversations/${encodeURIComponent(conversationId)}/messages${query}`, user.token);
  }

  it("delivers message frames to the recipient, the sender's other devices and the sending device", async () => {
    const [alice, bob] = await pair();
    const aliceSecond = await registerUser(api, alice.phone, 'alice laptop');
    expect(aliceSecond.userId).toBe(alice.userId);
    expect(aliceSecond.deviceId).not.toBe(alice.deviceId);
    const [alicePhone, aliceLaptop, bobPhone] = await Promise.all([connect(alice), connect(aliceSecond), connect(bob)]);

    const sent = await sendText(api, alice, bob, 'hello over http');
    const [[forPhone], [forLaptop], [forBob]] = await Promise.all([
      alicePhone.nextOfType('message'), aliceLaptop.nextOfType('message'), bobPhone.nextOfType('message'),
    ]);
    const expected = {
      messageId: sent.messageId, conversationId: sent.conversationId, seq: 1, senderId: alice.userId, kind: 'text',
      body: 'hello over http', mediaId: null, replyTo: null, forwardOf: null, forwardedManyTimes: false, sentAt: sent.sentAt, editedAt: null, deletedAt: null, deletedBy: null,
    };
    for (const [frame, status] of [[forPhone, 'sent'], [forLaptop, 'sent'], [forBob, null]] as const) {
      expect(Object.keys(frame).sort()).toEqual(['cursor', 'message', 'type']);
      expect(frame.type).toBe('message');
      expect(typeof frame.cursor).toBe('string');
      expect(frame.cursor.length).toBeGreaterThan(0);
      expect(Object.keys(frame.message).sort()).toEqual(MESSAGE_KEYS);
      expect(frame.message).toEqual({ ...expected, status });
    }
    // The frame carries the same shape as history, which adds what changes after sending (quote, reactions).
    const asInHistory = (message: object) => ({ ...message, quote: null, reactions: [] });
    const bobsHistory = await eventually(() => history(bob, sent.conversationId), (r) => r.body?.length === 1);
    expect(asInHistory(forBob.message)).toEqual(bobsHistory.body[0]);
    const alicesHistory = await eventually(() => history(alice, sent.conversationId), (r) => r.body?.length === 1);
    expect(asInHistory(forPhone.message)).toEqual(alicesHistory.body[0]);

    // The same send over the socket: the sending device gets `sent` and the message frame too.
    const clientMsgId = `ws-${randomInt(1e12)}`;
    aliceLaptop.send({ type: 'send', clientMsgId, to: { userId: bob.userId }, kind: 'text', body: 'hello over ws' });
    const [ack] = await aliceLaptop.nextOfType('sent');
    expect(ack).toMatchObject({ type: 'sent', clientMsgId, conversationId: sent.conversationId, seq: 2 });
    expect(typeof ack.messageId).toBe('string');
    expect(typeof ack.sentAt).toBe('string');
    const [phoneFrames, laptopFrames, bobFrames] = await Promise.all([
      alicePhone.nextOfType('message', 2), aliceLaptop.nextOfType('message', 2), bobPhone.nextOfType('message', 2),
    ]);
    for (const [frames, status] of [[phoneFrames, 'sent'], [laptopFrames, 'sent'], [bobFrames, null]] as const) {
      expect(frames.length).toBe(2);
      expect(frames[1].message).toEqual({
        messageId: ack.messageId, conversationId: sent.conversationId, seq: 2, senderId: alice.userId, kind: 'text',
        body: 'hello over ws', mediaId: null, replyTo: null, forwardOf: null, forwardedManyTimes: false, sentAt: ack.sentAt, editedAt: null, deletedAt: null, deletedBy: null, status,
      });
    }
  });

  it('sends the message frames of one conversation in ascending seq, even for concurrent sends', async () => {
    const [alice, bob] = await pair();
    const [aliceSocket, bobSocket] = await Promise.all([connect(alice), connect(bob)]);
    const sends = [];
    for (let i = 0; i < 20; i++) {
      sends.push(sendText(api, alice, bob, `a${i}`));
      sends.push(sendText(api, bob, alice, `b${i}`));
    }
    const results = await Promise.all(sends);
    const conversationId = results[0].conversationId;
    expect(results.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));

    for (const socket of [aliceSocket, bobSocket]) {
      await socket.nextOfType('message', 40);
      const frames = messagesOf(socket, conversationId);
      expect(frames.map((f) => f.message.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      // The cursors of one socket increase as well (they are what a client stores).
      const cursors = frames.map((f) => f.cursor);
      expect(new Set(cursors).size).toBe(40);
    }
  });

  it('without `since` sends only items appended after the socket opened', async () => {
    const [alice, bob] = await pair();
    // Several sends just before connecting, acknowledged (201) before the socket opens.
    await Promise.all(Array.from({ length: 5 }, (_, i) => sendText(api, alice, bob, `before ${i}`)));
    const bobSocket = await connect(bob);
    const after = await sendText(api, alice, bob, 'after');

    const index = await waitForBody(bobSocket, 'after');
    const frames = bobSocket.frames.slice(0, index + 1).filter((f) => f.type === 'message');
    expect(frames.map((f) => f.message.body)).toEqual(['after']);
    expect(frames[0].message.seq).toBe(after.seq);

    // And a socket opened after everything was projected gets nothing of the past either.
    await eventually(() => history(bob, after.conversationId), (r) => r.body?.length === 6);
    const lateSocket = await connect(bob);
    await sendText(api, alice, bob, 'later');
    const lateIndex = await waitForBody(lateSocket, 'later');
    expect(lateSocket.frames.slice(0, lateIndex + 1).filter((f) => f.type === 'message').map((f) => f.message.body)).toEqual(['later']);
  });

  it('replays exactly what was missed, in order and once, on reconnect with the last cursor, then goes live', async () => {
    const [alice, bob] = await pair();
    const first = await connect(bob);
    const before = await sendText(api, alice, bob, 'before');
    const [seen] = await first.nextOfType('message');
    expect(seen.message.messageId).toBe(before.messageId);
    const cursor: string = first.frames[first.frames.length - 1].cursor;
    await first.close();

    const missed = [];
    for (let i = 1; i <= 30; i++) missed.push(await sendText(api, alice, bob, `missed ${i}`));

    const second = await connect(bob, cursor);
    await second.nextOfType('message', 30);
    const live = await sendText(api, alice, bob, 'live');
    const liveIndex = await waitForBody(second, 'live');

    const replayed = second.frames.slice(0, liveIndex).filter((f) => f.type === 'message');
    expect(replayed.map((f) => f.message.messageId)).toEqual(missed.map((m) => m.messageId));
    expect(replayed.map((f) => f.message.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 2));
    expect(replayed.map((f) => f.message.body)).toEqual(Array.from({ length: 30 }, (_, i) => `missed ${i + 1}`));
    expect(second.frames[liveIndex].message.seq).toBe(live.seq);
    expect(live.seq).toBe(32);
    // Nothing twice, and nothing from before the cursor.
    const ids = second.ofType('message').map((f) => f.message.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).not.toContain(before.messageId);
    expect(ids.length).toBe(31);

    // Live messages keep coming.
    await sendText(api, alice, bob, 'live 2');
    await waitForBody(second, 'live 2');
    expect(second.ofType('message').length).toBe(32);
  });

  it('merges the replay with live items that arrive during it: every message once, in seq order', async () => {
    const [alice, bob] = await pair();
    const first = await connect(bob);
    await sendText(api, alice, bob, 'seen');
    const [seen] = await first.nextOfType('message');
    await first.close();

    for (let i = 1; i <= 30; i++) await sendText(api, alice, bob, `offline ${i}`);
    // Reconnect while Alice keeps sending: the catch-up and the live tail overlap.
    const sending = (async () => {
      const results = [];
      for (let i = 1; i <= 30; i++) results.push(await sendText(api, alice, bob, `during ${i}`));
      return results;
    })();
    const second = await connect(bob, seen.cursor);
    await sending;
    await sendText(api, alice, bob, 'marker');
    const markerIndex = await waitForBody(second, 'marker');

    const frames = second.frames.slice(0, markerIndex + 1).filter((f) => f.type === 'message');
    expect(frames.map((f) => f.message.seq)).toEqual(Array.from({ length: 61 }, (_, i) => i + 2));
    expect(frames.map((f) => f.message.body)).toEqual([
      ...Array.from({ length: 30 }, (_, i) => `offline ${i + 1}`),
      ...Array.from({ length: 30 }, (_, i) => `during ${i + 1}`),
      'marker',
    ]);
  });

  it('queues receipt frames for an offline sender and replays them on reconnect', async () => {
    const [alice, bob] = await pair();
    const aliceSocket = await connect(alice);
    const sent = await sendText(api, alice, bob, 'read me');
    const [own] = await aliceSocket.nextOfType('message');
    await aliceSocket.close();

    const receipt = await api.post(`/v1/conversations/${sent.conversationId}/receipts`, { kind: 'read', upToSeq: 1 }, bob.token);
    expect(receipt.status).toBe(202);
    await sendText(api, bob, alice, 'marker');

    const again = await connect(alice, own.cursor);
    const markerIndex = await waitForBody(again, 'marker');
    const before = again.frames.slice(0, markerIndex).filter((f) => f.type === 'receipt' || f.type === 'message');
    expect(before.some((f) => f.type === 'message')).toBe(false);
    const read = before.filter((f) => f.kind === 'read');
    expect(read.length).toBe(1);
    expect(read[0]).toMatchObject({ type: 'receipt', conversationId: sent.conversationId, userId: bob.userId, kind: 'read', upToSeq: 1 });
    expect(typeof read[0].cursor).toBe('string');
    // Each receipt kind at most once.
    expect(before.filter((f) => f.kind === 'delivered').length).toBeLessThanOrEqual(1);
  });

  it('replays only the items after a cursor from the middle of what was seen', async () => {
    const [alice, bob] = await pair();
    const first = await connect(bob);
    const sent = [];
    for (let i = 1; i <= 5; i++) sent.push(await sendText(api, alice, bob, `m${i}`));
    const frames = await first.nextOfType('message', 5);
    expect(frames.map((f) => f.message.seq)).toEqual([1, 2, 3, 4, 5]);
    await first.close();

    const second = await connect(bob, frames[1].cursor);
    await second.nextOfType('message', 3);
    await sendText(api, alice, bob, 'marker');
    const markerIndex = await waitForBody(second, 'marker');
    const replayed = second.frames.slice(0, markerIndex + 1).filter((f) => f.type === 'message');
    expect(replayed.map((f) => f.message.seq)).toEqual([3, 4, 5, 6]);
    expect(replayed.slice(0, 3).map((f) => f.message.messageId)).toEqual(sent.slice(2).map((m) => m.messageId));
    // The replayed frames carry the same cursors as the first time.
    expect(replayed.slice(0, 3).map((f) => f.cursor)).toEqual(frames.slice(2).map((f) => f.cursor));

    // A reconnect with the cursor of the last frame replays nothing.
    const lastCursor = second.frames[markerIndex].cursor;
    await second.close();
    const third = await connect(bob, lastCursor);
    await sendText(api, alice, bob, 'marker 2');
    const marker2Index = await waitForBody(third, 'marker 2');
    expect(third.frames.slice(0, marker2Index + 1).filter((f) => f.type === 'message').map((f) => f.message.seq)).toEqual([7]);
  });

  it('refuses the handshake with 400 for an invalid `since` and 401 for a missing or bad token', async () => {
    const bob = await registerUser(api);
    const token = encodeURIComponent(bob.token);
    expect(await handshakeStatus(`${system.wsUrl}?token=${token}&since=abc`)).toBe(400);
    expect(await handshakeStatus(`${system.wsUrl}?token=${token}&since=-1`)).toBe(400);
    expect(await handshakeStatus(`${system.wsUrl}?token=${token}&since=1.5`)).toBe(400);
    expect(await handshakeStatus(`${system.wsUrl}?token=${token}&since=9999999999999999999`)).toBe(400);
    // A cursor past the log's head was never issued (say, the server's data was reset): refused, so the client resyncs.
    const head = await system.runtime.eventStore.headPosition();
    expect(await handshakeStatus(`${system.wsUrl}?token=${token}&since=${head + 1000n}`)).toBe(400);
    expect(await handshakeStatus(`${system.wsUrl}?token=${token}&since=${head}`)).toBe(101);
    expect(await handshakeStatus(`${system.wsUrl}`)).toBe(401);
    expect(await handshakeStatus(`${system.wsUrl}?token=not-a-token`)).toBe(401);
    // The control: the same token without `since` is accepted.
    expect(await handshakeStatus(`${system.wsUrl}?token=${token}`)).toBe(101);
  });

  it('delivers every item appended after the pong of the first ping, exactly once (50 rapid sends)', async () => {
    for (let round = 0; round < 3; round++) {
      const [alice, bob] = await pair();
      const bobSocket = await connect(bob); // resolves at the pong of its first ping
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => sendText(api, alice, bob, `rapid ${i}`)));
      await bobSocket.nextOfType('message', 50);
      await sendText(api, alice, bob, 'marker');
      const markerIndex = await waitForBody(bobSocket, 'marker');

      const frames = bobSocket.frames.slice(0, markerIndex).filter((f) => f.type === 'message');
      expect(frames.length, `round ${round}`).toBe(50);
      expect(frames.map((f) => f.message.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(new Set(frames.map((f) => f.message.messageId))).toEqual(new Set(results.map((r) => r.messageId)));
      expect(bobSocket.ofType('message').length).toBe(51);
    }
  });
});

describe('an idle socket (SOCKET_IDLE_SECONDS=2), on a clock the test moves', () => {
  const clock = new ManualClock();
  const h = useTestSystem({ SOCKET_IDLE_SECONDS: '2' }, { clock });

  it('is closed after the idle limit when it answers nothing, not even WebSocket pings; a silent healthy client stays; the user goes offline with lastSeen', async () => {
    const api = h.api();
    const [deaf, quiet, observer] = await h.users(3, { known: false });
    // The clock has not moved since the system started: the sweeps (every 500 ms) fall at 500, 1000, ... from here.
    const start = clock.now().getTime();
    // `deaf` answers no WebSocket ping (a dead client); `quiet` sends nothing but its library answers pings, like wscat.
    const deafSocket = await h.connect(deaf, undefined, { autoPong: false });
    const quietSocket = await h.connect(quiet);
    await eventually(() => api.get(`/v1/users/${deaf.userId}/presence`, observer.token), (r) => r.body?.online === true);
    /** One sweep later, once the quiet socket has its ping of that sweep (and has answered it). */
    let sweeps = 0;
    const sweep = async () => {
      clock.advance(500);
      sweeps++;
      await quietSocket.waitFor(() => quietSocket.pings === sweeps);
    };

    // At 2 s of silence the deaf socket is pinged, not closed (the sweep pings what it does not close).
    for (let i = 0; i < 4; i++) await sweep();
    await deafSocket.waitFor(() => deafSocket.pings === 4);
    expect(deafSocket.closed).toBeUndefined();
    // The first sweep after 2 s of silence closes it.
    await sweep();
    await deafSocket.waitFor(() => deafSocket.closed !== undefined);
    expect(deafSocket.closed?.code).toBe(1001);

    // Offline once the presence grace (3 s) has passed, last seen when it was closed.
    await eventually(async () => clock.hasTimeoutDueIn(3_000), (due) => due);
    for (let i = 0; i < 6; i++) await sweep();
    const offline = await eventually(
      () => api.get(`/v1/users/${deaf.userId}/presence`, observer.token),
      (r) => r.body?.online === false && r.body?.lastSeen !== null,
    );
    expect(offline.status).toBe(200);
    expect(offline.body).toEqual({ userId: deaf.userId, online: false, lastSeen: new Date(start + 2_500).toISOString() });

    // The server kept pinging the quiet socket, which answered, far beyond the limit.
    expect(quietSocket.pings).toBe(11);
    expect(quietSocket.closed).toBeUndefined();
    await quietSocket.ping();
    const quietPresence = await api.get(`/v1/users/${quiet.userId}/presence`, observer.token);
    expect(quietPresence.body).toMatchObject({ userId: quiet.userId, online: true });
  });
});
