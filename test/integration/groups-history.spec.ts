import { describe, expect, it } from 'vitest';
import { eventually, sendText } from '../support/client.js';
import { expectError } from '../support/expect.js';
import { expectGroupFrame, groupFrames, groupHarness, groupKinds, groupMessages, groupSeqs, waitKinds } from '../support/groups.js';
import { useTestSystem } from '../support/harness.js';

/** Groups (docs/protocol.md): membership over time in history, inbox and feed. */

const t = groupHarness(useTestSystem());

describe('membership over time', () => {
  it('a member added after messages 1..3 sees none of them: history, inbox and feed (also on reconnect with an older cursor)', async () => {
    const [alice, bob, carol, helper] = await t.users(4);
    const carolLive = await t.connect(carol);
    await sendText(t.api(), helper, carol, 'before the group');
    const [oldFrame] = await carolLive.nextOfType('message');
    const oldCursor: string = oldFrame.cursor;

    const groupId = await t.createGroup(alice, [bob]);
    const m1 = await t.send(alice, groupId, 'one');
    await t.send(bob, groupId, 'two');
    await t.send(alice, groupId, 'three');
    expect((await t.add(alice, groupId, [carol.userId])).status).toBe(200);
    await waitKinds(carolLive, groupId, 1);
    expect(groupKinds(carolLive, groupId)).toEqual(['members_added']);
    await t.group(carol, groupId);

    // History: nothing before joining.
    expect((await t.history(carol, groupId)).body).toEqual([]);
    expect((await t.history(carol, groupId, '?afterSeq=0')).body).toEqual([]);
    // Inbox: the group is there, with no last message and nothing unread.
    const entry = await t.inboxEntry(carol, groupId);
    expect(entry).toMatchObject({ conversationId: groupId, type: 'group', groupId, title: 'Team', lastMessage: null, unreadCount: 0 });
    // Receipts of message 1: its recipients were the members at send time only.
    const receipts = await t.receipts(alice, m1.messageId);
    expect(receipts.status).toBe(200);
    expect(receipts.body).toEqual({ messageId: m1.messageId, delivered: [], read: [], pending: [bob.userId] });

    const m4 = await t.send(bob, groupId, 'four');
    await carolLive.waitFor(() => groupMessages(carolLive, groupId).length >= 1);
    expect(await t.seqs(carol, groupId, (s) => s.length > 0)).toEqual([4]);
    expect((await t.history(carol, groupId, '?beforeSeq=4')).body).toEqual([]);
    const after = await t.inboxEntry(carol, groupId, (c) => c.lastMessage !== null);
    expect(after).toMatchObject({ unreadCount: 1, lastMessage: { messageId: m4.messageId, seq: 4, senderId: bob.userId, body: 'four' } });

    // Feed, live: only message 4. Reconnect with a cursor from before joining: the same, nothing older.
    await t.marker(helper, carol, carolLive);
    expect(groupSeqs(carolLive, groupId)).toEqual([4]);
    const replay = await t.connect(carol, oldCursor);
    const markerIndex = await t.marker(helper, carol, replay);
    const replayed = replay.frames.slice(0, markerIndex).filter((f) => ['group', 'message', 'receipt'].includes(f.type));
    expect(replayed.map((f) => (f.type === 'message' ? `message:${f.message.conversationId === groupId ? f.message.seq : 'direct'}` : `${f.type}:${f.change?.kind ?? f.kind}`))).toEqual([
      'group:members_added',
      'message:4',
      'message:direct',
    ]);
  });

  it('a removed member sees the messages up to the removal and none after: history, inbox, feed (live and on reconnect), and gets the item of their own removal', async () => {
    const [alice, bob, carol, helper] = await t.users(4);
    const bobLive = await t.connect(bob);
    await sendText(t.api(), helper, bob, 'before the group');
    const [oldFrame] = await bobLive.nextOfType('message');
    const oldCursor: string = oldFrame.cursor;

    const groupId = await t.createGroup(alice, [bob, carol]);
    await t.send(alice, groupId, 'one');
    const m2 = await t.send(carol, groupId, 'two');
    await bobLive.waitFor(() => groupMessages(bobLive, groupId).length === 2);

    expect((await t.remove(alice, groupId, bob.userId)).status).toBe(200);
    await bobLive.waitFor(() => groupFrames(bobLive, groupId).length === 2);
    const removal = groupFrames(bobLive, groupId)[1];
    expectGroupFrame(removal, groupId, { kind: 'member_removed', userId: bob.userId, by: alice.userId });

    await t.send(alice, groupId, 'three');
    await t.send(carol, groupId, 'four');
    expect(await t.seqs(alice, groupId, (s) => s.length === 4)).toEqual([1, 2, 3, 4]);
    await t.marker(helper, bob, bobLive);
    expect(groupSeqs(bobLive, groupId)).toEqual([1, 2]);

    // History.
    expect(await t.seqs(bob, groupId, () => true)).toEqual([1, 2]);
    expect((await t.history(bob, groupId, '?afterSeq=2')).body).toEqual([]);
    expect((await t.history(bob, groupId, '?afterSeq=0')).body.map((m: any) => m.body)).toEqual(['one', 'two']);
    // Inbox: frozen at the removal.
    const entry = await t.inboxEntry(bob, groupId);
    expect(entry).toMatchObject({ type: 'group', groupId, unreadCount: 2, lastMessage: { messageId: m2.messageId, seq: 2, senderId: carol.userId, body: 'two' } });

    // Feed on reconnect from before the group: the group's items for bob up to the removal, nothing after.
    const replay = await t.connect(bob, oldCursor);
    const markerIndex = await t.marker(helper, bob, replay);
    const replayed = replay.frames.slice(0, markerIndex).filter((f) => f.type === 'group' || f.type === 'message');
    const label = (f: any) => (f.type === 'group' ? `group:${f.change.kind}` : f.message.conversationId === groupId ? `message:${f.message.seq}` : 'direct');
    expect(replayed.map(label)).toEqual([
      'group:created',
      'message:1',
      'message:2',
      'group:member_removed',
      'direct', // the first marker, sent above
    ]);
    // From the cursor of the removal: nothing of the group.
    const fromRemoval = await t.connect(bob, removal.cursor);
    const index = await t.marker(helper, bob, fromRemoval);
    expect(fromRemoval.frames.slice(0, index).filter((f) => f.type === 'group' || f.message?.conversationId === groupId)).toEqual([]);
  });

  it('a removed member’s send is refused with 403 not_a_member (HTTP and socket) and appends nothing', async () => {
    const [alice, bob] = await t.users(2);
    const groupId = await t.createGroup(alice, [bob]);
    await t.send(bob, groupId, 'while a member');
    expect((await t.remove(alice, groupId, bob.userId)).status).toBe(200);
    const aliceSocket = await t.connect(alice);

    expectError(await t.sendRaw(bob, groupId, 'after removal'), 403, 'not_a_member');
    const bobSocket = await t.connect(bob);
    bobSocket.send({ type: 'send', clientMsgId: 'ws-removed', to: { groupId }, kind: 'text', body: 'after removal' });
    const [error] = await bobSocket.nextOfType('error');
    expect(error).toMatchObject({ type: 'error', clientMsgId: 'ws-removed', error: { code: 'not_a_member' } });

    expect((await t.send(alice, groupId, 'next')).seq).toBe(2);
    await aliceSocket.waitFor(() => groupMessages(aliceSocket, groupId).length === 1);
    expect(groupMessages(aliceSocket, groupId).map((f) => f.message.body)).toEqual(['next']);
    expect((await eventually(() => t.history(alice, groupId), (r) => r.body.length === 2)).body.map((m: any) => m.body)).toEqual(['while a member', 'next']);
  });

  it('a member removed and added again sees what was sent while a member, not what was sent in between', async () => {
    const [alice, bob] = await t.users(2);
    const groupId = await t.createGroup(alice, [bob]);
    const bobSocket = await t.connect(bob);
    await t.send(alice, groupId, 'one');
    expect((await t.remove(alice, groupId, bob.userId)).status).toBe(200);
    await t.send(alice, groupId, 'two');
    expect((await t.add(alice, groupId, [bob.userId])).status).toBe(200);
    const m3 = await t.send(alice, groupId, 'three');
    await bobSocket.waitFor(() => groupSeqs(bobSocket, groupId).includes(3));
    expect(groupSeqs(bobSocket, groupId)).toEqual([1, 3]);
    expect(await t.seqs(bob, groupId, (s) => s.includes(3))).toEqual([1, 3]);
    expect((await t.inboxEntry(bob, groupId, (c) => c.lastMessage?.seq === 3)).lastMessage.messageId).toBe(m3.messageId);
    expect((await t.receipts(alice, m3.messageId)).body.pending).toEqual([bob.userId]);
  });

  it('being added again acknowledges nothing for the member: the sender still sees the earlier message as sent, and it stays unread', async () => {
    const [alice, bob] = await t.users(2);
    const groupId = await t.createGroup(alice, [bob]);
    const m1 = await t.send(alice, groupId, 'one');
    expect((await t.remove(alice, groupId, bob.userId)).status).toBe(200);
    await t.send(alice, groupId, 'two');
    expect((await t.add(alice, groupId, [bob.userId])).status).toBe(200);
    await t.send(alice, groupId, 'three');
    expect(await t.seqs(bob, groupId, (s) => s.includes(3))).toEqual([1, 3]);

    // Bob never acknowledged message 1: no watermark of his covers it.
    expect(await t.statuses(alice, groupId, 3), "alice's ticks").toEqual([[1, 'sent'], [2, 'sent'], [3, 'sent']]);
    expect((await t.receipts(alice, m1.messageId)).body).toEqual({ messageId: m1.messageId, delivered: [], read: [], pending: [bob.userId] });
    expect((await t.inboxEntry(bob, groupId, (c) => c.lastMessage?.seq === 3)).unreadCount, "bob's unread: messages 1 and 3").toBe(2);
  });

  it('a member removed before any message and added again sees the messages after rejoining', async () => {
    const [alice, bob] = await t.users(2);
    const groupId = await t.createGroup(alice, [bob]);
    expect((await t.remove(alice, groupId, bob.userId)).status).toBe(200);
    expect((await t.add(alice, groupId, [bob.userId])).status).toBe(200);
    const bobSocket = await t.connect(bob);
    const m1 = await t.send(alice, groupId, 'one');
    await bobSocket.waitFor(() => groupMessages(bobSocket, groupId).length === 1);
    await t.group(bob, groupId, (g) => g.members.length === 2);

    const history = await eventually(() => t.history(bob, groupId), (r) => r.status === 200 && r.body.length > 0, 3_000).catch(() => t.history(bob, groupId));
    expect(history.body.map((m: any) => m.seq), 'bob is a member again and should see message 1').toEqual([1]);
    expect((await t.inboxEntry(bob, groupId)).unreadCount).toBe(1);
    expect((await t.receipts(alice, m1.messageId)).body.pending).toEqual([bob.userId]);
  });
});
