import { beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Api, eventually, FeedClient, registerUser, sendText, TestUser } from '../support/client.js';
import { useTestSystem } from '../support/harness.js';
import { ManualClock } from '../support/manual-clock.js';
import { streams } from '../../libs/domain/src/streams.js';

/**
 * Calls over real sockets: every device of the callee rings, the first to accept takes the call,
 * a busy callee, a call nobody answers (missed after 45 s on the injected clock), a block, and
 * SDP relayed only between the devices in the call.
 */
const clock = new ManualClock();
const h = useTestSystem({}, { clock });
let api: Api;

beforeAll(() => {
  api = h.api();
});

const newCallId = () => randomUUID().replace(/-/g, '');

/** A direct chat both read models know of (busy is read from them). */
async function chat(a: TestUser, b: TestUser): Promise<string> {
  const sent = await sendText(api, a, b, 'hi');
  await eventually(() => api.get('/v1/conversations', b.token), (r) => r.status === 200 && r.body.some((c: any) => c.conversationId === sent.conversationId));
  return sent.conversationId;
}

const framesOf = (socket: FeedClient, type: string, callId: string) => socket.ofType(type).filter((f) => f.callId === callId);
const waitFrame = async (socket: FeedClient, type: string, callId: string) => {
  await socket.waitFor(() => framesOf(socket, type, callId).length > 0);
  return framesOf(socket, type, callId)[0];
};
/** Sends a call frame the server refuses, and answers the codes of every refusal of that call so far. */
async function refused(socket: FeedClient, frame: { callId: string }): Promise<string[]> {
  const before = framesOf(socket, 'error', frame.callId).length;
  socket.send(frame);
  await socket.waitFor(() => framesOf(socket, 'error', frame.callId).length > before);
  return framesOf(socket, 'error', frame.callId).map((f) => f.error.code);
}

describe('calls', () => {
  it('hands out STUN and TURN servers with a coturn REST credential', async () => {
    const [alice] = await h.users(1);
    const { status, body } = await api.get('/v1/calls/ice-servers', alice.token);
    expect(status).toBe(200);
    // The test system sets no servers: an empty list, and the credential's form is checked in iceServers' own spec.
    expect(body).toEqual({ iceServers: [], ttlSeconds: 3600 });
    expect((await api.get('/v1/calls/ice-servers')).status).toBe(401);
  });

  it('rings every device of the callee; the first to accept takes the call, the others stop ringing; SDP reaches only the device in the call', async () => {
    const [alice, bob] = await h.users(2);
    const bobLaptop = await registerUser(api, bob.phone, 'bob laptop');
    const conversationId = await chat(alice, bob);
    const [aliceSocket, phone, laptop] = await Promise.all([h.connect(alice), h.connect(bob), h.connect(bobLaptop)]);
    const callId = newCallId();

    aliceSocket.send({ type: 'call_invite', callId, conversationId, media: 'video' });
    const [ringPhone, ringLaptop] = await Promise.all([waitFrame(phone, 'call_incoming', callId), waitFrame(laptop, 'call_incoming', callId)]);
    expect(ringPhone).toEqual({ type: 'call_incoming', callId, conversationId, callerId: alice.userId, media: 'video', invitees: [bob.userId] });
    expect(ringLaptop).toEqual(ringPhone);
    expect(await waitFrame(aliceSocket, 'call_ringing', callId)).toEqual({ type: 'call_ringing', callId, conversationId, userIds: [bob.userId] });

    phone.send({ type: 'call_accept', callId, conversationId });
    laptop.send({ type: 'call_accept', callId, conversationId });
    const accepted = await waitFrame(aliceSocket, 'call_accepted', callId);
    const [winner, loser] = accepted.deviceId === bob.deviceId ? [phone, laptop] : [laptop, phone];
    expect(accepted).toEqual({ type: 'call_accepted', callId, conversationId, userId: bob.userId, deviceId: expect.stringMatching(new RegExp(`^(${bob.deviceId}|${bobLaptop.deviceId})$`)) });
    expect((await waitFrame(loser, 'error', callId)).error.code).toBe('answered_elsewhere');
    expect(await waitFrame(loser, 'call_accepted', callId)).toEqual(accepted);

    aliceSocket.send({ type: 'call_signal', callId, conversationId, to: bob.userId, kind: 'offer', sdp: 'v=0 '.repeat(3_000) });
    const offer = await waitFrame(winner, 'call_signal', callId);
    expect(offer).toEqual({ type: 'call_signal', callId, conversationId, from: alice.userId, kind: 'offer', sdp: 'v=0 '.repeat(3_000) });
    winner.send({ type: 'call_signal', callId, conversationId, to: alice.userId, kind: 'ice', candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 });
    expect((await waitFrame(aliceSocket, 'call_signal', callId)).kind).toBe('ice');
    expect(await refused(loser, { type: 'call_signal', callId, conversationId, to: alice.userId, kind: 'answer', sdp: 'v=0' } as any)).toEqual(['answered_elsewhere', 'not_in_call']);

    clock.advance(30_000);
    winner.send({ type: 'call_hangup', callId, conversationId });
    const ended = await waitFrame(aliceSocket, 'call_ended', callId);
    expect(ended).toEqual({ type: 'call_ended', callId, conversationId, reason: 'completed', endedBy: bob.userId, durationSeconds: 30, participants: [alice.userId, bob.userId] });
    expect(await waitFrame(loser, 'call_ended', callId)).toEqual(ended);
    expect(framesOf(loser, 'call_signal', callId)).toEqual([]);

    const item = { callId, conversationId, callerId: alice.userId, media: 'video', status: 'ended', outcome: 'completed', durationSeconds: 30 };
    expect((await api.get('/v1/calls', alice.token)).body).toEqual([{ ...item, direction: 'outgoing', startedAt: expect.any(String), endedAt: expect.any(String) }]);
    expect((await api.get('/v1/calls', bob.token)).body).toEqual([{ ...item, direction: 'incoming', startedAt: expect.any(String), endedAt: expect.any(String) }]);
  });

  it('a second call to someone in a call gets busy; a call nobody answers ends as missed after 45 s', async () => {
    const [alice, bob, carol] = await h.users(3);
    const [aliceBob, carolBob] = [await chat(alice, bob), await chat(carol, bob)];
    const [aliceSocket, bobSocket, carolSocket] = await Promise.all([h.connect(alice), h.connect(bob), h.connect(carol)]);
    const first = newCallId();
    aliceSocket.send({ type: 'call_invite', callId: first, conversationId: aliceBob, media: 'audio' });
    await waitFrame(bobSocket, 'call_incoming', first);
    bobSocket.send({ type: 'call_accept', callId: first, conversationId: aliceBob });
    await waitFrame(aliceSocket, 'call_accepted', first);

    clock.advance(1_000);
    const second = newCallId();
    carolSocket.send({ type: 'call_invite', callId: second, conversationId: carolBob, media: 'audio' });
    expect(await waitFrame(carolSocket, 'call_busy', second)).toEqual({ type: 'call_busy', callId: second, conversationId: carolBob, userIds: [bob.userId] });
    expect((await waitFrame(carolSocket, 'call_ended', second)).reason).toBe('busy');
    expect(framesOf(bobSocket, 'call_incoming', second)).toEqual([]);

    aliceSocket.send({ type: 'call_hangup', callId: first, conversationId: aliceBob });
    await waitFrame(bobSocket, 'call_ended', first);

    clock.advance(1_000);
    const unanswered = newCallId();
    carolSocket.send({ type: 'call_invite', callId: unanswered, conversationId: carolBob, media: 'video' });
    await waitFrame(bobSocket, 'call_incoming', unanswered);
    await eventually(async () => clock.hasTimeoutDueIn(45_000), (due) => due);
    clock.advance(44_999);
    expect(clock.hasTimeoutDueIn(1)).toBe(true);
    clock.advance(1);
    expect(await waitFrame(bobSocket, 'call_ended', unanswered)).toMatchObject({ reason: 'missed', endedBy: null, durationSeconds: 0 });
    expect((await waitFrame(carolSocket, 'call_ended', unanswered)).reason).toBe('missed');

    // A device that was offline learns of the missed call from its feed.
    const phoneBack = await h.connect(bob, (await waitFrame(bobSocket, 'call', first)).cursor);
    expect(await waitFrame(phoneBack, 'call', unanswered)).toEqual({
      type: 'call', cursor: expect.any(String), callId: unanswered, conversationId: carolBob, callerId: carol.userId, media: 'video', reason: 'missed',
      endedBy: null, durationSeconds: 0, participants: [carol.userId], endedAt: expect.any(String),
    });
    const history = (await api.get('/v1/calls?limit=2', bob.token)).body;
    expect(history.map((c: any) => [c.callId, c.direction, c.outcome])).toEqual([[unanswered, 'incoming', 'missed'], [second, 'incoming', 'busy']]);
    expect((await api.get(`/v1/calls?before=${second}`, bob.token)).body.map((c: any) => [c.callId, c.outcome])).toEqual([[first, 'completed']]);
    expect((await api.get('/v1/calls?limit=0', bob.token)).status).toBe(400);
  });

  it('limits each user to 10 calls in any minute: the 11th is refused with a Retry-After, and allowed once the first is a minute old', async () => {
    const [alice, bob] = await h.users(2);
    const conversationId = await chat(alice, bob);
    const [aliceSocket, aliceTablet] = await Promise.all([h.connect(alice), h.connect(await registerUser(api, alice.phone, 'alice tablet'))]);
    const placeAndCancel = async (socket: FeedClient) => {
      const callId = newCallId();
      socket.send({ type: 'call_invite', callId, conversationId, media: 'audio' });
      await waitFrame(socket, 'call_ringing', callId);
      socket.send({ type: 'call_cancel', callId, conversationId });
      await waitFrame(socket, 'call_ended', callId);
    };
    for (let i = 0; i < 10; i++) {
      await placeAndCancel(aliceSocket);
      clock.advance(1_000);
    }
    // Per user, not per device: the tablet has placed none, yet is refused.
    const eleventh = { type: 'call_invite', callId: newCallId(), conversationId, media: 'audio' };
    expect(await refused(aliceTablet, eleventh)).toEqual(['call_rate_limited']);
    expect(framesOf(aliceTablet, 'error', eleventh.callId)[0].error.details).toEqual({ retryAfterSeconds: 50 });
    clock.advance(50_000);
    await placeAndCancel(aliceTablet);
  });

  it('a group call: everyone rings; a decline stops one ring; two answer; one leaves and the call goes on; it ends when two are left and one hangs up', async () => {
    const [alice, bob, carol, dan] = await h.users(4);
    const created = await api.post('/v1/groups', { name: 'Ropes', members: [bob.userId, carol.userId, dan.userId] }, alice.token);
    const conversationId = created.body.conversationId;
    const [aliceSocket, bobSocket, carolSocket, danSocket] = await Promise.all([alice, bob, carol, dan].map((u) => h.connect(u)));
    const callId = newCallId();
    const call = { callId, conversationId };

    aliceSocket.send({ type: 'call_invite', ...call, media: 'video' });
    for (const socket of [bobSocket, carolSocket, danSocket]) {
      expect(await waitFrame(socket, 'call_incoming', callId)).toMatchObject({ callerId: alice.userId, invitees: [bob.userId, carol.userId, dan.userId] });
    }
    danSocket.send({ type: 'call_decline', ...call });
    expect(await waitFrame(aliceSocket, 'call_declined', callId)).toMatchObject({ userId: dan.userId });
    bobSocket.send({ type: 'call_accept', ...call });
    carolSocket.send({ type: 'call_accept', ...call });
    await aliceSocket.waitFor(() => framesOf(aliceSocket, 'call_accepted', callId).length === 2);

    // A mesh: each pair signals directly; someone who declined cannot.
    aliceSocket.send({ type: 'call_signal', ...call, to: carol.userId, kind: 'offer', sdp: 'v=0 alice-to-carol' });
    expect(await waitFrame(carolSocket, 'call_signal', callId)).toMatchObject({ from: alice.userId, kind: 'offer', sdp: 'v=0 alice-to-carol' });
    expect(await refused(danSocket, { type: 'call_signal', ...call, to: alice.userId, kind: 'offer', sdp: 'v=0' } as any)).toEqual(['not_in_call']);

    clock.advance(30_000);
    carolSocket.send({ type: 'call_hangup', ...call });
    expect(await waitFrame(bobSocket, 'call_left', callId)).toMatchObject({ userId: carol.userId });
    bobSocket.send({ type: 'call_hangup', ...call });
    const ended = await waitFrame(aliceSocket, 'call_ended', callId);
    expect(ended).toMatchObject({ reason: 'completed', endedBy: bob.userId, durationSeconds: 30 });
    // The caller first, then those who answered, in the order their answers landed (they answered at once).
    expect([ended.participants[0], ended.participants.slice(1).sort()]).toEqual([alice.userId, [bob.userId, carol.userId].sort()]);
    await waitFrame(danSocket, 'call_ended', callId);
    const outcome = async (user: TestUser) => {
      const history = await eventually(() => api.get('/v1/calls', user.token), (r) => r.body[0]?.callId === callId && r.body[0].outcome !== null);
      return [history.body[0].direction, history.body[0].outcome];
    };
    expect([await outcome(alice), await outcome(carol), await outcome(dan)]).toEqual([['outgoing', 'completed'], ['incoming', 'completed'], ['incoming', 'declined']]);
  });

  it('a call whose process died before its ring timer fired is ended as missed by the sweep of any query-api', async () => {
    const [alice, bob] = await h.users(2);
    const conversationId = await chat(alice, bob);
    const [aliceSocket, bobSocket] = await Promise.all([h.connect(alice), h.connect(bob)]);
    const callId = newCallId();
    // What the dead process recorded before it died: the call started, Alice's line taken; no timer survives it.
    const at = clock.now().toISOString();
    await h.system.runtime.eventStore.append(streams.callLine(alice.userId), [{ type: 'CallLineTaken', data: { userId: alice.userId, callId, conversationId, role: 'caller', at } }], 'any');
    await h.system.runtime.eventStore.append(
      streams.conversation(conversationId),
      [{ type: 'CallStarted', data: { callId, conversationId, callerId: alice.userId, callerDeviceId: alice.deviceId, media: 'audio', invitees: [bob.userId], busy: [], at } }],
      'any',
    );
    await eventually(() => api.get('/v1/calls', bob.token), (r) => r.body.some((c: any) => c.callId === callId));

    clock.advance(45_000 + 10_000);
    expect(await waitFrame(bobSocket, 'call_ended', callId)).toMatchObject({ reason: 'missed', endedBy: null });
    await waitFrame(aliceSocket, 'call_ended', callId);
    // Alice's line is free again.
    const next = newCallId();
    aliceSocket.send({ type: 'call_invite', callId: next, conversationId, media: 'audio' });
    await waitFrame(bobSocket, 'call_incoming', next);
    aliceSocket.send({ type: 'call_cancel', callId: next, conversationId });
    await waitFrame(bobSocket, 'call_ended', next);
  });

  it('refuses a call across a block, from outside the conversation, and bad call frames, naming the call', async () => {
    const [alice, bob, mallory] = await h.users(3);
    const conversationId = await chat(alice, bob);
    expect((await api.post(`/v1/users/${alice.userId}/block`, undefined, bob.token)).status).toBeLessThan(300);
    const [aliceSocket, mallorySocket, bobSocket] = await Promise.all([h.connect(alice), h.connect(mallory), h.connect(bob)]);
    const blocked = newCallId();
    expect(await refused(aliceSocket, { type: 'call_invite', callId: blocked, conversationId, media: 'audio' } as any)).toEqual(['blocked']);
    const intruder = newCallId();
    expect(await refused(mallorySocket, { type: 'call_invite', callId: intruder, conversationId, media: 'audio' } as any)).toEqual(['not_a_participant']);
    const bad = newCallId();
    expect(await refused(aliceSocket, { type: 'call_invite', callId: bad, conversationId, media: 'hologram' } as any)).toEqual(['validation_failed']);
    await bobSocket.ping();
    expect(bobSocket.ofType('call_incoming')).toEqual([]);
  });
});
