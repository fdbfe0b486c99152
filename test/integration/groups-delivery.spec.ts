import { describe, expect, it } from 'vitest';
import { eventually, registerUser } from '../support/client.js';
import { expectError } from '../support/expect.js';
import { groupFrames, groupHarness, groupKinds, groupMessages, groupSeqs, ISO, MESSAGE_FRAME_KEYS, MESSAGE_KEYS, type Sent, unknownGroupId, waitKinds } from '../support/groups.js';
import { useTestSystem } from '../support/harness.js';

/** Groups (docs/protocol.md, with the group parts of "Sending" and the live feed): messages to a group and group changes on every member's feed. */

const t = groupHarness(useTestSystem());

describe('sending to a group', () => {
  it('over HTTP: 201 with the group as conversationId; every connected member gets the frame, the sender’s devices too, outsiders not', async () => {
    const [alice, bob, carol, outsider] = await t.users(4);
    const aliceLaptop = await registerUser(t.api(), alice.phone, 'alice laptop');
    const groupId = await t.createGroup(alice, [bob, carol]);
    const [alicePhone, laptop, bobSocket, carolSocket, outsiderSocket] = await Promise.all(
      [alice, aliceLaptop, bob, carol, outsider].map((u) => t.connect(u)),
    );

    const result = await t.sendRaw(alice, groupId, 'hello team', 'c-group-1');
    expect(result.status, JSON.stringify(result.body)).toBe(201);
    expect(Object.keys(result.body).sort()).toEqual(['conversationId', 'messageId', 'sentAt', 'seq']);
    expect(result.body).toMatchObject({ conversationId: groupId, seq: 1 });
    const sent: Sent = result.body;

    const expected = {
      messageId: sent.messageId, conversationId: groupId, seq: 1, senderId: alice.userId, kind: 'text', body: 'hello team',
      mediaId: null, replyTo: null, forwardOf: null, forwardedManyTimes: false, sentAt: sent.sentAt, editedAt: null, deletedAt: null, deletedBy: null,
    };
    for (const [socket, status] of [[alicePhone, 'sent'], [laptop, 'sent'], [bobSocket, null], [carolSocket, null]] as const) {
      await socket.waitFor(() => groupMessages(socket, groupId).length === 1);
      const [frame] = groupMessages(socket, groupId);
      expect(Object.keys(frame).sort()).toEqual(MESSAGE_FRAME_KEYS);
      expect(Object.keys(frame.message).sort()).toEqual(MESSAGE_KEYS);
      expect(frame.message).toEqual({ ...expected, status });
    }
    await t.marker(bob, outsider, outsiderSocket);
    expect(groupMessages(outsiderSocket, groupId)).toEqual([]);

    // History: the same message for every member, status for the sender only.
    const [forAlice] = (await eventually(() => t.history(alice, groupId), (r) => r.status === 200 && r.body.length === 1)).body;
    // History adds what changes after sending: the quote of a reply, reactions.
    expect(forAlice).toEqual({ ...expected, status: 'sent', quote: null, reactions: [] });
    const [forBob] = (await eventually(() => t.history(bob, groupId), (r) => r.status === 200 && r.body.length === 1)).body;
    expect(forBob).toEqual({ ...expected, status: null, quote: null, reactions: [] });
    expect((await t.history(outsider, groupId)).status).toBe(403);

    // Inbox: last message for every member, unread for the others.
    const entry = await t.inboxEntry(bob, groupId, (c) => c.lastMessage !== null);
    expect(entry).toMatchObject({
      type: 'group', groupId, title: 'Team', unreadCount: 1, lastSeq: 1,
      lastMessage: { messageId: sent.messageId, seq: 1, senderId: alice.userId, kind: 'text', body: 'hello team', sentAt: sent.sentAt },
    });
    expect((await t.inboxEntry(alice, groupId, (c) => c.lastMessage !== null)).unreadCount).toBe(0);
  });

  it('over the socket: `sent` answers; members get the frames in seq order; a repeated clientMsgId appends nothing', async () => {
    const [alice, bob] = await t.users(2);
    const groupId = await t.createGroup(alice, [bob]);
    const [aliceSocket, bobSocket] = await Promise.all([t.connect(alice), t.connect(bob)]);

    for (let i = 1; i <= 5; i++) aliceSocket.send({ type: 'send', clientMsgId: `ws-${i}`, to: { groupId }, kind: 'text', body: `ws ${i}` });
    const sentFrames = await aliceSocket.nextOfType('sent', 5);
    for (const frame of sentFrames) {
      expect(Object.keys(frame).sort()).toEqual(['clientMsgId', 'conversationId', 'messageId', 'sentAt', 'seq', 'type']);
      expect(frame.conversationId).toBe(groupId);
    }
    expect(sentFrames.map((f) => f.seq as number).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    await bobSocket.waitFor(() => groupMessages(bobSocket, groupId).length === 5);
    expect(groupSeqs(bobSocket, groupId)).toEqual([1, 2, 3, 4, 5]);

    // The same clientMsgId again, over HTTP and over the socket: the first answer, nothing appended.
    const first = sentFrames.find((f) => f.clientMsgId === 'ws-1');
    const again = await t.sendRaw(alice, groupId, 'ws 1', 'ws-1');
    expect([200, 201]).toContain(again.status);
    expect(again.body).toEqual({ messageId: first.messageId, conversationId: groupId, seq: first.seq, sentAt: first.sentAt });
    aliceSocket.send({ type: 'send', clientMsgId: 'ws-2', to: { groupId }, kind: 'text', body: 'ws 2' });
    await aliceSocket.nextOfType('sent', 6);
    const second = sentFrames.find((f) => f.clientMsgId === 'ws-2');
    expect(aliceSocket.ofType('sent')[5]).toEqual(second);
    expect((await t.send(alice, groupId, 'next')).seq).toBe(6);
    await bobSocket.waitFor(() => groupMessages(bobSocket, groupId).length >= 6);
    expect(groupSeqs(bobSocket, groupId)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses outsiders (403) and unknown groups (404), over HTTP and the socket', async () => {
    const [alice, outsider] = await t.users(2);
    const groupId = await t.createGroup(alice, []);
    expectError(await t.sendRaw(outsider, groupId, 'let me in'), 403, 'not_a_member');
    expectError(await t.sendRaw(alice, unknownGroupId(), 'anyone?'), 404, 'group_not_found');

    const socket = await t.connect(outsider);
    socket.send({ type: 'send', clientMsgId: 'ws-outsider', to: { groupId }, kind: 'text', body: 'let me in' });
    const [error] = await socket.nextOfType('error');
    expect(error).toMatchObject({ type: 'error', clientMsgId: 'ws-outsider', error: { code: 'not_a_member' } });
    expect((await t.send(alice, groupId, 'first')).seq).toBe(1);
  });
});

describe('every member receives every change', () => {
  it('on each member’s feed, the removed and the leaving member included, in order', async () => {
    const [alice, bob, carol, dave] = await t.users(4);
    const sockets = await Promise.all([alice, bob, carol, dave].map((u) => t.connect(u)));
    const [aliceSocket, bobSocket, carolSocket, daveSocket] = sockets;

    const groupId = await t.createGroup(alice, [bob, carol], 'Changes');
    expect((await t.update(alice, groupId, { name: 'Changed' })).status).toBe(200);
    expect((await t.add(alice, groupId, [dave.userId])).status).toBe(200);
    expect((await t.promote(alice, groupId, bob.userId)).status).toBe(200);
    expect((await t.demote(bob, groupId, bob.userId)).status).toBe(200);
    expect((await t.remove(alice, groupId, carol.userId)).status).toBe(200);
    expect((await t.leave(dave, groupId)).status).toBe(200);

    const all = ['created', 'updated', 'members_added', 'admin_promoted', 'admin_demoted', 'member_removed', 'member_left'];
    await waitKinds(aliceSocket, groupId, 7);
    await waitKinds(bobSocket, groupId, 7);
    expect(groupKinds(aliceSocket, groupId)).toEqual(all);
    expect(groupKinds(bobSocket, groupId)).toEqual(all);
    expect(groupFrames(aliceSocket, groupId)).toEqual(groupFrames(bobSocket, groupId));
    // carol up to and including her removal; dave from his joining up to and including his leaving.
    for (const [socket, user] of [[carolSocket, carol], [daveSocket, dave]] as const) await t.marker(alice, user, socket);
    expect(groupKinds(carolSocket, groupId)).toEqual(all.slice(0, 6));
    expect(groupKinds(daveSocket, groupId)).toEqual(all.slice(2));

    const changes = groupFrames(aliceSocket, groupId).map((f) => f.change);
    for (const change of changes) expect(change.at).toMatch(ISO);
    expect(changes.map(({ at: _at, ...rest }: any) => rest)).toEqual([
      {
        kind: 'created', name: 'Changes', description: '', iconMediaId: null, by: alice.userId,
        members: [{ userId: alice.userId, role: 'admin' }, { userId: bob.userId, role: 'member' }, { userId: carol.userId, role: 'member' }],
      },
      { kind: 'updated', name: 'Changed', by: alice.userId },
      { kind: 'members_added', userIds: [dave.userId], by: alice.userId },
      { kind: 'admin_promoted', userId: bob.userId, by: alice.userId },
      { kind: 'admin_demoted', userId: bob.userId, by: bob.userId },
      { kind: 'member_removed', userId: carol.userId, by: alice.userId },
      { kind: 'member_left', userId: dave.userId, by: dave.userId },
    ]);
    // The same cursors for everyone who got an item.
    expect(groupFrames(carolSocket, groupId).map((f) => f.cursor)).toEqual(groupFrames(aliceSocket, groupId).slice(0, 6).map((f) => f.cursor));
    expect(groupFrames(daveSocket, groupId).map((f) => f.cursor)).toEqual(groupFrames(aliceSocket, groupId).slice(2).map((f) => f.cursor));
  });
});
