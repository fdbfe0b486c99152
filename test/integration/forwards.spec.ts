// Forwards (issue 11, docs/protocol.md "Forwarding", docs/decisions.md §21): over real HTTP and WebSocket.
import { randomInt } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { eventually, sendText, TestUser } from '../support/client.js';
import { groupHarness } from '../support/groups.js';
import { useTestSystem } from '../support/harness.js';
import { uploadedPhoto } from '../support/media.js';

const h = groupHarness(useTestSystem());
const newId = () => `fwd-${randomInt(1e12)}`;
type Target = { userId: string } | { groupId: string };

const forwardRaw = (user: TestUser, source: { conversationId: string; messageId: string }, to: Target[], clientMsgId = newId()) =>
  h.api().post(`/v1/conversations/${source.conversationId}/messages/${source.messageId}/forward`, { clientMsgId, to }, user.token);

async function forward(user: TestUser, source: { conversationId: string; messageId: string }, to: Target[], clientMsgId = newId()) {
  const result = await forwardRaw(user, source, to, clientMsgId);
  expect(result.status, JSON.stringify(result.body)).toBe(201);
  return result.body.forwards as { messageId: string; conversationId: string; seq: number; sentAt: string }[];
}

/** The viewer's history entry for a message, once the read models have it. */
async function messageIn(user: TestUser, conversationId: string, messageId: string) {
  const result = await eventually(
    () => h.history(user, conversationId),
    (r) => r.status === 200 && r.body.some((m: any) => m.messageId === messageId),
  );
  return result.body.find((m: any) => m.messageId === messageId);
}

function expectError(result: { status: number; body: any }, status: number, code: string) {
  expect(result.status, JSON.stringify(result.body)).toBe(status);
  expect(result.body).toEqual({ error: { code, message: expect.any(String), details: result.body.error.details } });
}

const raw = async <T>(query: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: h.system.databaseUrl });
  await client.connect();
  try {
    return await query(client);
  } finally {
    await client.end();
  }
};

describe('forwarding a message', () => {
  it('copies it to several chats (users and a group): kind, body and media, forwardOf, each recipient told live', async () => {
    const [ann, ben, cat, dan] = await h.users(4);
    const groupId = await h.createGroup(ann, [cat, dan]);
    const catSocket = await h.connect(cat);
    await catSocket.ping();
    const media42 = await uploadedPhoto(h.system.baseUrl, ben.token);
    const photo = await h.api().post('/v1/messages', { clientMsgId: newId(), to: { userId: ann.userId }, kind: 'image', body: 'the view', mediaId: media42 }, ben.token);
    expect(photo.status).toBe(201);

    const copies = await forward(ann, photo.body, [{ userId: cat.userId }, { groupId }, { userId: dan.userId }]);
    expect(copies).toHaveLength(3);
    expect(copies[1].conversationId).toBe(groupId);
    expect(new Set(copies.map((c) => c.messageId)).size).toBe(3);
    expect(copies.map((c) => c.messageId)).not.toContain(photo.body.messageId);

    for (const [viewer, sent] of [[cat, copies[0]], [dan, copies[1]], [dan, copies[2]]] as const) {
      expect(await messageIn(viewer, sent.conversationId, sent.messageId)).toMatchObject({
        senderId: ann.userId, kind: 'image', body: 'the view', mediaId: media42, forwardOf: photo.body.messageId, forwardedManyTimes: false, status: null,
      });
    }
    await catSocket.waitFor(() => catSocket.ofType('message').some((f) => f.message.messageId === copies[0].messageId));
    const frame = catSocket.ofType('message').find((f) => f.message.messageId === copies[0].messageId);
    expect(frame.message).toMatchObject({ body: 'the view', forwardOf: photo.body.messageId, forwardedManyTimes: false });
  });

  it('counts hops: the fifth forward in a chain is "forwarded many times", which then goes to one chat at a time', async () => {
    const [ann, ben, cat] = await h.users(3);
    let source = await sendText(h.api(), ann, ben, 'chain letter');
    for (let hop = 1; hop <= 5; hop++) {
      [source] = await forward(hop % 2 ? ben : ann, source, [{ userId: hop % 2 ? ann.userId : ben.userId }]);
      const view = await messageIn(ann, source.conversationId, source.messageId);
      expect({ hop, body: view.body, manyTimes: view.forwardedManyTimes }).toEqual({ hop, body: 'chain letter', manyTimes: hop >= 5 });
    }
    expectError(await forwardRaw(ann, source, [{ userId: ben.userId }, { userId: cat.userId }]), 403, 'forwarded_many_times');
    const [onward] = await forward(ann, source, [{ userId: cat.userId }]);
    expect(await messageIn(cat, onward.conversationId, onward.messageId)).toMatchObject({ body: 'chain letter', forwardedManyTimes: true });
  });

  it('a message forwarded four times still goes to five chats; never more than five, never none (400)', async () => {
    const users = await h.users(6);
    const [ann, ben] = users;
    let source = await sendText(h.api(), ann, ben, 'almost viral');
    for (let hop = 1; hop <= 4; hop++) [source] = await forward(ann, source, [{ userId: ben.userId }]);
    const five = [ann, ...users.slice(2)].map((u) => ({ userId: u.userId }));
    const copies = await forward(ben, source, five);
    expect(copies).toHaveLength(5);
    expect(await messageIn(users[5], copies[4].conversationId, copies[4].messageId)).toMatchObject({ forwardedManyTimes: true });
    const invalid = await forwardRaw(ben, source, [...five, { userId: ann.userId }]);
    expectError(invalid, 400, 'validation_failed');
    expectError(await forwardRaw(ben, source, []), 400, 'validation_failed');
  });

  it('a retry with the same clientMsgId makes no second copy, in any order; a partial failure is completed by a retry', async () => {
    const [ann, ben, cat, dan] = await h.users(4);
    const groupId = await h.createGroup(ann, [ben]);
    const source = await sendText(h.api(), ben, ann, 'once each');
    const clientMsgId = newId();
    const first = await forward(ann, source, [{ userId: cat.userId }, { groupId }], clientMsgId);
    const again = await forwardRaw(ann, source, [{ groupId }, { userId: cat.userId }], clientMsgId);
    expect(again.status).toBe(200);
    expect(again.body.forwards).toEqual([first[1], first[0]]);
    expect(await h.seqs(cat, first[0].conversationId, (s) => s.length === 1)).toEqual([1]);

    // dan blocks ann: the copy to cat is made, the one to dan refused; the error says which and what was made.
    expect((await h.api().post(`/v1/users/${ann.userId}/block`, {}, dan.token)).status).toBeLessThan(300);
    const partial = await forwardRaw(ann, source, [{ userId: cat.userId }, { userId: dan.userId }, { groupId }], 'partial');
    expectError(partial, 403, 'blocked');
    expect(partial.body.error.details.to).toEqual({ userId: dan.userId });
    const made = partial.body.error.details.forwarded;
    expect(made).toHaveLength(1);
    expect((await h.api().request('DELETE', `/v1/users/${ann.userId}/block`, undefined, dan.token)).status).toBeLessThan(300);
    const completed = await forwardRaw(ann, source, [{ userId: cat.userId }, { userId: dan.userId }, { groupId }], 'partial');
    expect(completed.status).toBe(201);
    expect(completed.body.forwards[0]).toEqual(made[0]);
    expect(await h.seqs(cat, made[0].conversationId, (s) => s.length === 2)).toEqual([1, 2]);
    expect(await h.seqs(dan, completed.body.forwards[1].conversationId, (s) => s.length === 1)).toEqual([1]);
  });

  it('each copy is sealed with its own key: deleting the original for everyone erases it, not the copies', async () => {
    const [ann, ben, cat] = await h.users(3);
    const body = `meet at the lighthouse ${randomInt(1e12)}`;
    const source = await sendText(h.api(), ann, ben, body);
    const [copy] = await forward(ben, source, [{ userId: cat.userId }]);
    const sealed = await raw((c) => c.query(`SELECT data FROM es_events WHERE type = 'MessageSent' AND data->>'messageId' = $1`, [copy.messageId]));
    expect(sealed.rows[0].data.body).toEqual({ $sealed: expect.any(String) });
    expect(JSON.stringify(sealed.rows[0].data)).not.toContain('lighthouse');

    const erased = await h.api().request('DELETE', `/v1/conversations/${source.conversationId}/messages/${source.messageId}?for=everyone`, undefined, ann.token);
    expect(erased.status).toBe(200);
    const keys = await raw((c) => c.query('SELECT key_id FROM es_data_keys WHERE key_id = ANY($1) AND wrapped IS NOT NULL', [[source.messageId, copy.messageId]]));
    expect(keys.rows.map((r) => r.key_id)).toEqual([copy.messageId]);
    await eventually(() => messageIn(ben, source.conversationId, source.messageId), (m) => m.erased === true);
    expect(await messageIn(cat, copy.conversationId, copy.messageId)).toMatchObject({ body, forwardOf: source.messageId });
    // The copy can be forwarded on; the deleted original cannot.
    await forward(cat, copy, [{ userId: ann.userId }]);
    expectError(await forwardRaw(ben, source, [{ userId: cat.userId }]), 409, 'message_deleted');
  });
});

describe('forwarding a message the sender cannot see is refused', () => {
  it('another conversation, or the right message named with the wrong conversation (404)', async () => {
    const [ann, ben, cat] = await h.users(3);
    const source = await sendText(h.api(), ann, ben, 'between us');
    expectError(await forwardRaw(cat, source, [{ userId: ann.userId }]), 404, 'forward_source_not_found');
    const other = await sendText(h.api(), ann, cat, 'another chat');
    expectError(await forwardRaw(ann, { conversationId: other.conversationId, messageId: source.messageId }, [{ userId: cat.userId }]), 404, 'forward_source_not_found');
    expectError(await forwardRaw(ann, { conversationId: 'nowhere', messageId: source.messageId }, [{ userId: cat.userId }]), 404, 'forward_source_not_found');
  });

  it('a group message sent after the sender was removed (404); one sent while they were a member stays theirs', async () => {
    const [ann, ben, cat] = await h.users(3);
    const groupId = await h.createGroup(ann, [ben]);
    const before = await h.send(ann, groupId, 'while ben was here');
    expect((await h.remove(ann, groupId, ben.userId)).status).toBeLessThan(300);
    const after = await h.send(ann, groupId, 'after ben left');
    expectError(await forwardRaw(ben, after, [{ userId: cat.userId }]), 404, 'forward_source_not_found');
    expectError(await forwardRaw(cat, before, [{ userId: ann.userId }]), 404, 'forward_source_not_found');
    const [copy] = await forward(ben, before, [{ userId: cat.userId }]);
    expect(await messageIn(cat, copy.conversationId, copy.messageId)).toMatchObject({ body: 'while ben was here' });
  });

  it('a message the sender deleted for themselves (404), which the other side may still forward', async () => {
    const [ann, ben, cat] = await h.users(3);
    const source = await sendText(h.api(), ann, ben, 'hide me');
    const hidden = await h.api().request('DELETE', `/v1/conversations/${source.conversationId}/messages/${source.messageId}?for=me`, undefined, ben.token);
    expect(hidden.status).toBe(200);
    expectError(await forwardRaw(ben, source, [{ userId: cat.userId }]), 404, 'forward_source_not_found');
    await forward(ann, source, [{ userId: cat.userId }]);
  });

  it('a target the sender may not write to is refused as a send is (403 not a member)', async () => {
    const [ann, ben, cat] = await h.users(3);
    const groupId = await h.createGroup(cat, [ben]);
    const source = await sendText(h.api(), ann, ben, 'not for that group');
    expectError(await forwardRaw(ann, source, [{ groupId }]), 403, 'not_a_member');
  });
});

describe('forwardOf in a send (POST /v1/messages)', () => {
  it('names a message of the same conversation the sender can see; the send counts one more hop', async () => {
    const [ann, ben, cat] = await h.users(3);
    const source = await sendText(h.api(), ann, ben, 'original');
    const send = (from: TestUser, to: TestUser, forwardOf: string) =>
      h.api().post('/v1/messages', { clientMsgId: newId(), to: { userId: to.userId }, kind: 'text', body: 'original', forwardOf }, from.token);
    const ok = await send(ben, ann, source.messageId);
    expect(ok.status).toBe(201);
    expect(await messageIn(ann, ok.body.conversationId, ok.body.messageId)).toMatchObject({ forwardOf: source.messageId, forwardedManyTimes: false });
    expectError(await send(ann, cat, source.messageId), 404, 'forward_source_not_found');
  });
});
