import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streams } from '../../domain/src/streams.js';
import type { EventStore } from '../../event-store/src/event-store.port.js';
import { ConversationHistory } from '../src/state-as-of.js';
import { groupChanged, messageSent, receipt, testEventStore } from '../../../test/support/audit-events.js';

/**
 * State as of a time, against expectations computed by hand from the histories below
 * (times are 2025-01-01T09:MM:00Z, written `t(MM)`).
 */
const t = (minute: number, second = 0) => `2025-01-01T09:${String(minute).padStart(2, '0')}:${String(second).padStart(2, '0')}.000Z`;

let env: Awaited<ReturnType<typeof testEventStore>>;
let store: EventStore;
let history: ConversationHistory;
const G = `g${randomBytes(8).toString('hex')}`;
const D = `d${randomBytes(8).toString('hex')}`;

beforeAll(async () => {
  env = await testEventStore();
  store = env.store;
  history = new ConversationHistory(store);
  // Group: A creates with B and C; A writes m1; B gets it; A renames; C gets and reads it;
  // A removes B; C writes m2; A adds D; B (departed) reads m1; A reads m2.
  const g = streams.conversation(G);
  const rcpt = (user: string) => streams.receipts(G, user);
  await store.append(g, [groupChanged(G, 'A', t(0), 0, { kind: 'created', name: 'Team', description: '', iconMediaId: null, members: [{ userId: 'A', role: 'admin' }, { userId: 'B', role: 'member' }, { userId: 'C', role: 'member' }] }, ['A', 'B', 'C'])], 0);
  await store.append(g, [messageSent(G, 1, 'A', ['B', 'C'], t(1))], 1);
  await store.append(rcpt('B'), [receipt('MessageDelivered', G, 'B', 1, t(2))], 0);
  await store.append(g, [groupChanged(G, 'A', t(3), 1, { kind: 'updated', name: 'Team 2', description: 'plans' }, ['A', 'B', 'C'])], 2);
  await store.append(rcpt('C'), [receipt('MessageDelivered', G, 'C', 1, t(4)), receipt('MessageRead', G, 'C', 1, t(4))], 0);
  await store.append(g, [groupChanged(G, 'A', t(5), 1, { kind: 'member_removed', userId: 'B' }, ['A', 'C'])], 3);
  await store.append(g, [messageSent(G, 2, 'C', ['A'], t(6))], 4);
  await store.append(g, [groupChanged(G, 'A', t(7), 2, { kind: 'members_added', userIds: ['D'] }, ['A', 'C', 'D'])], 5);
  await store.append(rcpt('B'), [receipt('MessageRead', G, 'B', 1, t(8))], 1);
  await store.append(rcpt('A'), [receipt('MessageDelivered', G, 'A', 2, t(9)), receipt('MessageRead', G, 'A', 2, t(9))], 0);

  // Direct: X writes 1 and 2; Y gets both, reads 1; a lower delivered watermark is ignored.
  await store.append(streams.conversation(D), [messageSent(D, 1, 'X', ['Y'], t(10)), messageSent(D, 2, 'X', ['Y'], t(11))], 0);
  await store.append(streams.receipts(D, 'Y'), [receipt('MessageDelivered', D, 'Y', 2, t(12))], 0);
  await store.append(streams.receipts(D, 'Y'), [receipt('MessageRead', D, 'Y', 1, t(13))], 1);
  await store.append(streams.receipts(D, 'Y'), [receipt('MessageDelivered', D, 'Y', 1, t(14))], 2);
});

afterAll(() => env?.close());

const brief = (state: Awaited<ReturnType<ConversationHistory['stateAt']>>) =>
  state.messages.map((m) => ({ seq: m.seq, status: m.status, delivered: m.delivered, read: m.read, pending: m.pending }));

describe('a group as of a time', () => {
  it('before its creation it did not exist', async () => {
    const state = await history.stateAt(G, new Date('2025-01-01T08:59:00Z'));
    expect(state).toMatchObject({ existed: false, participants: [], lastSeq: 0, messages: [], position: null });
    expect(state.group?.members).toEqual([]);
  });

  it('at 09:02:30: the first name, three members, m1 delivered to B only', async () => {
    const state = await history.stateAt(G, new Date(t(2, 30)));
    expect(state.existed).toBe(true);
    expect(state.group).toEqual({
      groupId: G,
      name: 'Team',
      description: '',
      iconMediaId: null,
      createdAt: t(0),
      members: [
        { userId: 'A', role: 'admin', joinedAt: t(0) },
        { userId: 'B', role: 'member', joinedAt: t(0) },
        { userId: 'C', role: 'member', joinedAt: t(0) },
      ],
      admins: ['A'],
      departed: [],
    });
    expect(brief(state)).toEqual([{ seq: 1, status: 'sent', delivered: [{ userId: 'B', at: t(2) }], read: [], pending: ['C'] }]);
    expect(state.messages[0]).toMatchObject({ senderId: 'A', body: 'm1', recipients: ['B', 'C'], sentAt: t(1) });
  });

  it('at exactly 09:04 (inclusive): renamed, m1 delivered to both and read by C', async () => {
    const state = await history.stateAt(G, new Date(t(4)));
    expect(state.group).toMatchObject({ name: 'Team 2', description: 'plans' });
    expect(brief(state)).toEqual([
      { seq: 1, status: 'delivered', delivered: [{ userId: 'B', at: t(2) }, { userId: 'C', at: t(4) }], read: [{ userId: 'C', at: t(4) }], pending: [] },
    ]);
  });

  it('at 09:07:30: B removed (may still see up to seq 1), D added, m2 pending for A', async () => {
    const state = await history.stateAt(G, new Date(t(7, 30)));
    expect(state.participants).toEqual(['A', 'C', 'D']);
    expect(state.group?.members).toEqual([
      { userId: 'A', role: 'admin', joinedAt: t(0) },
      { userId: 'C', role: 'member', joinedAt: t(0) },
      { userId: 'D', role: 'member', joinedAt: t(7) },
    ]);
    expect(state.group?.departed).toEqual([{ userId: 'B', lastSeq: 1 }]);
    expect(state.lastSeq).toBe(2);
    expect(brief(state)[1]).toEqual({ seq: 2, status: 'sent', delivered: [], read: [], pending: ['A'] });
    expect(state.watermarks).toEqual([
      { userId: 'A', delivered: 0, read: 0 },
      { userId: 'B', delivered: 1, read: 0 },
      { userId: 'C', delivered: 1, read: 1 },
      { userId: 'D', delivered: 0, read: 0 },
    ]);
  });

  it('at 09:10: everything read', async () => {
    const state = await history.stateAt(G, new Date(t(10)));
    expect(brief(state)).toEqual([
      { seq: 1, status: 'read', delivered: [{ userId: 'B', at: t(2) }, { userId: 'C', at: t(4) }], read: [{ userId: 'B', at: t(8) }, { userId: 'C', at: t(4) }], pending: [] },
      { seq: 2, status: 'read', delivered: [{ userId: 'A', at: t(9) }], read: [{ userId: 'A', at: t(9) }], pending: [] },
    ]);
    const head = await store.headPosition();
    expect(BigInt(state.position!)).toBeLessThanOrEqual(head);
  });

  it('pages the message list', async () => {
    const state = await history.stateAt(G, new Date(t(10)), { afterSeq: 1, limit: 1 });
    expect(state.totalMessages).toBe(2);
    expect(state.messages.map((m) => m.seq)).toEqual([2]);
  });
});

describe('a direct conversation as of a time', () => {
  it('at 09:12:30: both delivered, none read', async () => {
    const state = await history.stateAt(D, new Date(t(12, 30)));
    expect(state).toMatchObject({ type: 'direct', existed: true, participants: ['X', 'Y'], lastSeq: 2, group: null });
    expect(state.messages.map((m) => m.status)).toEqual(['delivered', 'delivered']);
  });

  it('at 09:14: 1 read, 2 delivered; the later, lower delivered receipt changes nothing', async () => {
    const state = await history.stateAt(D, new Date(t(14)));
    expect(brief(state)).toEqual([
      { seq: 1, status: 'read', delivered: [{ userId: 'Y', at: t(12) }], read: [{ userId: 'Y', at: t(13) }], pending: [] },
      { seq: 2, status: 'delivered', delivered: [{ userId: 'Y', at: t(12) }], read: [], pending: [] },
    ]);
    expect(state.watermarks).toEqual([
      { userId: 'X', delivered: 0, read: 0 },
      { userId: 'Y', delivered: 2, read: 1 },
    ]);
  });

  it('between the two sends only the first message exists', async () => {
    const state = await history.stateAt(D, new Date(t(10, 30)));
    expect(state.messages.map((m) => [m.seq, m.status])).toEqual([[1, 'sent']]);
  });

  it('an unknown conversation is 404', async () => {
    await expect(history.stateAt('dnope', new Date())).rejects.toMatchObject({ kind: 'not_found', code: 'conversation_not_found' });
  });
});
