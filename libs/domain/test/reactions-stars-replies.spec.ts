import { describe, expect, it } from 'vitest';
import {
  ConversationEvent,
  decideDirectLifecycle,
  decideGroupLifecycle,
  decideSendDirectMessage,
  decideSendGroupMessage,
  DEFAULT_LIFECYCLE_WINDOWS,
  evolveDirectConversation,
  evolveGroup,
  GroupChange,
  GroupChanged,
  GroupEvent,
  initialDirectConversation,
  initialGroup,
  LifecycleCommand,
  MessageLifecycleEvent,
  MessageSent,
  SendDirectMessage,
  SendGroupMessage,
} from '../src/index.js';
import { specify } from './given-when-then.js';

/**
 * Reactions (one emoji per user per message), stars (a user's own bookmarks) and which messages
 * a reply may quote: decided in the conversation's stream against who can see the message.
 */

const now = new Date('2026-11-24T12:00:00.000Z');
const at = now.toISOString();
const D = 'd1';
const G = 'g1';

const direct = specify(initialDirectConversation, evolveDirectConversation, (command: LifecycleCommand, state) =>
  decideDirectLifecycle(command, state, D, DEFAULT_LIFECYCLE_WINDOWS),
);
const group = specify(initialGroup, evolveGroup, (command: LifecycleCommand, state) => decideGroupLifecycle(command, state, DEFAULT_LIFECYCLE_WINDOWS));

const sentIn = (conversationId: string, seq: number, senderId: string, recipientIds: string[]): MessageSent => ({
  type: 'MessageSent',
  data: {
    messageId: `m${seq}`, conversationId, conversationType: conversationId === G ? 'group' : 'direct', seq, senderId,
    senderDeviceId: `${senderId}-phone`, recipientIds, clientMsgId: `c${seq}`, kind: 'text', body: `message ${seq}`,
    mediaId: null, replyTo: null, forwardOf: null, forwardScore: 0, sentAt: at, expiresAt: null,
  },
});
const directSent = (seq: number, senderId = 'alice') => sentIn(D, seq, senderId, [senderId === 'alice' ? 'bob' : 'alice']);

const groupChanged = (by: string, change: GroupChange, membersAfter: string[], atSeq = 0): GroupChanged => ({
  type: 'GroupChanged',
  data: { groupId: G, by, at, atSeq, change, membersAfter },
});
const created = groupChanged('alice', {
  kind: 'created', name: 'Team', description: '', iconMediaId: null,
  members: [{ userId: 'alice', role: 'admin' }, { userId: 'bob', role: 'member' }],
}, ['alice', 'bob']);

const react = (userId: string, emoji: string | null, messageId = 'm1'): LifecycleCommand => ({ type: 'React', messageId, userId, emoji, now });
const star = (userId: string, messageId = 'm1'): LifecycleCommand => ({ type: 'Star', messageId, userId, now });
const unstar = (userId: string, messageId = 'm1'): LifecycleCommand => ({ type: 'Unstar', messageId, userId, now });

const reacted = (conversationId: string, userId: string, emoji: string | null, audience: string[]): MessageLifecycleEvent => ({
  type: 'MessageReacted',
  data: { messageId: 'm1', conversationId, seq: 1, audience, userId, emoji, at },
});
const starred = (type: 'MessageStarred' | 'MessageUnstarred', userId: string, conversationId = D): MessageLifecycleEvent => ({
  type,
  data: { messageId: 'm1', conversationId, seq: 1, userId, at },
});
const deleted = (conversationId: string, audience: string[]): MessageLifecycleEvent => ({
  type: 'MessageDeleted',
  data: { messageId: 'm1', conversationId, seq: 1, audience, senderId: 'alice', deletedBy: 'alice', deletedAt: at },
});
const hidden = (userId: string, conversationId = D): MessageLifecycleEvent => ({
  type: 'MessageHidden',
  data: { messageId: 'm1', conversationId, seq: 1, userId, at },
});

describe('reactions', () => {
  it('a participant reacts; the event names everyone who can see the message', () => {
    direct.given(directSent(1)).when(react('bob', '👍')).then([reacted(D, 'bob', '👍', ['alice', 'bob'])]);
  });

  it('a new emoji replaces the reaction; the same emoji again records nothing', () => {
    direct.given(directSent(1), reacted(D, 'bob', '👍', ['alice', 'bob'])).when(react('bob', '❤️')).then([reacted(D, 'bob', '❤️', ['alice', 'bob'])]);
    direct.given(directSent(1), reacted(D, 'bob', '👍', ['alice', 'bob'])).when(react('bob', '👍')).then([]);
  });

  it('null removes the reaction; removing one that is not there records nothing', () => {
    direct.given(directSent(1), reacted(D, 'bob', '👍', ['alice', 'bob'])).when(react('bob', null)).then([reacted(D, 'bob', null, ['alice', 'bob'])]);
    direct.given(directSent(1), reacted(D, 'bob', '👍', ['alice', 'bob']), reacted(D, 'bob', null, ['alice', 'bob'])).when(react('bob', null)).then([]);
    direct.given(directSent(1)).when(react('bob', null)).then([]);
  });

  it('each user has their own reaction', () => {
    direct.given(directSent(1), reacted(D, 'bob', '👍', ['alice', 'bob'])).when(react('alice', '👍')).then([reacted(D, 'alice', '👍', ['alice', 'bob'])]);
  });

  it('a deleted message cannot be reacted to (409 message_deleted), nor its reaction removed', () => {
    direct.given(directSent(1), deleted(D, ['alice', 'bob'])).when(react('bob', '👍')).thenThrows('message_deleted');
    direct.given(directSent(1), reacted(D, 'bob', '👍', ['alice', 'bob']), deleted(D, ['alice', 'bob'])).when(react('bob', null)).thenThrows('message_deleted');
  });

  it('a stranger to the chat, or a message deleted for oneself, is 404 message_not_found', () => {
    direct.given(directSent(1)).when(react('mallory', '👍')).thenThrows('message_not_found');
    direct.given(directSent(1), hidden('bob')).when(react('bob', '👍')).thenThrows('message_not_found');
    direct.given(directSent(1)).when(react('bob', '👍', 'm9')).thenThrows('message_not_found');
  });

  it('in a blocked chat no one reacts (403)', () => {
    const block: ConversationEvent = { type: 'UserBlocked', data: { userId: 'bob', blockedUserId: 'alice', at } };
    direct.given(directSent(1), block).when(react('alice', '👍')).thenThrows('not_a_participant');
  });

  it('in a group: a member whose membership covers the message reacts, the audience is who could see it', () => {
    group.given(created, sentIn(G, 1, 'alice', ['bob'])).when(react('bob', '🎉')).then([reacted(G, 'bob', '🎉', ['alice', 'bob'])]);
  });

  it('in a group: a member who joined after the message cannot see it (404); a non-member neither', () => {
    const carolJoins = groupChanged('alice', { kind: 'members_added', userIds: ['carol'] }, ['alice', 'bob', 'carol'], 1);
    group.given(created, sentIn(G, 1, 'alice', ['bob']), carolJoins).when(react('carol', '👍')).thenThrows('message_not_found');
    group.given(created, sentIn(G, 1, 'alice', ['bob'])).when(react('mallory', '👍')).thenThrows('message_not_found');
  });

  it('in a group: a former member saw the message but may no longer react (403 not_a_participant)', () => {
    const bobLeaves = groupChanged('bob', { kind: 'member_left', userId: 'bob' }, ['alice'], 1);
    group.given(created, sentIn(G, 1, 'alice', ['bob']), bobLeaves).when(react('bob', '👍')).thenThrows('not_a_participant');
  });
});

describe('stars', () => {
  it('a user stars and unstars; repeating either records nothing', () => {
    direct.given(directSent(1)).when(star('bob')).then([starred('MessageStarred', 'bob')]);
    direct.given(directSent(1), starred('MessageStarred', 'bob')).when(star('bob')).then([]);
    direct.given(directSent(1), starred('MessageStarred', 'bob')).when(unstar('bob')).then([starred('MessageUnstarred', 'bob')]);
    direct.given(directSent(1)).when(unstar('bob')).then([]);
  });

  it("stars are each user's own: alice's star does not count for bob", () => {
    direct.given(directSent(1), starred('MessageStarred', 'alice')).when(star('bob')).then([starred('MessageStarred', 'bob')]);
  });

  it('deleting a message for everyone removes its stars and reactions; starring it then is 409', () => {
    const state = [directSent(1), starred('MessageStarred', 'bob'), reacted(D, 'bob', '👍', ['alice', 'bob']), deleted(D, ['alice', 'bob'])];
    const folded = state.reduce(evolveDirectConversation, initialDirectConversation());
    expect(folded.log.messages.get('m1')).toMatchObject({ deleted: true, reactions: new Map(), starredBy: new Set() });
    direct.given(...state).when(star('bob')).thenThrows('message_deleted');
  });

  it('deleting a message for oneself removes one\'s own star and nobody else\'s', () => {
    const folded = [directSent(1), starred('MessageStarred', 'bob'), starred('MessageStarred', 'alice'), hidden('bob')].reduce(evolveDirectConversation, initialDirectConversation());
    expect(folded.log.messages.get('m1')?.starredBy).toEqual(new Set(['alice']));
  });

  it('a former group member may still star what they saw; a later joiner may not', () => {
    const bobLeaves = groupChanged('bob', { kind: 'member_left', userId: 'bob' }, ['alice'], 1);
    group.given(created, sentIn(G, 1, 'alice', ['bob']), bobLeaves).when(star('bob')).then([starred('MessageStarred', 'bob', G)]);
    const carolJoins = groupChanged('alice', { kind: 'members_added', userIds: ['carol'] }, ['alice', 'bob', 'carol'], 1);
    group.given(created, sentIn(G, 1, 'alice', ['bob']), carolJoins).when(star('carol')).thenThrows('message_not_found');
  });
});

describe('replies quote only what the sender can see', () => {
  const sendDirect = specify(initialDirectConversation, evolveDirectConversation, decideSendDirectMessage);
  const sendGroup = specify(initialGroup, evolveGroup, decideSendGroupMessage);
  const directReply = (replyTo: string, senderId = 'bob'): SendDirectMessage => ({
    conversationId: D, messageId: 'm-new', senderId, senderDeviceId: `${senderId}-phone`, recipientId: senderId === 'bob' ? 'alice' : 'bob',
    clientMsgId: 'c-new', kind: 'text', body: 'reply', mediaId: null, replyTo, forwardOf: null, now,
  });
  const groupReply = (senderId: string, replyTo: string): SendGroupMessage => ({ ...directReply(replyTo, senderId), conversationId: G, groupId: G });

  it('a reply to a message of the conversation is sent with its replyTo', () => {
    const decision = sendDirect.given(directSent(1)).when(directReply('m1')).result();
    expect('events' in decision && decision.events[0].data.replyTo).toBe('m1');
  });

  it('a message of another conversation (unknown here) is 404 reply_target_not_found', () => {
    sendDirect.given(directSent(1)).when(directReply('m-elsewhere')).thenThrows('reply_target_not_found');
  });

  it('a message the sender deleted for themselves is 404 reply_target_not_found; the other side may still reply to it', () => {
    sendDirect.given(directSent(1), hidden('bob')).when(directReply('m1')).thenThrows('reply_target_not_found');
    const decision = sendDirect.given(directSent(1), hidden('bob')).when(directReply('m1', 'alice')).result();
    expect('events' in decision).toBe(true);
  });

  it('in a group, a member who joined after the message cannot quote it; one who saw it can', () => {
    const carolJoins = groupChanged('alice', { kind: 'members_added', userIds: ['carol'] }, ['alice', 'bob', 'carol'], 1);
    const history: GroupEvent[] = [created, sentIn(G, 1, 'alice', ['bob']), carolJoins];
    sendGroup.given(...history).when(groupReply('carol', 'm1')).thenThrows('reply_target_not_found');
    expect('events' in sendGroup.given(...history).when(groupReply('bob', 'm1')).result()).toBe(true);
  });

  it('in a group, a member who left and came back cannot quote what was sent while away', () => {
    const bobLeaves = groupChanged('bob', { kind: 'member_left', userId: 'bob' }, ['alice'], 0);
    const bobBack = groupChanged('alice', { kind: 'members_added', userIds: ['bob'] }, ['alice', 'bob'], 1);
    sendGroup.given(created, bobLeaves, sentIn(G, 1, 'alice', []), bobBack).when(groupReply('bob', 'm1')).thenThrows('reply_target_not_found');
  });
});
