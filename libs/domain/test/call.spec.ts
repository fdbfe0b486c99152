import { describe, expect, it } from 'vitest';
import {
  CallAudience,
  CallEvent,
  CallLog,
  decideAnswerCall,
  decideDeclineCall,
  decideHangUp,
  decideRingTimeout,
  decideStartCall,
  evolveCallLog,
  initialCallLog,
  MAX_CALL_PARTICIPANTS,
} from '../src/index.js';

const at = (seconds: number) => new Date(Date.UTC(2026, 11, 2, 12, 0, seconds));
const direct: CallAudience = { conversationId: 'd1', members: ['alice', 'bob'], blocked: false };
const group: CallAudience = { conversationId: 'g1', members: ['alice', 'bob', 'carol'], blocked: false };
const log = (...events: CallEvent[]): CallLog => events.reduce(evolveCallLog, initialCallLog());
const start = (audience: CallAudience, busy: string[] = []) =>
  decideStartCall(initialCallLog(), audience, { callId: 'c1', callerId: 'alice', callerDeviceId: 'alice-phone', media: 'video', now: at(0), busy: new Set(busy) });
const started = (audience = direct) => start(audience)[0];
const answered = (userId: string, seconds: number) => decideAnswerCall(log(started(group)), 'g1', 'c1', userId, `${userId}-phone`, at(seconds))[0];

describe('placing a call', () => {
  it('rings the other participants of a direct chat', () => {
    expect(start(direct)).toEqual([
      { type: 'CallStarted', data: { callId: 'c1', conversationId: 'd1', callerId: 'alice', callerDeviceId: 'alice-phone', media: 'video', invitees: ['bob'], busy: [], at: at(0).toISOString() } },
    ]);
  });

  it('is refused to someone outside the conversation, across a block and beyond the mesh limit', () => {
    const call = (audience: CallAudience) => () => start(audience);
    expect(call({ ...direct, members: ['bob', 'carol'] })).toThrowError(expect.objectContaining({ code: 'not_a_participant' }));
    expect(call({ ...direct, blocked: true })).toThrowError(expect.objectContaining({ code: 'blocked' }));
    const crowd = Array.from({ length: MAX_CALL_PARTICIPANTS + 1 }, (_, i) => (i === 0 ? 'alice' : `u${i}`));
    expect(call({ ...group, members: crowd })).toThrowError(expect.objectContaining({ code: 'call_too_large' }));
    expect(start({ ...group, members: crowd.slice(0, MAX_CALL_PARTICIPANTS) })).toHaveLength(1);
  });

  it('ends at once as busy when everyone called is in another call', () => {
    const [, end] = start(direct, ['bob']);
    expect(end).toMatchObject({ type: 'CallEnded', data: { reason: 'busy', endedBy: null, durationSeconds: 0, participants: ['alice'], audience: ['alice', 'bob'] } });
  });

  it('never reuses a call id', () => {
    const ended = decideHangUp(log(started()), 'd1', 'c1', 'alice', at(3));
    expect(() => decideStartCall(log(started(), ...ended), direct, { callId: 'c1', callerId: 'alice', callerDeviceId: 'alice-phone', media: 'audio', now: at(4), busy: new Set() })).toThrowError(
      expect.objectContaining({ code: 'call_exists' }),
    );
  });
});

describe('answering', () => {
  it('the first device to accept takes the call; another device of the same user is refused', () => {
    const first = decideAnswerCall(log(started()), 'd1', 'c1', 'bob', 'bob-phone', at(2));
    expect(first).toEqual([{ type: 'CallAnswered', data: { callId: 'c1', conversationId: 'd1', userId: 'bob', deviceId: 'bob-phone', at: at(2).toISOString() } }]);
    expect(() => decideAnswerCall(log(started(), ...first), 'd1', 'c1', 'bob', 'bob-laptop', at(2))).toThrowError(expect.objectContaining({ code: 'answered_elsewhere' }));
  });

  it('only an invitee may answer', () => {
    expect(() => decideAnswerCall(log(started()), 'd1', 'c1', 'alice', 'alice-phone', at(1))).toThrowError(expect.objectContaining({ code: 'not_invited' }));
  });
});

describe('ending', () => {
  it('nobody answering within the ring timeout: missed; an answered call is left alone', () => {
    expect(decideRingTimeout(log(started()), 'd1', 'c1', at(45))).toMatchObject([{ type: 'CallEnded', data: { reason: 'missed', durationSeconds: 0 } }]);
    const answer = decideAnswerCall(log(started()), 'd1', 'c1', 'bob', 'bob-phone', at(2));
    expect(decideRingTimeout(log(started(), ...answer), 'd1', 'c1', at(45))).toEqual([]);
  });

  it('a direct call declined ends as declined; in a group the others go on ringing, until everyone declined', () => {
    const declined = (userId: string, conversationId: string) => ({ type: 'CallDeclined', data: { callId: 'c1', conversationId, userId, at: at(3).toISOString() } });
    expect(decideDeclineCall(log(started()), 'd1', 'c1', 'bob', at(3))).toMatchObject([declined('bob', 'd1'), { type: 'CallEnded', data: { reason: 'declined', endedBy: 'bob' } }]);

    const bobDeclined = decideDeclineCall(log(started(group)), 'g1', 'c1', 'bob', at(3));
    expect(bobDeclined).toEqual([declined('bob', 'g1')]);
    expect(decideDeclineCall(log(started(group), ...bobDeclined), 'g1', 'c1', 'bob', at(3))).toEqual([]);
    expect(decideDeclineCall(log(started(group), ...bobDeclined), 'g1', 'c1', 'carol', at(3))).toMatchObject([
      declined('carol', 'g1'),
      { type: 'CallEnded', data: { reason: 'declined', endedBy: 'carol', participants: ['alice'] } },
    ]);
    // Once someone answered, the last one to decline leaves the call going.
    expect(decideDeclineCall(log(started(group), answered('carol', 2)), 'g1', 'c1', 'bob', at(3))).toEqual([declined('bob', 'g1')]);
  });

  it('the caller hanging up before an answer cancels the call', () => {
    expect(decideHangUp(log(started()), 'd1', 'c1', 'alice', at(5))).toMatchObject([{ type: 'CallEnded', data: { reason: 'cancelled', endedBy: 'alice' } }]);
  });

  it('an answered call hung up is completed, lasting from the first answer', () => {
    const answer = decideAnswerCall(log(started()), 'd1', 'c1', 'bob', 'bob-phone', at(4));
    expect(decideHangUp(log(started(), ...answer), 'd1', 'c1', 'bob', at(34))).toMatchObject([
      { type: 'CallEnded', data: { reason: 'completed', endedBy: 'bob', durationSeconds: 30, participants: ['alice', 'bob'], audience: ['alice', 'bob'] } },
    ]);
  });

  it('a group call goes on while two remain', () => {
    const history = [started(group), answered('bob', 2), answered('carol', 3)];
    const leave = decideHangUp(log(...history), 'g1', 'c1', 'alice', at(10));
    expect(leave).toEqual([{ type: 'CallLeft', data: { callId: 'c1', conversationId: 'g1', userId: 'alice', at: at(10).toISOString() } }]);
    expect(decideHangUp(log(...history, ...leave), 'g1', 'c1', 'bob', at(20))).toMatchObject([
      { type: 'CallEnded', data: { reason: 'completed', durationSeconds: 18, participants: ['alice', 'bob', 'carol'] } },
    ]);
    expect(() => decideHangUp(log(...history, ...leave), 'g1', 'c1', 'alice', at(20))).toThrowError(expect.objectContaining({ code: 'not_in_call' }));
  });

  it('nothing more happens to an ended call', () => {
    const ended = decideHangUp(log(started()), 'd1', 'c1', 'alice', at(3));
    expect(() => decideAnswerCall(log(started(), ...ended), 'd1', 'c1', 'bob', 'bob-phone', at(4))).toThrowError(expect.objectContaining({ code: 'call_ended' }));
    expect(decideRingTimeout(log(started(), ...ended), 'd1', 'c1', at(45))).toEqual([]);
  });
});
