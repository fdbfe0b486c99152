import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, FeedClient, registerUser, sendText, TestUser } from '../support/client.js';
import { createTestDatabase } from '../support/database.js';
import { AppProcess, spawnApp } from '../support/processes.js';

/**
 * The split deployment on one machine: command-api, two query-api instances and the projector
 * as separate processes on one PostgreSQL. Feed items cross processes by LISTEN/NOTIFY.
 */
describe('command-api, two query-apis and the projector as separate processes', () => {
  let apps: AppProcess[] = [];
  let commands: Api;
  let queryA: AppProcess;
  let queryB: AppProcess;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase();
    // The first process migrates; the others start once the schema exists.
    const commandApi = await spawnApp('command-api', databaseUrl);
    [queryA, queryB] = await Promise.all([spawnApp('query-api', databaseUrl), spawnApp('query-api', databaseUrl)]);
    const projector = await spawnApp('projector', databaseUrl);
    apps = [commandApi, queryA, queryB, projector];
    commands = new Api(commandApi.url);
    [alice, bob] = await Promise.all([registerUser(commands), registerUser(commands)]);
  }, 90_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.kill('SIGTERM')));
  });

  it('a client on one query-api receives a message sent through the command-api and one sent on the other query-api', async () => {
    const bobOnB = await FeedClient.connect(`ws://127.0.0.1:${queryB.port}/v1/ws`, bob.token);
    const aliceOnA = await FeedClient.connect(`ws://127.0.0.1:${queryA.port}/v1/ws`, alice.token);
    try {
      const viaHttp = await sendText(commands, alice, bob, 'through the command-api');
      aliceOnA.send({ type: 'send', clientMsgId: 'socket-1', to: { userId: bob.userId }, kind: 'text', body: 'through query-api A' });
      const [sent] = await aliceOnA.nextOfType('sent');
      expect(sent).toMatchObject({ clientMsgId: 'socket-1', conversationId: viaHttp.conversationId, seq: 2 });

      const frames = await bobOnB.nextOfType('message', 2);
      expect(frames.map((f) => [f.message.seq, f.message.body])).toEqual([
        [1, 'through the command-api'],
        [2, 'through query-api A'],
      ]);
      // The sender's own device sees its messages too, on the other instance.
      await aliceOnA.nextOfType('message', 2);
    } finally {
      await Promise.all([bobOnB.close(), aliceOnA.close()]);
    }
  });

  it('a device that reconnects with its cursor to the other instance gets exactly what it missed', async () => {
    const first = await FeedClient.connect(`ws://127.0.0.1:${queryA.port}/v1/ws`, bob.token);
    await sendText(commands, alice, bob, 'seen on A');
    const [seen] = await first.nextOfType('message');
    await first.close();

    const missed = [];
    for (let i = 0; i < 10; i++) missed.push(await sendText(commands, alice, bob, `missed ${i}`));
    const again = await FeedClient.connect(`ws://127.0.0.1:${queryB.port}/v1/ws`, bob.token, seen.cursor);
    try {
      const frames = await again.nextOfType('message', 10);
      await sendText(commands, alice, bob, 'live after reconnect');
      await again.nextOfType('message', 11);
      expect(again.ofType('message').map((f) => f.message.seq)).toEqual([...missed.map((m) => m.seq), missed[9].seq + 1]);
      expect(frames.slice(0, 10).map((f) => f.message.body)).toEqual(missed.map((_, i) => `missed ${i}`));
    } finally {
      await again.close();
    }
  });

  it('queries are answered by either query-api from the projector\'s read models', async () => {
    for (const query of [queryA, queryB]) {
      const api = new Api(query.url);
      const deadline = Date.now() + 10_000;
      let inbox = await api.get('/v1/conversations', bob.token);
      while (inbox.body[0]?.lastSeq !== 14 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        inbox = await api.get('/v1/conversations', bob.token);
      }
      expect(inbox.status).toBe(200);
      expect(inbox.body).toHaveLength(1);
      expect(inbox.body[0]).toMatchObject({ type: 'direct', peerUserId: alice.userId, lastSeq: 14 });
    }
  });

  it("a device's new socket on one query-api closes its older socket on the other (4409), and only that one", async () => {
    const tablet = await registerUser(commands, bob.phone, 'tablet');
    const older = await FeedClient.connect(`ws://127.0.0.1:${queryA.port}/v1/ws`, tablet.token);
    const otherDevice = await FeedClient.connect(`ws://127.0.0.1:${queryA.port}/v1/ws`, bob.token);
    const newer = await FeedClient.connect(`ws://127.0.0.1:${queryB.port}/v1/ws`, tablet.token);
    try {
      await older.waitFor(() => older.closed !== undefined);
      expect(older.closed?.code).toBe(4409);
      // The newer socket and the user's other device still work, on both instances.
      await sendText(commands, alice, bob, 'after the replacement');
      await newer.nextOfType('message');
      await otherDevice.nextOfType('message');
      expect([newer.closed, otherDevice.closed]).toEqual([undefined, undefined]);
    } finally {
      await Promise.all([newer.close(), otherDevice.close()]);
    }
  });

  it('each app answers its health check', async () => {
    for (const app of apps) {
      const health = await fetch(`${app.url}/health`);
      expect(health.status, app.name).toBe(200);
    }
  });
});
