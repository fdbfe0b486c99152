import { describe, expect, it } from 'vitest';
import {
  ConversationEvent,
  decideDirectForward,
  decideGroupForward,
  decideSendDirectMessage,
  decideSendGroupMessage,
  evolveDirectConversation,
  evolveGroup,
  ForwardCopy,
  ForwardMessage,
  GroupChange,
  GroupEvent,
  initialDirectConversation,
  initialGroup,
  MessageSent,
} from '../src/index.js';
import { specify } from './given-when-then.js';

/**
 * Forwards (issue 11): the source is decided on its own conversation (the sender sees it, has not
 * hidden it, it is not deleted; forwarded many times: one chat at a time) and each copy carries
 * the source's content and one more hop.
 */

const now = new Date('2026-11-24T12:00:00.000Z');
const at = now.toISOString();
const G = 'g1';

const sent = (conversationId: string, seq: number, senderId: string, recipientIds: string[], more: Partial<MessageSent['data']> = {}): MessageSent => ({
  type: 'MessageSent',
  data: {
    messageId: `m${seq}`, conversationId, conversationType: conversationId === G ? 'group' : 'direct', seq, senderId,
    senderDeviceId: `${senderId}-phone`, recipientIds, clientMsgId: `c${seq}`, kind: 'text', body: `message ${seq}`, mediaId: null,
    replyTo: null, forwardOf: null, forwardScore: 0, sentAt: at, expiresAt: null, ...more,
  },
});
const fact = (seq: number, audience: string[]) => ({ messageId: `m${seq}`, conversationId: 'd1', seq, audience });
const edited = (seq: number, body: string): ConversationEvent => ({ type: 'MessageEdited', data: { ...fact(seq, ['alice', 'bob']), senderId: 'alice', body, editedAt: at } });
const deleted = (seq: number): ConversationEvent => ({ type: 'MessageDeleted', data: { ...fact(seq, ['alice', 'bob']), senderId: 'alice', deletedBy: 'alice', deletedAt: at } });
const hidden = (seq: number, userId: string): ConversationEvent => ({ type: 'MessageHidden', data: { messageId: `m${seq}`, conversationId: 'd1', seq, userId, at } });

const forward = (userId: string, targets = 1, messageId = 'm1'): ForwardMessage => ({ messageId, userId, targets });
const direct = specify(initialDirectConversation, evolveDirectConversation, decideDirectForward);
const copy = (more: Partial<ForwardCopy> = {}): ForwardCopy => ({ forwardOf: 'm1', kind: 'text', body: 'message 1', mediaId: null, forwardScore: 1, ...more });

describe('forwarding out of a direct chat', () => {
  it('either participant forwards a message: its content and one more hop', () => {
    direct.given(sent('d1', 1, 'alice', ['bob'])).when(forward('bob')).then(copy());
    direct.given(sent('d1', 1, 'alice', ['bob'])).when(forward('alice', 5)).then(copy());
  });

  it('copies media and the current text of an edited message', () => {
    direct.given(sent('d1', 1, 'alice', ['bob'], { kind: 'image', body: 'caption', mediaId: 'media-1' })).when(forward('bob')).then(copy({ kind: 'image', body: 'caption', mediaId: 'media-1' }));
    direct.given(sent('d1', 1, 'alice', ['bob']), edited(1, 'better text')).when(forward('bob')).then(copy({ body: 'better text' }));
  });

  it('counts hops: a forward of a forward has the score of its source plus one', () => {
    direct.given(sent('d1', 1, 'alice', ['bob'], { forwardOf: 'm0', forwardScore: 3 })).when(forward('bob')).then(copy({ forwardScore: 4 }));
  });

  it('refuses someone outside the chat, an unknown message and one the user hid (404), and a deleted one (409)', () => {
    direct.given(sent('d1', 1, 'alice', ['bob'])).when(forward('carol')).thenThrows('forward_source_not_found');
    direct.given(sent('d1', 1, 'alice', ['bob'])).when(forward('bob', 1, 'm9')).thenThrows('forward_source_not_found');
    direct.given(sent('d1', 1, 'alice', ['bob']), hidden(1, 'bob')).when(forward('bob')).thenThrows('forward_source_not_found');
    direct.given(sent('d1', 1, 'alice', ['bob']), hidden(1, 'bob')).when(forward('alice')).then(copy());
    direct.given(sent('d1', 1, 'alice', ['bob']), deleted(1)).when(forward('bob')).thenThrows('message_deleted');
  });

  it('a message forwarded many times (score 5 or more) goes to one chat at a time; never more than 5 chats', () => {
    const many = sent('d1', 1, 'alice', ['bob'], { forwardOf: 'm0', forwardScore: 5 });
    direct.given(many).when(forward('bob', 2)).thenThrows('forwarded_many_times');
    direct.given(many).when(forward('bob', 1)).then(copy({ forwardScore: 6 }));
    direct.given(sent('d1', 1, 'alice', ['bob'], { forwardOf: 'm0', forwardScore: 4 })).when(forward('bob', 5)).then(copy({ forwardScore: 5 }));
    direct.given(sent('d1', 1, 'alice', ['bob'])).when(forward('bob', 6)).thenThrows('too_many_targets');
  });
});

describe('forwarding out of a group', () => {
  const changed = (by: string, change: GroupChange, membersAfter: string[], atSeq: number): GroupEvent => ({
    type: 'GroupChanged',
    data: { groupId: G, by, at, atSeq, change, membersAfter },
  });
  const created = changed('alice', { kind: 'created', name: 'Team', description: '', iconMediaId: null, members: [{ userId: 'alice', role: 'admin' }, { userId: 'bob', role: 'member' }] }, ['alice', 'bob'], 0);
  const group = specify(initialGroup, evolveGroup, decideGroupForward);

  it('whoever could see the message as a member forwards it, former members included', () => {
    const removedAfter = changed('alice', { kind: 'member_removed', userId: 'bob' }, ['alice'], 1);
    group.given(created, sent(G, 1, 'alice', ['bob']), removedAfter).when(forward('bob')).then(copy());
  });

  it('refuses a member removed before it was sent, and one added after it', () => {
    const removed = changed('alice', { kind: 'member_removed', userId: 'bob' }, ['alice'], 0);
    group.given(created, removed, sent(G, 1, 'alice', [])).when(forward('bob')).thenThrows('forward_source_not_found');
    const carolAdded = changed('alice', { kind: 'members_added', userIds: ['carol'] }, ['alice', 'bob', 'carol'], 1);
    group.given(created, sent(G, 1, 'alice', ['bob']), carolAdded).when(forward('carol')).thenThrows('forward_source_not_found');
  });

  it('a send naming forwardOf in the same group needs a message the sender could see, and counts one more hop', () => {
    const carolAdded = changed('alice', { kind: 'members_added', userIds: ['carol'] }, ['alice', 'bob', 'carol'], 1);
    const state = [created, sent(G, 1, 'alice', ['bob'], { forwardOf: 'm0', forwardScore: 2 }), carolAdded].reduce(evolveGroup, initialGroup());
    const draft = { groupId: G, conversationId: G, messageId: 'm-new', senderDeviceId: 'x', clientMsgId: 'c-new', kind: 'text' as const, body: 'mine', mediaId: null, replyTo: null, forwardOf: 'm1', now };
    expect(() => decideSendGroupMessage({ ...draft, senderId: 'carol' }, state)).toThrowError(expect.objectContaining({ code: 'forward_source_not_found' }));
    const decision = decideSendGroupMessage({ ...draft, senderId: 'bob' }, state);
    expect('events' in decision && decision.events[0].data).toMatchObject({ forwardOf: 'm1', forwardScore: 3, body: 'mine' });
  });
});

describe('a send naming forwardOf in a direct chat', () => {
  const draft = { conversationId: 'd1', messageId: 'm-new', senderId: 'bob', senderDeviceId: 'bob-phone', recipientId: 'alice', clientMsgId: 'c-new', kind: 'text' as const, body: 'hi', mediaId: null, replyTo: null, now };
  const state = (...events: ConversationEvent[]) => events.reduce(evolveDirectConversation, initialDirectConversation());

  it('records an original with score 0 and a forward of a message of the chat with one more hop', () => {
    const decide = (forwardOf: string | null) => {
      const decision = decideSendDirectMessage({ ...draft, forwardOf }, state(sent('d1', 1, 'alice', ['bob'], { forwardOf: 'm0', forwardScore: 1 })));
      return 'events' in decision ? decision.events[0].data.forwardScore : null;
    };
    expect(decide(null)).toBe(0);
    expect(decide('m1')).toBe(2);
  });

  it('refuses a forwardOf naming no message of the chat, or a deleted one', () => {
    expect(() => decideSendDirectMessage({ ...draft, forwardOf: 'elsewhere' }, state(sent('d1', 1, 'alice', ['bob'])))).toThrowError(
      expect.objectContaining({ code: 'forward_source_not_found' }),
    );
    expect(() => decideSendDirectMessage({ ...draft, forwardOf: 'm1' }, state(sent('d1', 1, 'alice', ['bob']), deleted(1)))).toThrowError(
      expect.objectContaining({ code: 'message_deleted' }),
    );
  });

  it('takes the score a forward checked in another conversation gives it', () => {
    const decision = decideSendDirectMessage({ ...draft, forwardOf: 'm-elsewhere', forwardScore: 5 }, state(sent('d1', 1, 'alice', ['bob'])));
    expect('events' in decision && decision.events[0].data).toMatchObject({ forwardOf: 'm-elsewhere', forwardScore: 5 });
  });
});
