import { describe, expect, it } from 'vitest';
import {
  ConversationEvent,
  decideDirectExpiry,
  decideDirectLifecycle,
  decideDirectTimer,
  decideGroupCommand,
  decideGroupExpiry,
  decideGroupTimer,
  decideSendDirectMessage,
  decideSendGroupMessage,
  DEFAULT_LIFECYCLE_WINDOWS,
  DisappearingTimer,
  DisappearingTimerSet,
  evolveDirectConversation,
  evolveGroup,
  GroupEvent,
  initialDirectConversation,
  initialGroup,
  MessageExpired,
  MessageSent,
} from '../src/index.js';

/**
 * Disappearing messages: who sets the timer, that a send carries the expiry the timer gives at
 * that moment, and that a message expires at its time, not a millisecond before, and only once.
 */

const DAY = 86_400;
const WEEK = 604_800;
const NINETY_DAYS = 7_776_000;
const t0 = new Date('2026-12-02T12:00:00.000Z');
const ms = (n: number) => new Date(t0.getTime() + n);
const D = 'd1';
const G = 'g1';

const draft = (seq: number, senderId: string, now: Date) => ({
  conversationId: D, messageId: `m${seq}`, senderId, senderDeviceId: `${senderId}-phone`, clientMsgId: `c${seq}`,
  kind: 'text' as const, body: `message ${seq}`, mediaId: null, replyTo: null, forwardOf: null, now,
});

function direct(...events: ConversationEvent[]) {
  return events.reduce(evolveDirectConversation, initialDirectConversation());
}

/** Sends through the domain and folds the result: the state a later command meets. */
function sendDirect(events: ConversationEvent[], seq: number, senderId: string, now: Date): MessageSent {
  const decision = decideSendDirectMessage({ ...draft(seq, senderId, now), recipientId: senderId === 'alice' ? 'bob' : 'alice' }, direct(...events));
  if (!('events' in decision)) throw new Error('expected a new message');
  return decision.events[0];
}

const timerSet = (by: string, seconds: DisappearingTimer, audience: string[], conversationId = D, at = t0): DisappearingTimerSet => ({
  type: 'DisappearingTimerSet',
  data: { conversationId, by, seconds, at: at.toISOString(), audience },
});

describe('the timer of a direct chat', () => {
  const first = sendDirect([], 1, 'alice', t0);

  it('either participant sets it; every participant is told', () => {
    expect(decideDirectTimer(direct(first), D, 'bob', DAY, t0)).toEqual([timerSet('bob', DAY, ['alice', 'bob'])]);
    expect(decideDirectTimer(direct(first), D, 'alice', WEEK, t0)).toEqual([timerSet('alice', WEEK, ['alice', 'bob'])]);
  });

  it('setting the value it has records nothing (off at first)', () => {
    expect(decideDirectTimer(direct(first), D, 'alice', 0, t0)).toEqual([]);
    expect(decideDirectTimer(direct(first, timerSet('bob', DAY, ['alice', 'bob'])), D, 'alice', DAY, t0)).toEqual([]);
  });

  it('refuses someone outside the conversation, and a conversation that does not exist yet', () => {
    expect(() => decideDirectTimer(direct(first), D, 'mallory', DAY, t0)).toThrowError(expect.objectContaining({ code: 'conversation_not_found' }));
    expect(() => decideDirectTimer(direct(), D, 'alice', DAY, t0)).toThrowError(expect.objectContaining({ code: 'conversation_not_found' }));
  });

  it('refuses a change while either side blocks the other', () => {
    const blocked: ConversationEvent = { type: 'UserBlocked', data: { userId: 'bob', blockedUserId: 'alice', at: t0.toISOString() } };
    expect(() => decideDirectTimer(direct(first, blocked), D, 'alice', DAY, t0)).toThrowError(expect.objectContaining({ code: 'blocked' }));
  });
});

describe('a send while the timer is on', () => {
  it('carries sentAt + the timer as expiresAt; off again, the next send never expires', () => {
    const first = sendDirect([], 1, 'alice', t0);
    const on = timerSet('bob', DAY, ['alice', 'bob']);
    const second = sendDirect([first, on], 2, 'bob', ms(5));
    expect(first.data.expiresAt).toBeNull();
    expect(second.data.expiresAt).toBe(ms(5 + DAY * 1000).toISOString());
    const third = sendDirect([first, on, second, timerSet('alice', 0, ['alice', 'bob'])], 3, 'alice', ms(10));
    expect(third.data.expiresAt).toBeNull();
  });
});

describe('a message expiring', () => {
  const first = sendDirect([], 1, 'alice', t0);
  const on = timerSet('alice', DAY, ['alice', 'bob']);
  const message = sendDirect([first, on], 2, 'bob', t0);
  const due = ms(DAY * 1000);
  const history = [first, on, message];
  const expired: MessageExpired = {
    type: 'MessageExpired',
    data: { messageId: 'm2', conversationId: D, seq: 2, audience: ['alice', 'bob'], senderId: 'bob', expiresAt: due.toISOString(), expiredAt: due.toISOString() },
  };

  it('is refused a millisecond before its time', () => {
    expect(() => decideDirectExpiry(direct(...history), D, 'm2', ms(DAY * 1000 - 1))).toThrowError(expect.objectContaining({ code: 'not_expired_yet' }));
  });

  it('records MessageExpired at its time, with when it was due and when it was erased', () => {
    expect(decideDirectExpiry(direct(...history), D, 'm2', due)).toEqual([expired]);
    const late = ms(DAY * 1000 + 30_000);
    expect(decideDirectExpiry(direct(...history), D, 'm2', late)[0].data).toMatchObject({ expiresAt: due.toISOString(), expiredAt: late.toISOString() });
  });

  it('records nothing for a message already expired or deleted for everyone (any number of jobs may ask)', () => {
    expect(decideDirectExpiry(direct(...history, expired), D, 'm2', due)).toEqual([]);
    const deleted = decideDirectLifecycle({ type: 'DeleteForEveryone', messageId: 'm2', userId: 'bob', now: ms(1) }, direct(...history), D, DEFAULT_LIFECYCLE_WINDOWS);
    expect(decideDirectExpiry(direct(...history, ...deleted), D, 'm2', due)).toEqual([]);
  });

  it('refuses a message sent while the timer was off', () => {
    expect(() => decideDirectExpiry(direct(...history), D, 'm1', ms(365 * DAY * 1000))).toThrowError(expect.objectContaining({ code: 'not_disappearing' }));
  });

  it('an expired message can no longer be edited', () => {
    expect(() =>
      decideDirectLifecycle({ type: 'EditMessage', messageId: 'm2', userId: 'bob', body: 'again', now: ms(1) }, direct(...history, expired), D, DEFAULT_LIFECYCLE_WINDOWS),
    ).toThrowError(expect.objectContaining({ code: 'message_deleted' }));
  });
});

describe('the timer of a group', () => {
  const created = decideGroupCommand(
    { type: 'CreateGroup', groupId: G, by: 'alice', now: t0, name: 'Family', memberIds: ['bob', 'carol'], maxMembers: 1024 },
    initialGroup(),
  );
  const group = (...events: GroupEvent[]) => [...created, ...events].reduce(evolveGroup, initialGroup());

  it('admins set it; every member is told', () => {
    expect(decideGroupTimer(group(), 'alice', NINETY_DAYS, t0)).toEqual([timerSet('alice', NINETY_DAYS, ['alice', 'bob', 'carol'], G)]);
  });

  it('refuses members who are not admins, and non-members', () => {
    expect(() => decideGroupTimer(group(), 'bob', DAY, t0)).toThrowError(expect.objectContaining({ code: 'not_an_admin' }));
    expect(() => decideGroupTimer(group(), 'mallory', DAY, t0)).toThrowError(expect.objectContaining({ code: 'not_a_member' }));
  });

  it('a group message sent while on expires for whoever could see it, at its time', () => {
    const on = timerSet('alice', DAY, ['alice', 'bob', 'carol'], G);
    const decision = decideSendGroupMessage({ ...draft(1, 'bob', t0), conversationId: G, groupId: G }, group(on));
    if (!('events' in decision)) throw new Error('expected a new message');
    const [sent] = decision.events;
    expect(sent.data.expiresAt).toBe(ms(DAY * 1000).toISOString());
    const state = group(on, sent);
    expect(() => decideGroupExpiry(state, 'm1', ms(DAY * 1000 - 1))).toThrowError(expect.objectContaining({ code: 'not_expired_yet' }));
    expect(decideGroupExpiry(state, 'm1', ms(DAY * 1000))[0].data).toMatchObject({ seq: 1, audience: ['alice', 'bob', 'carol'], senderId: 'bob' });
  });
});
