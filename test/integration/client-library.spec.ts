import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiError, FeedConnection, MessengerApi, type FeedStatus, type ServerFrame } from '../../libs/client/src/index.js';
import { eventually } from '../support/client.js';
import { useTestSystem } from '../support/harness.js';

/** The client library (libs/client) against the real server: reconnect with the cursor, idempotent sends, typed routes. */

describe('the client library', () => {
  const h = useTestSystem();

  /** A device's feed over the `ws` package, with the test holding its current socket so it can cut it. */
  function device(token: string) {
    const frames: ServerFrame[] = [];
    const statuses: FeedStatus[] = [];
    let socket: WebSocket | undefined;
    const feed = new FeedConnection({
      url: h.system.wsUrl,
      token,
      connect: (url) => (socket = new WebSocket(url)),
      onFrame: (frame) => frames.push(frame),
      onStatus: (status) => statuses.push(status),
      retryDelaysMs: [50],
    });
    const live = () => eventually(async () => feed.status, (s) => s === 'live');
    const bodies = () => frames.flatMap((f) => (f.type === 'message' ? [f.message.body] : []));
    return { feed, frames, statuses, live, bodies, cut: () => socket!.terminate() };
  }

  it('reconnects after its socket is cut and receives what it missed, in order, once', async () => {
    const [alice, bob] = await h.users(2);
    const aliceApi = new MessengerApi(h.system.baseUrl, alice.token);
    const bobDevice = device(bob.token);
    bobDevice.feed.start();
    await bobDevice.live();
    await aliceApi.send({ clientMsgId: randomUUID(), to: { userId: bob.userId }, kind: 'text', body: 'before' });
    await eventually(async () => bobDevice.bodies(), (b) => b.includes('before'));

    bobDevice.cut();
    await eventually(async () => bobDevice.statuses, (s) => s.includes('offline'));
    for (const body of ['missed 1', 'missed 2', 'missed 3']) await aliceApi.send({ clientMsgId: randomUUID(), to: { userId: bob.userId }, kind: 'text', body });
    await bobDevice.live();
    await aliceApi.send({ clientMsgId: randomUUID(), to: { userId: bob.userId }, kind: 'text', body: 'after' });

    await eventually(async () => bobDevice.bodies(), (b) => b.includes('after'));
    expect(bobDevice.bodies()).toEqual(['before', 'missed 1', 'missed 2', 'missed 3', 'after']);
    bobDevice.feed.stop();
  });

  it('a send cut off before its answer is re-sent on reconnect with its clientMsgId: one message, answered once', async () => {
    const [alice, bob] = await h.users(2);
    const aliceDevice = device(alice.token);
    aliceDevice.feed.start();
    await aliceDevice.live();

    const clientMsgId = randomUUID();
    const sent = aliceDevice.feed.send({ clientMsgId, to: { userId: bob.userId }, kind: 'text', body: 'exactly once' });
    aliceDevice.cut();
    const answer = await sent;

    const history = await new MessengerApi(h.system.baseUrl, bob.token).history(answer.conversationId);
    expect(history.filter((m) => m.body === 'exactly once').map((m) => m.messageId)).toEqual([answer.messageId]);
    expect(aliceDevice.statuses.filter((s) => s === 'live')).toHaveLength(2);
    aliceDevice.feed.stop();
  });

  it('answers a refused send with the protocol error, and its typed routes read their own writes', async () => {
    const [alice, bob, carol] = await h.users(3);
    const aliceApi = new MessengerApi(h.system.baseUrl, alice.token);
    const bobApi = new MessengerApi(h.system.baseUrl, bob.token);
    await bobApi.setBlocked(alice.userId, true);
    const refused = await aliceApi.send({ clientMsgId: randomUUID(), to: { userId: bob.userId }, kind: 'text', body: 'hi' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ status: 403 });

    const { groupId } = await aliceApi.createGroup('Straight after', [carol.userId]);
    expect((await aliceApi.group(groupId)).name).toBe('Straight after');
    expect(await bobApi.blocked()).toEqual([alice.userId]);
  });
});
