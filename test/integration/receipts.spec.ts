import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, eventually, FeedClient, registerUser, sendText, TestUser } from '../support/client.js';
import { startTestSystem, TestSystem } from '../support/system.js';

/** docs/protocol.md, "Receipts": the HTTP route, the socket `receipt` frame, and what the sender sees. */

const RECEIPT_FRAME_KEYS = ['at', 'conversationId', 'cursor', 'kind', 'type', 'upToSeq', 'userId'];

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

async function connect(user: TestUser): Promise<FeedClient> {
  const socket = await FeedClient.connect(system.wsUrl, user.token);
  sockets.push(socket);
  return socket;
}

function ack(user: TestUser, conversationId: string, body: unknown) {
  return api.post(`/v1/conversations/${encodeURIComponent(conversationId)}/receipts`, body, user.token);
}

function history(user: TestUser, conversationId: string, query = '') {
  return api.get(`/v1/conversations/${encodeURIComponent(conversationId)}/messages${query}`, user.token);
}

/** The viewer's history of a conversation once it holds `count` messages: [seq, status] pairs. */
async function statuses(viewer: TestUser, conversationId: string, count: number, done: (s: [number, string | null][]) => boolean = () => true) {
  const result = await eventually(
    () => history(viewer, conversationId),
    (r) => r.status === 200 && r.body.length === count && done(r.body.map((m: any) => [m.seq, m.status])),
  );
  return result.body.map((m: any) => [m.seq, m.status]) as [number, string | null][];
}

async function pair(): Promise<[TestUser, TestUser]> {
  return Promise.all([registerUser(api), registerUser(api)]);
}

/** Sends a marker message from `from` to `to` and waits until `socket` (of `to`) has it. */
async function marker(from: TestUser, to: TestUser, socket: FeedClient): Promise<number> {
  const body = `marker-${randomInt(1e12)}`;
  await sendText(api, from, to, body);
  await socket.waitFor(() => socket.ofType('message').some((f) => f.message.body === body));
  return socket.frames.findIndex((f) => f.type === 'message' && f.message.body === body);
}

function expectValidationError(result: { status: number; body: any }, fields: string[]) {
  expect(result.status, JSON.stringify(result.body)).toBe(400);
  expect(typeof result.body?.error?.code).toBe('string');
  expect(typeof result.body?.error?.message).toBe('string');
  expect(result.body.error.details, 'details must name each bad field').not.toBeNull();
  const details = JSON.stringify(result.body.error.details);
  for (const field of fields) expect(details, `details should name "${field}"`).toContain(`"${field}"`);
}

describe('POST /v1/conversations/{conversationId}/receipts', () => {
  it('answers 202 {} and the sender receives a receipt frame with every key', async () => {
    const [alice, bob] = await pair();
    const aliceSocket = await connect(alice);
    await sendText(api, alice, bob, 'one');
    const { conversationId } = await sendText(api, alice, bob, 'two');
    const before = Date.now();

    const result = await ack(bob, conversationId, { kind: 'delivered', upToSeq: 2 });
    expect(result.status).toBe(202);
    expect(result.body).toEqual({});

    const [frame] = await aliceSocket.nextOfType('receipt');
    expect(Object.keys(frame).sort()).toEqual(RECEIPT_FRAME_KEYS);
    expect(frame).toMatchObject({ type: 'receipt', conversationId, userId: bob.userId, kind: 'delivered', upToSeq: 2 });
    expect(typeof frame.cursor).toBe('string');
    expect(frame.cursor.length).toBeGreaterThan(0);
    expect(typeof frame.at).toBe('string');
    expect(new Date(frame.at).toISOString()).toBe(frame.at);
    expect(Date.parse(frame.at)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(frame.at)).toBeLessThanOrEqual(Date.now() + 1000);

    expect(await statuses(alice, conversationId, 2, (s) => s.every(([, st]) => st === 'delivered'))).toEqual([
      [1, 'delivered'],
      [2, 'delivered'],
    ]);
  });

  it("moves the sender's message status sent → delivered → read (and the recipient sees status null)", async () => {
    const [alice, bob] = await pair();
    const { conversationId } = await sendText(api, alice, bob, 'hello');

    expect(await statuses(alice, conversationId, 1)).toEqual([[1, 'sent']]);
    expect(await statuses(bob, conversationId, 1)).toEqual([[1, null]]);

    expect((await ack(bob, conversationId, { kind: 'delivered', upToSeq: 1 })).status).toBe(202);
    expect(await statuses(alice, conversationId, 1, (s) => s[0][1] !== 'sent')).toEqual([[1, 'delivered']]);

    expect((await ack(bob, conversationId, { kind: 'read', upToSeq: 1 })).status).toBe(202);
    expect(await statuses(alice, conversationId, 1, (s) => s[0][1] === 'read')).toEqual([[1, 'read']]);
    expect(await statuses(bob, conversationId, 1)).toEqual([[1, null]]);
  });

  it('treats read as implying delivered', async () => {
    const [alice, bob] = await pair();
    const aliceSocket = await connect(alice);
    await sendText(api, alice, bob, 'm1');
    await sendText(api, alice, bob, 'm2');
    const { conversationId } = await sendText(api, alice, bob, 'm3');

    // Read without any delivered receipt first.
    expect((await ack(bob, conversationId, { kind: 'read', upToSeq: 2 })).status).toBe(202);
    await aliceSocket.waitFor(() => aliceSocket.ofType('receipt').some((f) => f.kind === 'read' && f.upToSeq === 2));
    expect(await statuses(alice, conversationId, 3, (s) => s[0][1] === 'read')).toEqual([
      [1, 'read'],
      [2, 'read'],
      [3, 'sent'],
    ]);
    const receiptsAfterRead = aliceSocket.ofType('receipt').length;

    // The delivered watermark is already 2 (implied by the read): delivered 2 is "equal", changes nothing.
    expect((await ack(bob, conversationId, { kind: 'delivered', upToSeq: 2 })).status).toBe(202);
    await marker(bob, alice, aliceSocket);
    expect(aliceSocket.ofType('receipt').length).toBe(receiptsAfterRead);

    // Delivered 3 moves only the third message to delivered; the first two stay read.
    expect((await ack(bob, conversationId, { kind: 'delivered', upToSeq: 3 })).status).toBe(202);
    expect(await statuses(alice, conversationId, 4, (s) => s[2][1] === 'delivered')).toEqual([
      [1, 'read'],
      [2, 'read'],
      [3, 'delivered'],
      [4, null],
    ]);
  });

  it('accepts a lower or equal watermark with 202 {} and changes nothing (no new receipt frame)', async () => {
    const [alice, bob] = await pair();
    const aliceSocket = await connect(alice);
    await sendText(api, alice, bob, 'm1');
    await sendText(api, alice, bob, 'm2');
    const { conversationId } = await sendText(api, alice, bob, 'm3');

    expect((await ack(bob, conversationId, { kind: 'delivered', upToSeq: 2 })).status).toBe(202);
    expect((await ack(bob, conversationId, { kind: 'read', upToSeq: 2 })).status).toBe(202);
    await aliceSocket.waitFor(() => aliceSocket.ofType('receipt').some((f) => f.kind === 'read' && f.upToSeq === 2));
    const receiptsBefore = aliceSocket.ofType('receipt').map((f) => `${f.kind}:${f.upToSeq}`);
    expect(receiptsBefore).toContain('delivered:2');

    for (const body of [
      { kind: 'delivered', upToSeq: 1 },
      { kind: 'delivered', upToSeq: 2 },
      { kind: 'read', upToSeq: 1 },
      { kind: 'read', upToSeq: 2 },
      { kind: 'read', upToSeq: 0 },
    ]) {
      const result = await ack(bob, conversationId, body);
      expect(result.status, JSON.stringify(body)).toBe(202);
      expect(result.body).toEqual({});
    }

    const markerIndex = await marker(bob, alice, aliceSocket);
    const receiptsBeforeMarker = aliceSocket.frames.slice(0, markerIndex).filter((f) => f.type === 'receipt');
    expect(receiptsBeforeMarker.map((f) => `${f.kind}:${f.upToSeq}`)).toEqual(receiptsBefore);
    expect(aliceSocket.ofType('receipt').length).toBe(receiptsBefore.length);

    expect(await statuses(alice, conversationId, 4)).toEqual([
      [1, 'read'],
      [2, 'read'],
      [3, 'sent'],
      [4, null],
    ]);
    // Bob's read watermark is still 2: of Alice's messages only seq 3 is unread.
    const inbox = await api.get('/v1/conversations', bob.token);
    expect(inbox.status).toBe(200);
    expect(inbox.body.find((c: any) => c.conversationId === conversationId)?.unreadCount).toBe(1);
  });

  it('does not let a watermark beyond the last seq cover later messages', async () => {
    const [alice, bob] = await pair();
    await sendText(api, alice, bob, 'm1');
    const { conversationId } = await sendText(api, alice, bob, 'm2');

    const result = await ack(bob, conversationId, { kind: 'delivered', upToSeq: 10 });
    expect(result.status).toBe(202);
    expect(result.body).toEqual({});
    expect(await statuses(alice, conversationId, 2, (s) => s.every(([, st]) => st === 'delivered'))).toEqual([
      [1, 'delivered'],
      [2, 'delivered'],
    ]);

    const third = await sendText(api, alice, bob, 'm3');
    expect(third.seq).toBe(3);
    expect(await statuses(alice, conversationId, 3)).toEqual([
      [1, 'delivered'],
      [2, 'delivered'],
      [3, 'sent'],
    ]);

    // The same for read: read 10 now covers 1..3 but not a 4th.
    expect((await ack(bob, conversationId, { kind: 'read', upToSeq: 10 })).status).toBe(202);
    expect(await statuses(alice, conversationId, 3, (s) => s.every(([, st]) => st === 'read'))).toEqual([
      [1, 'read'],
      [2, 'read'],
      [3, 'read'],
    ]);
    await sendText(api, alice, bob, 'm4');
    expect(await statuses(alice, conversationId, 4)).toEqual([
      [1, 'read'],
      [2, 'read'],
      [3, 'read'],
      [4, 'sent'],
    ]);
  });

  it('answers 404 for an unknown conversation, 403 for a conversation the caller is not in, 401 without a token', async () => {
    const [alice, bob] = await pair();
    const carol = await registerUser(api);
    const { conversationId } = await sendText(api, alice, bob, 'private');

    const unknown = await ack(alice, 'd-no-such-conversation', { kind: 'read', upToSeq: 1 });
    expect(unknown.status).toBe(404);
    expect(typeof unknown.body?.error?.code).toBe('string');
    expect(typeof unknown.body?.error?.message).toBe('string');
    expect('details' in unknown.body.error).toBe(true);

    for (const kind of ['delivered', 'read']) {
      const outsider = await ack(carol, conversationId, { kind, upToSeq: 1 });
      expect(outsider.status, kind).toBe(403);
      expect(typeof outsider.body?.error?.code).toBe('string');
    }

    const anonymous = await api.post(`/v1/conversations/${conversationId}/receipts`, { kind: 'read', upToSeq: 1 });
    expect(anonymous.status).toBe(401);

    // Nothing of that reached Alice's message.
    expect(await statuses(alice, conversationId, 1)).toEqual([[1, 'sent']]);
  });

  it('refuses invalid bodies with 400 naming each bad field, and changes nothing', async () => {
    const [alice, bob] = await pair();
    const aliceSocket = await connect(alice);
    const { conversationId } = await sendText(api, alice, bob, 'm1');

    const cases: [unknown, string[]][] = [
      [{ kind: 'seen', upToSeq: 1 }, ['kind']],
      [{ kind: 'READ', upToSeq: 1 }, ['kind']],
      [{ upToSeq: 1 }, ['kind']],
      [{ kind: 'read', upToSeq: -1 }, ['upToSeq']],
      [{ kind: 'delivered', upToSeq: 1.5 }, ['upToSeq']],
      [{ kind: 'read', upToSeq: '1' }, ['upToSeq']],
      [{ kind: 'read', upToSeq: null }, ['upToSeq']],
      [{ kind: 'read' }, ['upToSeq']],
      [{}, ['kind', 'upToSeq']],
    ];
    for (const [body, fields] of cases) {
      const result = await ack(bob, conversationId, body);
      expect(result.status, `${JSON.stringify(body)} → ${JSON.stringify(result.body)}`).toBe(400);
      expectValidationError(result, fields);
    }
    const notJson = await api.request('POST', `/v1/conversations/${conversationId}/receipts`, undefined, bob.token, '{"kind": "read", ');
    expect(notJson.status).toBe(400);
    expect(typeof notJson.body?.error?.code).toBe('string');

    const markerIndex = await marker(bob, alice, aliceSocket);
    expect(aliceSocket.frames.slice(0, markerIndex).filter((f) => f.type === 'receipt')).toEqual([]);
    expect(await statuses(alice, conversationId, 2)).toEqual([
      [1, 'sent'],
      [2, null],
    ]);
  });
});

describe('the socket `receipt` frame', () => {
  it('works as the HTTP route: the sender gets the receipt frame and sees the status', async () => {
    const [alice, bob] = await pair();
    const [aliceSocket, bobSocket] = await Promise.all([connect(alice), connect(bob)]);
    await sendText(api, alice, bob, 'm1');
    const { conversationId } = await sendText(api, alice, bob, 'm2');
    await bobSocket.nextOfType('message', 2);

    bobSocket.send({ type: 'receipt', conversationId, kind: 'delivered', upToSeq: 2 });
    const [delivered] = await aliceSocket.nextOfType('receipt');
    expect(Object.keys(delivered).sort()).toEqual(RECEIPT_FRAME_KEYS);
    expect(delivered).toMatchObject({ type: 'receipt', conversationId, userId: bob.userId, kind: 'delivered', upToSeq: 2 });
    expect(await statuses(alice, conversationId, 2, (s) => s.every(([, st]) => st === 'delivered'))).toEqual([
      [1, 'delivered'],
      [2, 'delivered'],
    ]);

    bobSocket.send({ type: 'receipt', conversationId, kind: 'read', upToSeq: 1 });
    await aliceSocket.waitFor(() => aliceSocket.ofType('receipt').some((f) => f.kind === 'read'));
    expect(aliceSocket.ofType('receipt').find((f) => f.kind === 'read')).toMatchObject({
      type: 'receipt', conversationId, userId: bob.userId, kind: 'read', upToSeq: 1,
    });
    expect(await statuses(alice, conversationId, 2, (s) => s[0][1] === 'read')).toEqual([
      [1, 'read'],
      [2, 'delivered'],
    ]);
    expect(bobSocket.ofType('error')).toEqual([]);
  });

  it('answers a frame with invalid fields with an error frame, keeps the socket open, and changes nothing', async () => {
    const [alice, bob] = await pair();
    const [aliceSocket, bobSocket] = await Promise.all([connect(alice), connect(bob)]);
    const { conversationId } = await sendText(api, alice, bob, 'm1');

    const cases: [Record<string, unknown>, string][] = [
      [{ type: 'receipt', conversationId, kind: 'seen', upToSeq: 1 }, 'kind'],
      [{ type: 'receipt', conversationId, upToSeq: 1 }, 'kind'],
      [{ type: 'receipt', conversationId, kind: 'read', upToSeq: -1 }, 'upToSeq'],
      [{ type: 'receipt', conversationId, kind: 'read', upToSeq: 1.5 }, 'upToSeq'],
      [{ type: 'receipt', conversationId, kind: 'read', upToSeq: '1' }, 'upToSeq'],
      [{ type: 'receipt', conversationId, kind: 'read' }, 'upToSeq'],
      [{ type: 'receipt', kind: 'read', upToSeq: 1 }, 'conversationId'],
      [{ type: 'receipt', conversationId: 42, kind: 'read', upToSeq: 1 }, 'conversationId'],
    ];
    for (const [frame, field] of cases) {
      const errorsBefore = bobSocket.ofType('error').length;
      bobSocket.send(frame);
      const errors = await bobSocket.nextOfType('error', errorsBefore + 1);
      const error = errors[errorsBefore];
      expect(error.type).toBe('error');
      expect(typeof error.error?.code, JSON.stringify(error)).toBe('string');
      expect(typeof error.error?.message).toBe('string');
      expect(JSON.stringify(error.error.details ?? null), `${JSON.stringify(frame)} → details should name ${field}`).toContain(`"${field}"`);
    }
    // A valid frame for a conversation that does not exist is refused too (as the HTTP route's 404).
    const errorsBefore = bobSocket.ofType('error').length;
    bobSocket.send({ type: 'receipt', conversationId: 'd-no-such-conversation', kind: 'read', upToSeq: 1 });
    const errors = await bobSocket.nextOfType('error', errorsBefore + 1);
    expect(typeof errors[errorsBefore].error?.code).toBe('string');

    expect(bobSocket.closed).toBeUndefined();
    await bobSocket.ping();

    const markerIndex = await marker(bob, alice, aliceSocket);
    expect(aliceSocket.frames.slice(0, markerIndex).filter((f) => f.type === 'receipt')).toEqual([]);
    expect(await statuses(alice, conversationId, 2)).toEqual([
      [1, 'sent'],
      [2, null],
    ]);
  });

  it('is refused with an error frame for a conversation the caller is not in', async () => {
    const [alice, bob] = await pair();
    const carol = await registerUser(api);
    const [aliceSocket, carolSocket] = await Promise.all([connect(alice), connect(carol)]);
    const { conversationId } = await sendText(api, alice, bob, 'm1');

    carolSocket.send({ type: 'receipt', conversationId, kind: 'read', upToSeq: 1 });
    const [error] = await carolSocket.nextOfType('error');
    expect(typeof error.error?.code).toBe('string');
    expect(carolSocket.closed).toBeUndefined();

    const markerIndex = await marker(bob, alice, aliceSocket);
    expect(aliceSocket.frames.slice(0, markerIndex).filter((f) => f.type === 'receipt')).toEqual([]);
  });
});
