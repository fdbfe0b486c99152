import { describe, expect, it } from 'vitest';
import {
  CALL_PLACING_LIMIT,
  CallEvent,
  CallLine,
  CallLineTaken,
  decideStartCall,
  decideAnswerCall,
  decideTakeCallLine,
  evolveCallLine,
  evolveCallLog,
  initialCallLine,
  initialCallLog,
  lineOccupied,
  PENDING_LINE_MS,
  RING_TIMEOUT_MS,
  TakeCallLine,
} from '../src/index.js';

const t0 = Date.UTC(2026, 11, 2, 12, 0, 0);
const at = (ms: number) => new Date(t0 + ms);
const take = (line: CallLine, command: Partial<TakeCallLine> & { callId: string }, ms = 0) =>
  decideTakeCallLine(line, { userId: 'alice', conversationId: 'd1', role: 'caller', now: at(ms), occupied: false, ...command });
const lineOf = (...events: CallLineTaken[]) => events.reduce(evolveCallLine, initialCallLine());

describe('a call line', () => {
  it('is taken by a call placed or answered, and records when', () => {
    expect(take(initialCallLine(), { callId: 'c1' })).toEqual([
      { type: 'CallLineTaken', data: { userId: 'alice', callId: 'c1', conversationId: 'd1', role: 'caller', at: at(0).toISOString() } },
    ]);
    expect(lineOf(...take(initialCallLine(), { callId: 'c1', role: 'callee' }, 5))).toEqual({ held: { callId: 'c1', conversationId: 'd1', role: 'callee', at: t0 + 5 }, placedAt: [] });
  });

  it('is refused while another call occupies the user, and taken again by the call that holds it at no cost', () => {
    const line = lineOf(...take(initialCallLine(), { callId: 'c1' }));
    expect(() => take(line, { callId: 'c2', occupied: true }, 1)).toThrow(expect.objectContaining({ code: 'already_in_call', kind: 'conflict' }));
    expect(take(line, { callId: 'c2', occupied: false }, 1)).toHaveLength(1);
    expect(take(line, { callId: 'c1', occupied: true }, 1)).toEqual([]);
  });

  it(`lets a user place ${CALL_PLACING_LIMIT} calls in any minute, answering the wait until the oldest leaves the window`, () => {
    let line = initialCallLine();
    for (let i = 0; i < CALL_PLACING_LIMIT; i++) line = take(line, { callId: `c${i}` }, i * 1_000).reduce(evolveCallLine, line);
    expect(line.placedAt).toHaveLength(CALL_PLACING_LIMIT);
    const refusal = () => take(line, { callId: 'late' }, 10_000);
    expect(refusal).toThrow(expect.objectContaining({ code: 'call_rate_limited', details: { retryAfterSeconds: 50 } }));
    expect(() => take(line, { callId: 'late' }, 59_999)).toThrow(expect.objectContaining({ code: 'call_rate_limited', details: { retryAfterSeconds: 1 } }));
    expect(take(line, { callId: 'late' }, 60_000)).toHaveLength(1);
    // Answering is never limited.
    expect(take(line, { callId: 'incoming', role: 'callee' }, 10_000)).toHaveLength(1);
  });
});

describe('whether a line is occupied', () => {
  const direct = { conversationId: 'd1', members: ['alice', 'bob'], blocked: false };
  const group = { conversationId: 'g1', members: ['alice', 'bob', 'carol'], blocked: false };
  const started = (audience = direct) => decideStartCall(initialCallLog(), audience, { callId: 'c1', callerId: 'alice', callerDeviceId: 'ap', media: 'audio', now: at(0), busy: new Set() });
  const log = (...events: CallEvent[]) => events.reduce(evolveCallLog, initialCallLog());
  const held = (role: 'caller' | 'callee', ms = 0) => ({ callId: 'c1', conversationId: 'd1', role, at: t0 + ms });

  it('is, for a call being placed, until the pending time runs out or the call has ended', () => {
    expect(lineOccupied(held('caller'), initialCallLog(), 'alice', at(PENDING_LINE_MS - 1))).toBe(true);
    expect(lineOccupied(held('caller'), initialCallLog(), 'alice', at(PENDING_LINE_MS))).toBe(false);
    const ended = initialCallLog();
    ended.ended.add('c1');
    expect(lineOccupied(held('caller'), ended, 'alice', at(1))).toBe(false);
  });

  it('is, for the caller while it rings, until it rings out unanswered', () => {
    const calls = log(...started());
    expect(lineOccupied(held('caller'), calls, 'alice', at(RING_TIMEOUT_MS - 1))).toBe(true);
    expect(lineOccupied(held('caller'), calls, 'alice', at(RING_TIMEOUT_MS))).toBe(false);
  });

  it('is, for a callee answering or in the call, however long it lasts; not for one who left', () => {
    const ringing = log(...started(group));
    expect(lineOccupied(held('callee'), ringing, 'bob', at(1))).toBe(true);
    const answered = log(...started(group), ...decideAnswerCall(ringing, 'g1', 'c1', 'bob', 'bp', at(2)));
    expect(lineOccupied(held('callee'), answered, 'bob', at(RING_TIMEOUT_MS * 10))).toBe(true);
    expect(lineOccupied(held('caller'), answered, 'alice', at(RING_TIMEOUT_MS * 10))).toBe(true);
    answered.ongoing.get('c1')!.left.add('bob');
    expect(lineOccupied(held('callee'), answered, 'bob', at(3))).toBe(false);
    // A line taken by someone never invited does not hold them.
    expect(lineOccupied(held('callee'), ringing, 'mallory', at(1))).toBe(false);
  });
});
