import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, FeedClient, registerUser, sendText, TestUser } from '../support/client.js';
import { createTestDatabase } from '../support/database.js';
import { AppProcess, spawnApp } from '../support/processes.js';

/**
 * Live delivery follows the event log, not the projector; reads follow the caller's own writes.
 * command-api, query-api and projector run as separate processes; the projector is frozen
 * (SIGSTOP) to make it lag on purpose.
 */
describe('live delivery and read-your-writes across processes, with a lagging projector', () => {
  let apps: AppProcess[] = [];
  let commands: Api;
  let queries: Api;
  let query: AppProcess;
  let projector: AppProcess;
  let wsUrl: string;
  let alice: TestUser;
  let bob: TestUser;

  const freeze = () => projector.child.kill('SIGSTOP');
  const thaw = () => projector.child.kill('SIGCONT');
  /** Lets the projector go on once the given request is on its way (it must wait for the projector to answer right). */
  const afterThawing = async <T>(request: Promise<T>): Promise<T> => {
    setTimeout(thaw, 300);
    return request;
  };

  beforeAll(async () => {
    const databaseUrl = await createTestDatabase();
    const commandApi = await spawnApp('command-api', databaseUrl);
    query = await spawnApp('query-api', databaseUrl);
    projector = await spawnApp('projector', databaseUrl);
    apps = [commandApi, query, projector];
    commands = new Api(commandApi.url);
    queries = new Api(query.url);
    wsUrl = `ws://127.0.0.1:${query.port}/v1/ws`;
    [alice, bob] = await Promise.all([registerUser(commands), registerUser(commands)]);
  }, 90_000);

  afterAll(async () => {
    thaw();
    await Promise.all(apps.map((app) => app.kill('SIGTERM')));
  });

  it('pushes messages live and hands a reconnecting device over from the log to live exactly, while the projector stands still', async () => {
    await sendText(commands, alice, bob, 'before the freeze');
    const bobLive = await FeedClient.connect(wsUrl, bob.token);
    freeze();
    try {
      const sent = [];
      for (let i = 0; i < 5; i++) sent.push(await sendText(commands, alice, bob, `frozen ${i}`));
      // Live: the query-api follows the log, so nothing waits for the projector.
      await bobLive.nextOfType('message', 5);
      expect(bobLive.ofType('message').map((f) => f.message.body)).toEqual(sent.map((_, i) => `frozen ${i}`));

      // Bob's other device catches up from before the freeze: from the log where the projector has not been.
      const tablet = await registerUser(commands, bob.phone, 'tablet');
      const catchingUp = await FeedClient.connect(wsUrl, tablet.token, String(BigInt(bobLive.ofType('message')[0].cursor) - 1n));
      for (let i = 5; i < 8; i++) sent.push(await sendText(commands, alice, bob, `frozen ${i}`));
      await catchingUp.nextOfType('message', 8);
      await bobLive.nextOfType('message', 8);
      expect(catchingUp.ofType('message').map((f) => f.message.seq)).toEqual(sent.map((m) => m.seq));
      // The same frames, byte for byte, whether pushed live or replayed from the log.
      const messageText = (client: FeedClient) => client.raw.filter((text) => JSON.parse(text).type === 'message');
      expect(messageText(catchingUp)).toEqual(messageText(bobLive));
      await catchingUp.close();

      thaw();
      // Once projected (a read waits for that), the stored feed replays the very same bytes.
      expect((await queries.get('/v1/conversations', bob.token)).body[0]).toMatchObject({ lastSeq: sent[7].seq });
      const replayed = await FeedClient.connect(wsUrl, tablet.token, String(BigInt(bobLive.ofType('message')[0].cursor) - 1n));
      await replayed.nextOfType('message', 8);
      expect(messageText(replayed)).toEqual(messageText(bobLive));
      await replayed.close();
    } finally {
      thaw();
      await bobLive.close();
    }
  });

  it("GET /v1/groups/{id} straight after the group's 201 is 200, however far the projector lags", async () => {
    freeze();
    const created = await commands.post('/v1/groups', { name: 'Fresh', members: [bob.userId] }, alice.token);
    expect(created.status).toBe(201);
    const group = await afterThawing(queries.get(`/v1/groups/${created.body.groupId}`, alice.token));
    expect(group.status).toBe(200);
    expect(group.body.members.map((m: { userId: string }) => m.userId).sort()).toEqual([alice.userId, bob.userId].sort());
  });

  it("a sender's history and inbox include the message its 201 acknowledged; a receipt's 202 shows in the reader's inbox", async () => {
    freeze();
    const sent = await sendText(commands, alice, bob, 'read me at once');
    const history = await afterThawing(queries.get(`/v1/conversations/${sent.conversationId}/messages`, alice.token));
    expect(history.body.at(-1)).toMatchObject({ messageId: sent.messageId, body: 'read me at once' });

    freeze();
    const receipt = await commands.post(`/v1/conversations/${sent.conversationId}/receipts`, { kind: 'read', upToSeq: sent.seq }, bob.token);
    expect(receipt.status).toBe(202);
    const inbox = await afterThawing(queries.get('/v1/conversations', bob.token));
    expect(inbox.body.find((c: { conversationId: string }) => c.conversationId === sent.conversationId)).toMatchObject({ unreadCount: 0 });
  });

  it('a typing frame right after the first message of a new chat reaches the peer', async () => {
    const carol = await registerUser(commands);
    const carolLive = await FeedClient.connect(wsUrl, carol.token);
    const aliceLive = await FeedClient.connect(wsUrl, alice.token);
    try {
      freeze();
      const sent = await sendText(commands, alice, carol, 'hello, new chat');
      aliceLive.send({ type: 'typing', conversationId: sent.conversationId, state: 'typing' });
      setTimeout(thaw, 300);
      const [typing] = await carolLive.nextOfType('typing');
      expect(typing).toEqual({ type: 'typing', conversationId: sent.conversationId, userId: alice.userId, state: 'typing' });
      expect(aliceLive.ofType('error')).toEqual([]);
    } finally {
      thaw();
      await Promise.all([carolLive.close(), aliceLive.close()]);
    }
  });

  it('a clientMsgId repeated to another conversation through another process is answered with the first send', async () => {
    const carol = await registerUser(commands);
    const first = await commands.post('/v1/messages', { clientMsgId: 'one-id', to: { userId: bob.userId }, kind: 'text', body: 'to bob' }, alice.token);
    expect(first.status).toBe(201);
    const aliceLive = await FeedClient.connect(wsUrl, alice.token);
    try {
      aliceLive.send({ type: 'send', clientMsgId: 'one-id', to: { userId: carol.userId }, kind: 'text', body: 'to carol' });
      const [sent] = await aliceLive.nextOfType('sent');
      expect(sent).toEqual({ type: 'sent', clientMsgId: 'one-id', ...first.body });
      const carolsHistory = await queries.get(`/v1/conversations`, carol.token);
      expect(carolsHistory.body).toEqual([]);
    } finally {
      await aliceLive.close();
    }
  });
});
