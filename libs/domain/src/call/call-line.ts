import { DomainError } from '../errors.js';
import type { CallLineTaken } from '../events.js';
import { type CallLog, inCall, RING_TIMEOUT_MS } from './call.js';

/** Per user: at most this many calls placed in any window of CALL_PLACING_WINDOW_MS, on all their devices. */
export const CALL_PLACING_LIMIT = 10;
export const CALL_PLACING_WINDOW_MS = 60_000;
/** A line taken for a call not yet in its conversation's stream holds this long: the call is being placed, or its process died. */
export const PENDING_LINE_MS = 10_000;

/**
 * A user's call line: the call that last took it, and when they last placed calls. It has a
 * stream of its own, so "busy" and the placing limit are decided by the event store's
 * version check, on any process, without waiting for a read model to catch up.
 *
 * No event frees a line: it is busy only while the call holding it keeps the user in it (see
 * `lineOccupied`), read from that call's conversation. A process that dies between taking a
 * line and starting or answering its call leaves nothing stuck for long.
 */
export interface HeldLine {
  callId: string;
  conversationId: string;
  role: 'caller' | 'callee';
  /** When it was taken (ms). */
  at: number;
}

export interface CallLine {
  held: HeldLine | null;
  /** When this user placed their latest calls (ms), oldest first; never more than the limit. */
  placedAt: number[];
}

export const initialCallLine = (): CallLine => ({ held: null, placedAt: [] });

export function evolveCallLine(line: CallLine, { data }: CallLineTaken): CallLine {
  const at = Date.parse(data.at);
  line.held = { callId: data.callId, conversationId: data.conversationId, role: data.role, at };
  if (data.role === 'caller') line.placedAt = [...line.placedAt, at].slice(-CALL_PLACING_LIMIT);
  return line;
}

/**
 * Whether the line's call keeps the user busy now, given the calls of its conversation: a call
 * being placed (not yet started, taken moments ago); or a call going on that they are in, or
 * are answering, unless it rang out unanswered.
 */
export function lineOccupied(held: HeldLine, calls: CallLog, userId: string, now: Date): boolean {
  const call = calls.ongoing.get(held.callId);
  if (!call) return !calls.ended.has(held.callId) && now.getTime() - held.at < PENDING_LINE_MS;
  if (call.left.has(userId)) return false;
  const answering = held.role === 'callee' && call.invitees.includes(userId);
  if (!inCall(call).includes(userId) && !answering) return false;
  return call.answered.size > 0 || now.getTime() - Date.parse(call.startedAt) < RING_TIMEOUT_MS;
}

export interface TakeCallLine {
  userId: string;
  callId: string;
  conversationId: string;
  role: 'caller' | 'callee';
  now: Date;
  /** Whether the call holding the line occupies the user now (`lineOccupied`, read from its conversation). */
  occupied: boolean;
}

/**
 * Taking the line to place or answer a call: refused while another call occupies the user,
 * and, to place one, once they have placed the limit's worth in the last minute.
 */
export function decideTakeCallLine(line: CallLine, command: TakeCallLine): CallLineTaken[] {
  const { userId, callId, conversationId, role, now } = command;
  if (line.held?.callId === callId) return [];
  if (role === 'caller') {
    const recent = line.placedAt.filter((at) => now.getTime() - at < CALL_PLACING_WINDOW_MS);
    if (recent.length >= CALL_PLACING_LIMIT) {
      const retryAfterMs = recent[0] + CALL_PLACING_WINDOW_MS - now.getTime();
      throw new DomainError('rate_limited', 'call_rate_limited', `at most ${CALL_PLACING_LIMIT} calls a minute`, { retryAfterSeconds: Math.ceil(retryAfterMs / 1000) });
    }
  }
  if (command.occupied) throw new DomainError('conflict', 'already_in_call', 'you are in another call');
  return [{ type: 'CallLineTaken', data: { userId, callId, conversationId, role, at: now.toISOString() } }];
}
