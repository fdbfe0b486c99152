import { describe, expect, it } from 'vitest';
import { addFromFeed, applyLifecycle, applyPeerReceipt, mergeMessages, withQuote, type TimelineMessage } from '../src/timeline.js';

const message = (seq: number, senderId = 'me', status: TimelineMessage['status'] = 'sent'): TimelineMessage => ({
  messageId: `m${seq}`,
  conversationId: 'c',
  seq,
  senderId,
  kind: 'text',
  body: `#${seq}`,
  mediaId: null,
  replyTo: null,
  forwardOf: null,
  forwardedManyTimes: false,
  sentAt: '2026-12-01T00:00:00.000Z',
  status,
  editedAt: null,
  deletedAt: null,
  deletedBy: null,
});
const seqs = (list: TimelineMessage[]) => list.map((m) => m.seq);

describe('a timeline', () => {
  it('merges pages and feed items by seq, each once, never losing a tick', () => {
    const merged = mergeMessages([message(3, 'me', 'read'), message(4)], [message(1), message(3, 'me', 'sent'), message(2)]);
    expect(seqs(merged)).toEqual([1, 2, 3, 4]);
    expect(merged[2].status).toBe('read');
  });

  it('takes feed items newer than it holds, and leaves older ones to history paging', () => {
    const held = [message(50), message(51)];
    expect(seqs(addFromFeed(held, message(52)))).toEqual([50, 51, 52]);
    expect(addFromFeed(held, message(7))).toBe(held);
    expect(seqs(addFromFeed(held, message(51)))).toEqual([50, 51]);
  });

  it('moves only the viewer’s own messages covered by the peer’s watermark', () => {
    const list = applyPeerReceipt([message(1), message(2, 'peer', null), message(3)], 'me', 'delivered', 2);
    expect(list.map((m) => m.status)).toEqual(['delivered', null, 'sent']);
  });

  it('applies edits, deletions and reactions to the message they name', () => {
    let list = [message(1), message(2)];
    list = applyLifecycle(list, { type: 'message_reacted', cursor: '9', conversationId: 'c', messageId: 'm1', seq: 1, userId: 'peer', emoji: '👍', at: '' });
    list = applyLifecycle(list, { type: 'message_edited', cursor: '10', conversationId: 'c', messageId: 'm1', seq: 1, senderId: 'me', body: 'new', editedAt: 'now' });
    expect(list[0]).toMatchObject({ body: 'new', editedAt: 'now', reactions: [{ userId: 'peer', emoji: '👍' }] });
    list = applyLifecycle(list, { type: 'message_deleted', cursor: '11', conversationId: 'c', messageId: 'm1', seq: 1, senderId: 'me', deletedBy: 'me', deletedAt: 'now' });
    expect(list[0]).toMatchObject({ body: null, erased: true, reactions: [] });
    expect(seqs(applyLifecycle(list, { type: 'message_hidden', cursor: '12', conversationId: 'c', messageId: 'm2', seq: 2, at: '' }))).toEqual([1]);
  });

  it('quotes a reply from the message it holds', () => {
    const reply = { ...message(3), replyTo: 'm1' };
    expect(withQuote([message(1)], reply).quote).toMatchObject({ messageId: 'm1', seq: 1, body: '#1' });
    expect(withQuote([], reply).quote).toBeUndefined();
  });
});
