import { describe, expect, it } from 'vitest';
import { eventually } from '../support/client.js';
import { byUserId, groupHarness, groupMessages, groupSeqs, ISO, RECEIPT_FRAME_KEYS, receiptFrames, sorted } from '../support/groups.js';
import { useTestSystem } from '../support/harness.js';

/** Groups (docs/protocol.md, the group parts of "Receipts"): per-member receipts. */

const t = groupHarness(useTestSystem());

describe('receipts in groups', () => {
  it('per-member watermarks: the sender sees delivered (read) only once every recipient at send time has delivered (read); GET receipts says who', async () => {
    const [alice, bob, carol] = await t.users(3);
    const groupId = await t.createGroup(alice, [bob, carol]);
    const aliceSocket = await t.connect(alice);
    const m1 = await t.send(alice, groupId, 'one');
    const m2 = await t.send(alice, groupId, 'two');
    expect(await t.statuses(alice, groupId, 2)).toEqual([[1, 'sent'], [2, 'sent']]);

    const receiptsOf = async (messageId: string) => {
      const result = await t.receipts(alice, messageId);
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      expect(Object.keys(result.body).sort()).toEqual(['delivered', 'messageId', 'pending', 'read']);
      return { ...result.body, pending: sorted(result.body.pending) };
    };
    expect(await receiptsOf(m1.messageId)).toEqual({ messageId: m1.messageId, delivered: [], read: [], pending: sorted([bob.userId, carol.userId]) });

    // Bob has both: still only "sent" for alice, carol has not.
    expect((await t.ack(bob, groupId, 'delivered', 2)).status).toBe(202);
    await aliceSocket.waitFor(() => receiptFrames(aliceSocket, groupId).length === 1);
    const bobDelivered = receiptFrames(aliceSocket, groupId)[0];
    expect(Object.keys(bobDelivered).sort()).toEqual(RECEIPT_FRAME_KEYS);
    expect(bobDelivered).toMatchObject({ type: 'receipt', conversationId: groupId, userId: bob.userId, kind: 'delivered', upToSeq: 2 });
    expect(bobDelivered.at).toMatch(ISO);
    expect(await t.statuses(alice, groupId, 2)).toEqual([[1, 'sent'], [2, 'sent']]);
    for (const m of [m1, m2]) {
      expect(await receiptsOf(m.messageId)).toEqual({ messageId: m.messageId, delivered: [{ userId: bob.userId, at: bobDelivered.at }], read: [], pending: [carol.userId] });
    }

    // Carol has message 1: it is delivered, message 2 is not.
    expect((await t.ack(carol, groupId, 'delivered', 1)).status).toBe(202);
    await aliceSocket.waitFor(() => receiptFrames(aliceSocket, groupId).length === 2);
    const carolDelivered = receiptFrames(aliceSocket, groupId)[1];
    expect(carolDelivered).toMatchObject({ userId: carol.userId, kind: 'delivered', upToSeq: 1 });
    expect(await t.statuses(alice, groupId, 2)).toEqual([[1, 'delivered'], [2, 'sent']]);
    const r1 = await receiptsOf(m1.messageId);
    expect(byUserId(r1.delivered)).toEqual(byUserId([{ userId: bob.userId, at: bobDelivered.at }, { userId: carol.userId, at: carolDelivered.at }]));
    expect(r1).toMatchObject({ read: [], pending: [] });
    expect(await receiptsOf(m2.messageId)).toMatchObject({ delivered: [{ userId: bob.userId, at: bobDelivered.at }], read: [], pending: [carol.userId] });

    // Carol reads both (read implies delivered): both delivered, none read, bob has not read.
    expect((await t.ack(carol, groupId, 'read', 2)).status).toBe(202);
    await aliceSocket.waitFor(() => receiptFrames(aliceSocket, groupId).some((f) => f.kind === 'read'));
    expect(await t.statuses(alice, groupId, 2)).toEqual([[1, 'delivered'], [2, 'delivered']]);
    const carolRead = receiptFrames(aliceSocket, groupId).find((f) => f.kind === 'read');
    expect(carolRead).toMatchObject({ userId: carol.userId, upToSeq: 2 });
    const r2 = await receiptsOf(m2.messageId);
    expect(byUserId(r2.delivered).map((d: any) => d.userId)).toEqual(sorted([bob.userId, carol.userId]));
    expect(r2.read).toEqual([{ userId: carol.userId, at: carolRead.at }]);
    expect(r2.pending).toEqual([]);
    // Message 1: carol's delivery was her first receipt; its time does not move.
    expect(byUserId((await receiptsOf(m1.messageId)).delivered)).toEqual(byUserId(r1.delivered));

    // Bob reads message 1: read for alice; message 2 stays delivered.
    expect((await t.ack(bob, groupId, 'read', 1)).status).toBe(202);
    expect(await t.statuses(alice, groupId, 2, (s) => s[0][1] === 'read')).toEqual([[1, 'read'], [2, 'delivered']]);
    const bobRead = (await t.receipts(alice, m1.messageId)).body.read.find((r: any) => r.userId === bob.userId);
    expect(bobRead?.at).toMatch(ISO);
    expect(byUserId((await receiptsOf(m1.messageId)).read)).toEqual(byUserId([{ userId: carol.userId, at: carolRead.at }, { userId: bob.userId, at: bobRead.at }]));
    expect((await t.ack(bob, groupId, 'read', 2)).status).toBe(202);
    expect(await t.statuses(alice, groupId, 2, (s) => s[1][1] === 'read')).toEqual([[1, 'read'], [2, 'read']]);
    // The recipients see no status on others' messages.
    expect(await t.statuses(bob, groupId, 2)).toEqual([[1, null], [2, null]]);
  });

  it('GET /v1/messages/{id}/receipts: the sender and members may ask; outsiders 403, unknown ids 404, no token 401', async () => {
    const [alice, bob, carol, outsider] = await t.users(4);
    const groupId = await t.createGroup(alice, [bob, carol]);
    const m1 = await t.send(alice, groupId, 'one');
    await t.seqs(alice, groupId, (s) => s.length === 1);
    const expected = { messageId: m1.messageId, delivered: [], read: [], pending: sorted([bob.userId, carol.userId]) };
    for (const user of [alice, bob, carol]) {
      const result = await t.receipts(user, m1.messageId);
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      expect({ ...result.body, pending: sorted(result.body.pending) }).toEqual(expected);
    }
    const forbidden = await t.receipts(outsider, m1.messageId);
    expect(forbidden.status, JSON.stringify(forbidden.body)).toBe(403);
    expect(typeof forbidden.body.error.code).toBe('string');
    const unknown = await t.receipts(alice, 'no-such-message');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('message_not_found');
    expect((await t.api().get(`/v1/messages/${m1.messageId}/receipts`)).status).toBe(401);
  });

  it('receipt frames go to the acknowledging member and the senders whose messages the watermark newly covers, not to other members', async () => {
    const [alice, bob, carol, helper] = await t.users(4);
    const groupId = await t.createGroup(alice, [bob, carol]);
    const [aliceSocket, bobSocket, carolSocket] = await Promise.all([alice, bob, carol].map((u) => t.connect(u)));
    await t.send(alice, groupId, 'from alice');
    await t.send(carol, groupId, 'from carol');
    await bobSocket.waitFor(() => groupMessages(bobSocket, groupId).length === 2);

    // Bob acknowledges over the socket: alice's message 1 only.
    bobSocket.send({ type: 'receipt', conversationId: groupId, kind: 'delivered', upToSeq: 1 });
    await aliceSocket.waitFor(() => receiptFrames(aliceSocket, groupId).length === 1);
    await bobSocket.waitFor(() => receiptFrames(bobSocket, groupId).length === 1);
    expect(receiptFrames(aliceSocket, groupId)[0]).toMatchObject({ userId: bob.userId, kind: 'delivered', upToSeq: 1 });
    expect(receiptFrames(bobSocket, groupId)[0]).toEqual(receiptFrames(aliceSocket, groupId)[0]);
    await t.marker(helper, carol, carolSocket);
    expect(receiptFrames(carolSocket, groupId)).toEqual([]);

    // Then up to 2: newly covers only carol's message.
    bobSocket.send({ type: 'receipt', conversationId: groupId, kind: 'delivered', upToSeq: 2 });
    await carolSocket.waitFor(() => receiptFrames(carolSocket, groupId).length === 1);
    expect(receiptFrames(carolSocket, groupId)[0]).toMatchObject({ userId: bob.userId, kind: 'delivered', upToSeq: 2 });
    await t.marker(helper, alice, aliceSocket);
    expect(receiptFrames(aliceSocket, groupId).map((f) => f.upToSeq)).toEqual([1]);
    expect(bobSocket.ofType('error')).toEqual([]);
    expect(await t.statuses(carol, groupId, 2)).toEqual([[1, null], [2, 'sent']]);
  });

  it('a member added later acknowledges from the join point: senders of earlier messages get no receipt frame', async () => {
    const [alice, bob, dave, helper] = await t.users(4);
    const groupId = await t.createGroup(alice, [bob]);
    const [aliceSocket, bobSocket] = await Promise.all([t.connect(alice), t.connect(bob)]);
    await t.send(alice, groupId, 'one');
    await t.send(alice, groupId, 'two');
    expect((await t.add(alice, groupId, [dave.userId])).status).toBe(200);
    const m3 = await t.send(bob, groupId, 'three');

    expect((await t.ack(dave, groupId, 'delivered', 3)).status).toBe(202);
    await bobSocket.waitFor(() => receiptFrames(bobSocket, groupId).length === 1);
    expect(receiptFrames(bobSocket, groupId)[0]).toMatchObject({ userId: dave.userId, kind: 'delivered', upToSeq: 3 });
    await t.marker(helper, alice, aliceSocket);
    expect(receiptFrames(aliceSocket, groupId), 'dave’s watermark newly covers only message 3 (bob’s)').toEqual([]);
    // Alice's messages still wait for bob only; message 3 for alice.
    expect(await t.statuses(alice, groupId, 3)).toEqual([[1, 'sent'], [2, 'sent'], [3, null]]);
    expect((await t.receipts(bob, m3.messageId)).body).toEqual({
      messageId: m3.messageId, delivered: [{ userId: dave.userId, at: receiptFrames(bobSocket, groupId)[0].at }], read: [], pending: [alice.userId],
    });
  });

  it('a member removed after a message still counts for it; they may acknowledge up to their removal', async () => {
    const [alice, bob, carol] = await t.users(3);
    const groupId = await t.createGroup(alice, [bob, carol]);
    const m1 = await t.send(alice, groupId, 'one');
    expect((await t.remove(alice, groupId, carol.userId)).status).toBe(200);
    await t.send(alice, groupId, 'two');
    expect((await t.ack(bob, groupId, 'delivered', 2)).status).toBe(202);
    expect(await t.statuses(alice, groupId, 2, (s) => s[1][1] === 'delivered')).toEqual([[1, 'sent'], [2, 'delivered']]);
    expect((await t.receipts(alice, m1.messageId)).body.pending).toEqual([carol.userId]);

    // Carol acknowledges beyond what she saw: only up to her removal counts.
    expect((await t.ack(carol, groupId, 'read', 2)).status).toBe(202);
    expect(await t.statuses(alice, groupId, 2, (s) => s[0][1] !== 'sent')).toEqual([[1, 'delivered'], [2, 'delivered']]);
    const receipts = await t.receipts(alice, m1.messageId);
    expect(receipts.body.pending).toEqual([]);
    expect(receipts.body.read.map((r: any) => r.userId)).toEqual([carol.userId]);
  });

  it('500 messages acknowledged at once are one receipt frame per kind on the sender’s socket', async () => {
    const [alice, bob, helper] = await t.users(3);
    const groupId = await t.createGroup(alice, [bob]);
    const aliceSocket = await t.connect(alice);
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(Array.from({ length: 50 }, (_, i) => t.send(alice, groupId, `bulk ${batch * 50 + i}`)));
    }
    await aliceSocket.waitFor(() => groupMessages(aliceSocket, groupId).length === 500, 30_000);
    expect(groupSeqs(aliceSocket, groupId)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));

    expect((await t.ack(bob, groupId, 'read', 500)).status).toBe(202);
    await aliceSocket.waitFor(() => receiptFrames(aliceSocket, groupId).length >= 2);
    await t.marker(helper, alice, aliceSocket);
    expect(receiptFrames(aliceSocket, groupId).map((f) => [f.userId, f.kind, f.upToSeq])).toEqual([
      [bob.userId, 'delivered', 500],
      [bob.userId, 'read', 500],
    ]);
    const newest = await eventually(() => t.history(alice, groupId, '?limit=200'), (r) => r.body.every((m: any) => m.status === 'read'));
    expect(newest.body).toHaveLength(200);
    const oldest = await t.history(alice, groupId, '?afterSeq=0&limit=200');
    expect(oldest.body.map((m: any) => m.status)).toEqual(Array(200).fill('read'));
  });
});
