import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, eventually, FeedClient, registerUser, sendText, TestUser, handshakeStatus } from '../support/client.js';
import { createTestDatabase } from '../support/database.js';
import { AppProcess, spawnApp } from '../support/processes.js';

/**
 * People features in the split deployment: command-api, two query-api instances and the
 * projector as separate processes on one PostgreSQL. Presence and typing frames and device
 * logouts must cross from one process to a socket held by another.
 */

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;


describe('presence, typing and device logout across processes', () => {
  let apps: AppProcess[] = [];
  let commands: Api;
  let queryA: AppProcess;
  let queryB: AppProcess;
  const sockets: FeedClient[] = [];
  const wsA = () => `ws://127.0.0.1:${queryA.port}/v1/ws`;
  const wsB = () => `ws://127.0.0.1:${queryB.port}/v1/ws`;

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase();
    // The first process migrates; the others start once the schema exists.
    const commandApi = await spawnApp('command-api', databaseUrl);
    [queryA, queryB] = await Promise.all([spawnApp('query-api', databaseUrl), spawnApp('query-api', databaseUrl)]);
    const projector = await spawnApp('projector', databaseUrl);
    apps = [commandApi, queryA, queryB, projector];
    commands = new Api(commandApi.url);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.close()));
    await Promise.all(apps.map((app) => app.kill('SIGTERM')));
  });

  async function connect(url: string, user: TestUser): Promise<FeedClient> {
    const socket = await FeedClient.connect(url, user.token);
    sockets.push(socket);
    return socket;
  }

  /** Two users with a direct chat that both query-apis' read models know. */
  async function pair(): Promise<[TestUser, TestUser, string]> {
    const [alice, bob] = await Promise.all([registerUser(commands), registerUser(commands)]);
    const sent = await sendText(commands, alice, bob, 'hello');
    for (const query of [queryA, queryB]) {
      for (const user of [alice, bob]) {
        await eventually(() => new Api(query.url).get('/v1/conversations', user.token), (r) => r.status === 200 && r.body.length === 1);
      }
    }
    return [alice, bob, sent.conversationId];
  }

  it('a presence change on one query-api reaches a partner\'s socket on the other', async () => {
    const [alice, bob] = await pair();
    const bobOnB = await connect(wsB(), bob);
    const aliceOnA = await connect(wsA(), alice);
    await bobOnB.waitFor(() => bobOnB.ofType('presence').some((f) => f.userId === alice.userId));
    expect(bobOnB.ofType('presence')).toEqual([{ type: 'presence', userId: alice.userId, online: true, lastSeen: null }]);
    const onlineOnB = await eventually(() => new Api(queryB.url).get(`/v1/users/${alice.userId}/presence`, bob.token), (r) => r.body?.online === true);
    expect(onlineOnB.body).toEqual({ userId: alice.userId, online: true, lastSeen: null });

    const closedAt = Date.now();
    await aliceOnA.close();
    await bobOnB.waitFor(() => bobOnB.ofType('presence').length === 2);
    const offline = bobOnB.ofType('presence')[1];
    expect(offline).toMatchObject({ type: 'presence', userId: alice.userId, online: false });
    expect(offline.lastSeen).toMatch(ISO);
    expect(Date.parse(offline.lastSeen)).toBeGreaterThanOrEqual(closedAt - 1000);
    for (const query of [queryA, queryB]) {
      const seen = await eventually(() => new Api(query.url).get(`/v1/users/${alice.userId}/presence`, bob.token), (r) => r.body?.online === false);
      expect(seen.body).toEqual({ userId: alice.userId, online: false, lastSeen: offline.lastSeen });
    }
  });

  it('a typing frame sent on one query-api reaches the other participant on the other, and expires there as paused after 5 s', async () => {
    const [alice, bob, conversationId] = await pair();
    const bobOnB = await connect(wsB(), bob);
    const aliceOnA = await connect(wsA(), alice);

    const sentAt = Date.now();
    aliceOnA.send({ type: 'typing', conversationId, state: 'typing' });
    await bobOnB.waitFor(() => bobOnB.ofType('typing').length === 1);
    expect(bobOnB.ofType('typing')).toEqual([{ type: 'typing', conversationId, userId: alice.userId, state: 'typing' }]);
    // And back the other way.
    bobOnB.send({ type: 'typing', conversationId, state: 'recording' });
    await aliceOnA.waitFor(() => aliceOnA.ofType('typing').length === 1);
    expect(aliceOnA.ofType('typing')).toEqual([{ type: 'typing', conversationId, userId: bob.userId, state: 'recording' }]);

    // Never before 5 s (the expiry is set after the frame was sent); exactly at 5 s is tested on a clock moved by hand.
    await bobOnB.waitFor(() => bobOnB.ofType('typing').length === 2, 10_000);
    const expiredAfter = Date.now() - sentAt;
    expect(bobOnB.ofType('typing')[1]).toEqual({ type: 'typing', conversationId, userId: alice.userId, state: 'paused' });
    expect(expiredAfter).toBeGreaterThanOrEqual(5_000);
    expect([...aliceOnA.ofType('error'), ...bobOnB.ofType('error')]).toEqual([]);
  }, 30_000);

  it('a device logged out through the command-api is refused at once by both query-apis and its socket there is closed with 4401', async () => {
    const [alice] = await pair();
    const laptop = await registerUser(commands, alice.phone, 'alice laptop');
    await eventually(() => new Api(queryA.url).get('/v1/me/devices', alice.token), (r) => r.status === 200 && r.body.length === 2);
    const laptopOnB = await connect(wsB(), laptop);
    const phoneOnA = await connect(wsA(), alice);

    const result = await commands.request('DELETE', `/v1/me/devices/${laptop.deviceId}`, undefined, alice.token);
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body).toEqual({});
    const [onA, onB, onCommands] = await Promise.all([
      new Api(queryA.url).get('/v1/me', laptop.token),
      new Api(queryB.url).get('/v1/me', laptop.token),
      commands.request('PATCH', '/v1/me/profile', { displayName: 'x' }, laptop.token),
    ]);
    expect(onA.status, 'query-api A').toBe(401);
    expect(onB.status, 'query-api B').toBe(401);
    expect(onCommands.status, 'command-api').toBe(401);

    await laptopOnB.waitFor(() => laptopOnB.closed !== undefined, 5_000);
    expect(laptopOnB.closed!.code).toBe(4401);
    expect(await handshakeStatus(`${wsA()}?token=${encodeURIComponent(laptop.token)}`)).toBe(401);
    expect(await handshakeStatus(`${wsB()}?token=${encodeURIComponent(laptop.token)}`)).toBe(401);

    // The phone is untouched: query-api A refused the laptop's handshake, so it knew of the logout, and
    // closes a device's sockets as it learns of it; a pong now comes after any close it sent.
    await phoneOnA.ping();
    expect(phoneOnA.closed).toBeUndefined();
    expect((await new Api(queryB.url).get('/v1/me', alice.token)).status).toBe(200);
  });

  it('a call placed on one query-api rings the callee\'s devices on both; an answer on the other takes it, and SDP crosses back', async () => {
    const [alice, bob, conversationId] = await pair();
    const bobLaptop = await registerUser(commands, bob.phone, 'bob laptop');
    const [aliceOnA, phoneOnA, laptopOnB] = await Promise.all([connect(wsA(), alice), connect(wsA(), bob), connect(wsB(), bobLaptop)]);
    const callId = 'split' + Date.now();
    const call = { callId, conversationId };
    const frame = async (socket: FeedClient, type: string) => (await socket.nextOfType(type)).find((f) => f.callId === callId);

    aliceOnA.send({ type: 'call_invite', ...call, media: 'video' });
    expect(await frame(laptopOnB, 'call_incoming')).toMatchObject({ ...call, callerId: alice.userId });
    expect(await frame(phoneOnA, 'call_incoming')).toMatchObject({ ...call, callerId: alice.userId });
    laptopOnB.send({ type: 'call_accept', ...call });
    const accepted = { type: 'call_accepted', ...call, userId: bob.userId, deviceId: bobLaptop.deviceId };
    expect(await frame(aliceOnA, 'call_accepted')).toEqual(accepted);
    expect(await frame(phoneOnA, 'call_accepted')).toEqual(accepted);

    // Longer than one NOTIFY payload: it crosses in parts.
    const sdp = 'a=candidate '.repeat(1_500);
    aliceOnA.send({ type: 'call_signal', ...call, to: bob.userId, kind: 'offer', sdp });
    expect(await frame(laptopOnB, 'call_signal')).toEqual({ type: 'call_signal', ...call, from: alice.userId, kind: 'offer', sdp });
    laptopOnB.send({ type: 'call_hangup', ...call });
    expect(await frame(aliceOnA, 'call_ended')).toMatchObject({ reason: 'completed', participants: [alice.userId, bob.userId] });
  });
});
