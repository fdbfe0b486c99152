import { DomainError, forbidden, invalid, notFound } from '../errors.js';
import type { CallAnswered, CallDeclined, CallEnded, CallEndReason, CallEvent, CallLeft, CallMedia, CallStarted } from '../events.js';
import type { DirectConversation } from '../conversation/direct-conversation.js';
import type { GroupConversation } from '../group/group.js';

/** A mesh: every device sends its media to every other, so upstream bandwidth grows with the group (decisions §40). */
export const MAX_CALL_PARTICIPANTS = 8;
/** A call nobody answers within this long ends as missed. */
export const RING_TIMEOUT_MS = 45_000;

/** A call not yet ended, as the conversation's stream tells it. */
export interface OngoingCall {
  callId: string;
  callerId: string;
  media: CallMedia;
  /** Who is rung: those called less those who were busy. */
  invitees: string[];
  /** Everyone called, busy or not: all of them keep the call in their history. */
  called: string[];
  startedAt: string;
  callerDeviceId: string;
  /** Who answered, with the device that took the call: the first accept of a user wins. */
  answered: Map<string, string>;
  firstAnsweredAt: string | null;
  /** Who joined and left again (groups: the call goes on while two remain). */
  left: Set<string>;
  /** Invitees who declined (and have not answered since). */
  declined: Set<string>;
}

/** The calls of one conversation. */
export interface CallLog {
  ongoing: Map<string, OngoingCall>;
  /** Ended call ids: a call id names one call, never reused. */
  ended: Set<string>;
}

export const initialCallLog = (): CallLog => ({ ongoing: new Map(), ended: new Set() });

/** Who may call in the conversation, read from its state by the command side. */
export interface CallAudience {
  conversationId: string;
  /** The direct chat's two participants or the group's current members; empty when there is no such conversation. */
  members: string[];
  /** Either side of a direct chat blocks the other. */
  blocked: boolean;
}

export interface StartCall {
  callId: string;
  callerId: string;
  callerDeviceId: string;
  media: CallMedia;
  now: Date;
  /** Invitees who are in another call already: they are not rung. */
  busy: ReadonlySet<string>;
}

/** The device of each person still in the call: where their media and signalling go. */
export const devicesInCall = (call: OngoingCall): Map<string, string> =>
  new Map([[call.callerId, call.callerDeviceId] as const, ...call.answered].filter(([userId]) => !call.left.has(userId)));

/** Whoever is still in the call: the caller and those who answered, less those who left. */
export const inCall = (call: OngoingCall): string[] => [...devicesInCall(call).keys()];

function ended(call: OngoingCall, conversationId: string, reason: CallEndReason, endedBy: string | null, now: Date): CallEnded {
  const durationSeconds = call.firstAnsweredAt ? Math.max(0, Math.round((now.getTime() - Date.parse(call.firstAnsweredAt)) / 1000)) : 0;
  return {
    type: 'CallEnded',
    data: {
      callId: call.callId,
      conversationId,
      callerId: call.callerId,
      media: call.media,
      reason,
      endedBy,
      durationSeconds,
      participants: [call.callerId, ...call.answered.keys()],
      audience: [call.callerId, ...call.called],
      at: now.toISOString(),
    },
  };
}

function requireOngoing(log: CallLog, callId: string): OngoingCall {
  const call = log.ongoing.get(callId);
  if (call) return call;
  if (log.ended.has(callId)) throw new DomainError('conflict', 'call_ended', 'the call has ended');
  throw notFound('call_not_found', 'no call with that id');
}

/**
 * Places a call: only a participant or member may, never across a block, and a group only up
 * to the mesh's size. Invitees already in a call are not rung; when that leaves nobody, the
 * call ends at once as busy.
 */
export function decideStartCall(log: CallLog, audience: CallAudience, command: StartCall): [CallStarted] | [CallStarted, CallEnded] {
  if (!audience.members.includes(command.callerId)) throw forbidden('not_a_participant', 'you are not a participant of this conversation');
  if (audience.blocked) throw forbidden('blocked', 'you cannot call this user');
  if (audience.members.length > MAX_CALL_PARTICIPANTS) {
    throw new DomainError('too_large', 'call_too_large', `a call has at most ${MAX_CALL_PARTICIPANTS} people`, { maxParticipants: MAX_CALL_PARTICIPANTS });
  }
  if (log.ongoing.has(command.callId) || log.ended.has(command.callId)) throw new DomainError('conflict', 'call_exists', 'a call with that id exists already');
  for (const call of log.ongoing.values()) {
    if (inCall(call).includes(command.callerId)) throw new DomainError('conflict', 'already_in_call', 'you are in a call in this conversation already');
  }
  const invitees = audience.members.filter((id) => id !== command.callerId);
  if (invitees.length === 0) throw invalid('nobody_to_call', 'there is nobody else in this conversation');
  const started: CallStarted = {
    type: 'CallStarted',
    data: {
      callId: command.callId,
      conversationId: audience.conversationId,
      callerId: command.callerId,
      callerDeviceId: command.callerDeviceId,
      media: command.media,
      invitees,
      busy: invitees.filter((id) => command.busy.has(id)),
      at: command.now.toISOString(),
    },
  };
  if (invitees.some((id) => !command.busy.has(id))) return [started];
  return [started, ended(ongoingFrom(started), audience.conversationId, 'busy', null, command.now)];
}

/** The first of a user's devices to accept takes the call; a second gets `answered_elsewhere`. */
export function decideAnswerCall(log: CallLog, conversationId: string, callId: string, userId: string, deviceId: string, now: Date): CallAnswered[] {
  const call = requireOngoing(log, callId);
  if (!call.invitees.includes(userId)) throw forbidden('not_invited', 'you are not invited to this call');
  if (call.answered.has(userId)) throw new DomainError('conflict', 'answered_elsewhere', 'the call was answered on another device');
  if (call.left.has(userId)) throw new DomainError('conflict', 'call_left', 'you left this call');
  return [{ type: 'CallAnswered', data: { callId, conversationId, userId, deviceId, at: now.toISOString() } }];
}

/**
 * Declining stops the ringing on the user's devices. A direct call ends with it (the one person
 * called said no); a group call rings on for the others, and ends once every invitee declined
 * with nobody in it but the caller. Declining again is nothing new.
 */
export function decideDeclineCall(log: CallLog, conversationId: string, callId: string, userId: string, now: Date): (CallDeclined | CallEnded)[] {
  const call = requireOngoing(log, callId);
  if (!call.invitees.includes(userId)) throw forbidden('not_invited', 'you are not invited to this call');
  if (call.answered.has(userId)) throw new DomainError('conflict', 'answered_elsewhere', 'the call was answered on another device');
  if (call.declined.has(userId)) return [];
  const declined: CallDeclined = { type: 'CallDeclined', data: { callId, conversationId, userId, at: now.toISOString() } };
  const everyoneDeclined = call.answered.size === 0 && call.invitees.every((id) => id === userId || call.declined.has(id));
  return everyoneDeclined ? [declined, ended(call, conversationId, 'declined', userId, now)] : [declined];
}

/**
 * Hanging up: the caller before anyone answered cancels the call; otherwise the user leaves
 * it, and the call ends (completed) when fewer than two people remain in it.
 */
export function decideHangUp(log: CallLog, conversationId: string, callId: string, userId: string, now: Date): (CallLeft | CallEnded)[] {
  const call = requireOngoing(log, callId);
  if (!inCall(call).includes(userId)) throw forbidden('not_in_call', 'you are not in this call');
  if (call.answered.size === 0) return [ended(call, conversationId, 'cancelled', userId, now)];
  if (inCall(call).length <= 2) return [ended(call, conversationId, 'completed', userId, now)];
  return [{ type: 'CallLeft', data: { callId, conversationId, userId, at: now.toISOString() } }];
}

/** The ring timeout: a call nobody answered ends as missed; an answered or ended one is left alone. */
export function decideRingTimeout(log: CallLog, conversationId: string, callId: string, now: Date): CallEnded[] {
  const call = log.ongoing.get(callId);
  if (!call || call.answered.size > 0) return [];
  return [ended(call, conversationId, 'missed', null, now)];
}

function ongoingFrom({ data }: CallStarted): OngoingCall {
  const { callId, callerId, callerDeviceId, media, invitees, busy, at } = data;
  return { callId, callerId, callerDeviceId, media, called: invitees, invitees: invitees.filter((id) => !busy.includes(id)), startedAt: at, answered: new Map(), firstAnsweredAt: null, left: new Set(), declined: new Set() };
}

/** Folds one call event into the log; mutates and returns it. */
export function evolveCallLog(log: CallLog, event: CallEvent): CallLog {
  const { callId } = event.data;
  if (event.type === 'CallStarted') {
    log.ongoing.set(callId, ongoingFrom(event));
    return log;
  }
  if (event.type === 'CallEnded') {
    log.ongoing.delete(callId);
    log.ended.add(callId);
    return log;
  }
  const call = log.ongoing.get(callId);
  if (!call) return log;
  if (event.type === 'CallAnswered') {
    call.answered.set(event.data.userId, event.data.deviceId);
    call.declined.delete(event.data.userId);
    call.firstAnsweredAt ??= event.data.at;
  } else if (event.type === 'CallDeclined') {
    call.declined.add(event.data.userId);
  } else {
    call.left.add(event.data.userId);
  }
  return log;
}

/** Who may call in a direct chat: its two participants, unless either blocks the other. */
export const directCallAudience = (state: DirectConversation, conversationId: string): CallAudience => ({
  conversationId,
  members: state.participants ? [...state.participants] : [],
  blocked: state.blockers.size > 0,
});

/** Who may call in a group: its current members. */
export const groupCallAudience = (state: GroupConversation): CallAudience => ({ conversationId: state.groupId, members: [...state.members.keys()], blocked: false });
