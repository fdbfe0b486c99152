import { describe, expect, it } from 'vitest';
import {
  BlockEvent,
  decideChangeBlock,
  decideSendDirectMessage,
  evolveDirectConversation,
  initialDirectConversation,
  MessageSent,
  SendDirectMessage,
} from '../src/index.js';
import { specify } from './given-when-then.js';

const now = new Date('2026-11-24T12:00:00.000Z');
const conversation = specify(initialDirectConversation, evolveDirectConversation, decideSendDirectMessage);

const send = (overrides: Partial<SendDirectMessage> = {}): SendDirectMessage => ({
  conversationId: 'd1',
  messageId: 'm-new',
  senderId: 'alice',
  senderDeviceId: 'alice-phone',
  recipientId: 'bob',
  clientMsgId: 'c-new',
  kind: 'text',
  body: 'hello',
  mediaId: null,
  replyTo: null,
  forwardOf: null,
  now,
  ...overrides,
});

const sent = (seq: number, senderId = 'alice', clientMsgId = `c${seq}`): MessageSent => ({
  type: 'MessageSent',
  data: {
    messageId: `m${seq}`, conversationId: 'd1', conversationType: 'direct', seq, senderId,
    senderDeviceId: `${senderId}-phone`, recipientIds: [senderId === 'alice' ? 'bob' : 'alice'], clientMsgId,
    kind: 'text', body: `message ${seq}`, mediaId: null, replyTo: null, forwardOf: null, forwardScore: 0, sentAt: now.toISOString(), expiresAt: null,
  },
});

const blocked = (userId: string, blockedUserId: string): BlockEvent => ({ type: 'UserBlocked', data: { userId, blockedUserId, at: now.toISOString() } });
const unblocked = (userId: string, blockedUserId: string): BlockEvent => ({ type: 'UserUnblocked', data: { userId, blockedUserId, at: now.toISOString() } });

describe('blocking within a direct conversation', () => {
  const blocks = specify(initialDirectConversation, evolveDirectConversation, decideChangeBlock);
  const block = (type: 'BlockUser' | 'UnblockUser', userId = 'bob', blockedUserId = 'alice') => ({ type, userId, blockedUserId, now });

  it('records a block once; blocking again records nothing', () => {
    blocks.given(sent(1)).when(block('BlockUser')).then([blocked('bob', 'alice')]);
    blocks.given(sent(1), blocked('bob', 'alice')).when(block('BlockUser')).then([]);
  });

  it('each side blocks independently; unblocking what is not blocked records nothing', () => {
    blocks.given(blocked('bob', 'alice')).when(block('BlockUser', 'alice', 'bob')).then([blocked('alice', 'bob')]);
    blocks.given(blocked('alice', 'bob')).when(block('UnblockUser')).then([]);
    blocks.given(blocked('bob', 'alice')).when(block('UnblockUser')).then([unblocked('bob', 'alice')]);
  });

  it('refuses blocking oneself', () => {
    blocks.given().when(block('BlockUser', 'bob', 'bob')).thenThrows('cannot_block_self');
  });
});

describe('sending a direct message', () => {
  it('the first message of a conversation gets seq 1', () => {
    conversation.given().when(send()).then({
      events: [{
        type: 'MessageSent',
        data: {
          messageId: 'm-new', conversationId: 'd1', conversationType: 'direct', seq: 1, senderId: 'alice',
          senderDeviceId: 'alice-phone', recipientIds: ['bob'], clientMsgId: 'c-new', kind: 'text', body: 'hello',
          mediaId: null, replyTo: null, forwardOf: null, forwardScore: 0, sentAt: '2026-11-24T12:00:00.000Z',  expiresAt: null,
        },
      }],
      sent: { messageId: 'm-new', conversationId: 'd1', seq: 1, sentAt: '2026-11-24T12:00:00.000Z' },
    });
  });

  it('numbers messages of both participants in one gapless sequence', () => {
    const decision = conversation.given(sent(1), sent(2, 'bob'), sent(3)).when(send({ senderId: 'bob', recipientId: 'alice' })).result();
    if (!('events' in decision)) throw new Error('expected a new message');
    expect(decision.sent.seq).toBe(4);
  });

  it('answers a repeated clientMsgId of the same sender with the first result and no event', () => {
    conversation.given(sent(1), sent(2)).when(send({ clientMsgId: 'c1' })).then({
      duplicateOf: { messageId: 'm1', conversationId: 'd1', seq: 1, sentAt: now.toISOString() },
    });
  });

  it('treats the same clientMsgId from the other participant as a new message', () => {
    const decision = conversation.given(sent(1)).when(send({ senderId: 'bob', recipientId: 'alice', clientMsgId: 'c1' })).result();
    expect('events' in decision && decision.sent.seq).toBe(2);
  });

  it('refuses a message to someone who blocked the sender, and to someone the sender blocked', () => {
    conversation.given(sent(1), blocked('bob', 'alice')).when(send()).thenThrows('blocked');
    conversation.given(sent(1), blocked('alice', 'bob')).when(send()).thenThrows('you_blocked_recipient');
  });

  it('lets messages through again after an unblock', () => {
    const decision = conversation.given(sent(1), blocked('bob', 'alice'), unblocked('bob', 'alice')).when(send()).result();
    expect('events' in decision && decision.sent.seq).toBe(2);
  });

  it('answers a repeated clientMsgId even after a block (nothing new is appended)', () => {
    conversation.given(sent(1), blocked('bob', 'alice')).when(send({ clientMsgId: 'c1' })).then({
      duplicateOf: { messageId: 'm1', conversationId: 'd1', seq: 1, sentAt: now.toISOString() },
    });
  });

  it('refuses a message to oneself', () => {
    conversation.given().when(send({ recipientId: 'alice' })).thenThrows('cannot_message_self');
  });

  it('refuses a reply to a message that is not in the conversation', () => {
    conversation.given(sent(1)).when(send({ replyTo: 'm-elsewhere' })).thenThrows('reply_target_not_found');
  });

  it('accepts a reply to a message of the conversation', () => {
    const decision = conversation.given(sent(1)).when(send({ replyTo: 'm1' })).result();
    expect('events' in decision && decision.events[0].data.replyTo).toBe('m1');
  });

  it('refuses a body over 65,536 bytes, counting UTF-8 bytes', () => {
    conversation.given().when(send({ body: 'é'.repeat(32_769) })).thenThrows('body_too_large');
    const atLimit = conversation.given().when(send({ body: 'x'.repeat(65_536) })).result();
    expect('events' in atLimit).toBe(true);
  });
});

