import { describe, expect, it } from 'vitest';
import { lastMessageRows, membershipMoves, watermarkRows } from '../src/inbox.projection.js';
import { delivered, read, sent } from './events.js';

describe('inbox projection: last messages', () => {
  it('gives every member of a direct chat a row naming the other as peer', () => {
    const rows = lastMessageRows([sent({ conversationId: 'd1', seq: 1, senderId: 'alice', recipientIds: ['bob'] })]);
    expect(rows.map((r) => [r.user_id, r.peer_user_id, r.type, r.last_seq])).toEqual([
      ['alice', 'bob', 'direct', 1],
      ['bob', 'alice', 'direct', 1],
    ]);
    expect(rows[0].last_message).toEqual({ messageId: 'd1-1', seq: 1, senderId: 'alice', kind: 'text', body: 'message 1', sentAt: '2026-01-01T00:00:01.000Z' });
    expect(rows[0].updated_at).toBe('2026-01-01T00:00:01.000Z');
  });

  it('a note to self has one row and no peer', () => {
    const rows = lastMessageRows([sent({ conversationId: 'd-self', seq: 1, senderId: 'alice', recipientIds: ['alice'] })]);
    expect(rows.map((r) => [r.user_id, r.peer_user_id])).toEqual([['alice', null]]);
  });

  it('group rows have no peer', () => {
    const rows = lastMessageRows([sent({ conversationId: 'g1', seq: 1, senderId: 'alice', recipientIds: ['bob', 'carol'], type: 'group' })]);
    expect(rows.map((r) => [r.user_id, r.peer_user_id, r.type])).toEqual([
      ['alice', null, 'group'],
      ['bob', null, 'group'],
      ['carol', null, 'group'],
    ]);
  });

  it('keeps the highest seq per member and conversation, whatever the order in the batch', () => {
    const rows = lastMessageRows([
      sent({ conversationId: 'd1', seq: 2, senderId: 'bob', recipientIds: ['alice'] }),
      sent({ conversationId: 'd1', seq: 1, senderId: 'alice', recipientIds: ['bob'] }),
      sent({ conversationId: 'd2', seq: 1, senderId: 'alice', recipientIds: ['carol'] }),
      sent({ conversationId: 'd1', seq: 3, senderId: 'alice', recipientIds: ['bob'] }),
    ]);
    expect(rows.map((r) => [r.user_id, r.conversation_id, r.last_seq, r.last_message.senderId])).toEqual([
      ['bob', 'd1', 3, 'alice'],
      ['alice', 'd1', 3, 'alice'],
      ['alice', 'd2', 1, 'alice'],
      ['carol', 'd2', 1, 'alice'],
    ]);
  });

  it('only the recipients at send time get a message: a member gone by seq 2 stays at seq 1', () => {
    const rows = lastMessageRows([
      sent({ conversationId: 'g1', seq: 1, senderId: 'alice', recipientIds: ['bob', 'carol'], type: 'group' }),
      sent({ conversationId: 'g1', seq: 2, senderId: 'alice', recipientIds: ['bob'], type: 'group' }),
    ]);
    expect(rows.map((r) => [r.user_id, r.last_seq])).toEqual([
      ['alice', 2],
      ['bob', 2],
      ['carol', 1],
    ]);
  });
});

describe('inbox projection: group membership', () => {
  it('creating a group and adding members bring them in', () => {
    const created = membershipMoves({
      kind: 'created', name: 'g', description: '', iconMediaId: null,
      members: [{ userId: 'alice', role: 'admin' }, { userId: 'bob', role: 'member' }],
    });
    expect(created).toEqual({ joined: ['alice', 'bob'], left: null });
    expect(membershipMoves({ kind: 'members_added', userIds: ['carol'] })).toEqual({ joined: ['carol'], left: null });
  });

  it('removal and leaving take the member out', () => {
    expect(membershipMoves({ kind: 'member_removed', userId: 'bob' })).toEqual({ joined: [], left: 'bob' });
    expect(membershipMoves({ kind: 'member_left', userId: 'carol' })).toEqual({ joined: [], left: 'carol' });
  });

  it('other changes move nobody', () => {
    expect(membershipMoves({ kind: 'updated', name: 'renamed' })).toEqual({ joined: [], left: null });
    expect(membershipMoves({ kind: 'admin_promoted', userId: 'bob' })).toEqual({ joined: [], left: null });
    expect(membershipMoves({ kind: 'admin_demoted', userId: 'bob' })).toEqual({ joined: [], left: null });
  });
});

describe('inbox projection: receipt watermarks', () => {
  it('each watermark takes the highest receipt of its kind per member and conversation, with its time', () => {
    const rows = watermarkRows([
      delivered('bob', 'd1', 3, 't3'),
      delivered('bob', 'd1', 5, 't5'),
      delivered('bob', 'd1', 4, 't4'),
      delivered('carol', 'd1', 2, 't2'),
      delivered('bob', 'd2', 1, 't1'),
    ]);
    expect(rows.delivered).toEqual([
      { user_id: 'bob', conversation_id: 'd1', up_to: 5, at: 't5' },
      { user_id: 'carol', conversation_id: 'd1', up_to: 2, at: 't2' },
      { user_id: 'bob', conversation_id: 'd2', up_to: 1, at: 't1' },
    ]);
    expect(rows.read).toEqual([]);
    expect(rows.shared_read).toEqual([]);
  });

  it('reads move the read watermark and, when shared, the one others see', () => {
    const rows = watermarkRows([delivered('bob', 'd1', 4), read('bob', 'd1', 4, true, 't4')]);
    expect(rows.delivered.map((r) => r.up_to)).toEqual([4]);
    expect(rows.read).toEqual([{ user_id: 'bob', conversation_id: 'd1', up_to: 4, at: 't4' }]);
    expect(rows.shared_read).toEqual(rows.read);
  });

  it('a read made with read receipts off moves the read watermark but leaves the shared one behind', () => {
    const rows = watermarkRows([read('bob', 'd1', 3, true, 't3'), read('bob', 'd1', 6, false, 't6')]);
    expect(rows.read).toEqual([{ user_id: 'bob', conversation_id: 'd1', up_to: 6, at: 't6' }]);
    expect(rows.shared_read).toEqual([{ user_id: 'bob', conversation_id: 'd1', up_to: 3, at: 't3' }]);
  });
});
