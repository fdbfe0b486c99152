import { DomainError, forbidden, notFound } from '../errors.js';
import { DisappearingTimer, DisappearingTimerSet, GroupChange, GroupChanged, GroupEvent, GroupRole, MessageExpired, MessageLifecycleEvent } from '../events.js';
import {
  decideExpiry,
  decideForward,
  decideLifecycle,
  decideMessage,
  decideTimer,
  earlierSend,
  ForwardCopy,
  ForwardMessage,
  initialMessageLog,
  LifecycleCommand,
  LifecycleWindows,
  loggedMessage,
  MessageDraft,
  MessageLog,
  recordLifecycle,
  recordMessage,
  recordTimer,
  SendDecision,
  withForwardScore,
} from '../conversation/message-log.js';

export interface GroupMember {
  role: GroupRole;
  joinedAt: string;
  /** Order of joining, for "the longest-standing member". */
  order: number;
}

/**
 * A group and its messages share one stream, so membership and message order are one total
 * order: whether a member may send, and which messages a member may see, is never ambiguous.
 */
export interface GroupConversation {
  exists: boolean;
  groupId: string;
  name: string;
  description: string;
  iconMediaId: string | null;
  createdAt: string | null;
  members: Map<string, GroupMember>;
  /** Former members and the last seq they may see (they may still acknowledge up to it). */
  departedAtSeq: Map<string, number>;
  /** Each user's memberships as seq ranges (afterSeq, upToSeq]: the messages they could see. */
  memberships: Map<string, { afterSeq: number; upToSeq: number | null }[]>;
  joins: number;
  log: MessageLog;
}

export const DEFAULT_MAX_GROUP_MEMBERS = 1024;

export const initialGroup = (): GroupConversation => ({
  exists: false,
  groupId: '',
  name: '',
  description: '',
  iconMediaId: null,
  createdAt: null,
  members: new Map(),
  departedAtSeq: new Map(),
  memberships: new Map(),
  joins: 0,
  log: initialMessageLog(),
});

interface Actor {
  groupId: string;
  by: string;
  now: Date;
}

export type GroupCommand =
  | (Actor & { type: 'CreateGroup'; name: string; memberIds: string[]; maxMembers: number })
  | (Actor & { type: 'UpdateGroup'; name?: string; description?: string; iconMediaId?: string | null })
  | (Actor & { type: 'AddMembers'; userIds: string[]; maxMembers: number })
  | (Actor & { type: 'RemoveMember'; userId: string })
  | (Actor & { type: 'PromoteAdmin'; userId: string })
  | (Actor & { type: 'DemoteAdmin'; userId: string })
  | (Actor & { type: 'LeaveGroup' });

function membersAfter(state: GroupConversation, change: GroupChange): string[] {
  const members = new Set(state.members.keys());
  if (change.kind === 'created') change.members.forEach((m) => members.add(m.userId));
  if (change.kind === 'members_added') change.userIds.forEach((id) => members.add(id));
  if (change.kind === 'member_removed' || change.kind === 'member_left') members.delete(change.userId);
  return [...members];
}

const changed = (command: Actor, state: GroupConversation, change: GroupChange): GroupChanged => ({
  type: 'GroupChanged',
  data: {
    groupId: command.groupId,
    by: command.by,
    at: command.now.toISOString(),
    atSeq: state.log.lastSeq,
    change,
    membersAfter: membersAfter(state, change),
  },
});

const tooMany = (max: number) => new DomainError('too_large', 'too_many_members', `a group has at most ${max} members`, { maxMembers: max });

function requireGroup(state: GroupConversation): void {
  if (!state.exists) throw notFound('group_not_found', 'no group with that id');
}

function requireMember(state: GroupConversation, userId: string): GroupMember {
  requireGroup(state);
  const member = state.members.get(userId);
  if (!member) throw forbidden('not_a_member', 'you are not a member of this group');
  return member;
}

function requireAdmin(state: GroupConversation, userId: string): void {
  if (requireMember(state, userId).role !== 'admin') throw forbidden('not_an_admin', 'only admins can change the group');
}

function requireTarget(state: GroupConversation, userId: string): GroupMember {
  const member = state.members.get(userId);
  if (!member) throw notFound('not_a_member', 'that user is not a member of this group');
  return member;
}

const admins = (state: GroupConversation) => [...state.members.values()].filter((m) => m.role === 'admin').length;

export function decideGroupCommand(command: GroupCommand, state: GroupConversation): GroupChanged[] {
  switch (command.type) {
    case 'CreateGroup': {
      if (state.exists) throw new DomainError('conflict', 'group_exists', 'the group exists already');
      const others = [...new Set(command.memberIds)].filter((id) => id !== command.by);
      if (others.length + 1 > command.maxMembers) throw tooMany(command.maxMembers);
      return [
        changed(command, state, {
          kind: 'created',
          name: command.name,
          description: '',
          iconMediaId: null,
          members: [{ userId: command.by, role: 'admin' }, ...others.map((userId) => ({ userId, role: 'member' as const }))],
        }),
      ];
    }
    case 'UpdateGroup': {
      requireAdmin(state, command.by);
      const { name, description, iconMediaId } = command;
      return [changed(command, state, { kind: 'updated', ...definedOnly({ name, description, iconMediaId }) })];
    }
    case 'AddMembers': {
      requireAdmin(state, command.by);
      const userIds = [...new Set(command.userIds)];
      const already = userIds.filter((id) => state.members.has(id));
      if (already.length > 0) {
        throw new DomainError('conflict', 'already_member', 'some users are members already', { userIds: already });
      }
      if (state.members.size + userIds.length > command.maxMembers) throw tooMany(command.maxMembers);
      return [changed(command, state, { kind: 'members_added', userIds })];
    }
    case 'RemoveMember': {
      if (command.userId === command.by) return decideGroupCommand({ ...command, type: 'LeaveGroup' }, state);
      requireAdmin(state, command.by);
      requireTarget(state, command.userId);
      return [changed(command, state, { kind: 'member_removed', userId: command.userId })];
    }
    case 'PromoteAdmin': {
      requireAdmin(state, command.by);
      if (requireTarget(state, command.userId).role === 'admin') {
        throw new DomainError('conflict', 'already_admin', 'that member is an admin already');
      }
      return [changed(command, state, { kind: 'admin_promoted', userId: command.userId })];
    }
    case 'DemoteAdmin': {
      requireAdmin(state, command.by);
      if (requireTarget(state, command.userId).role !== 'admin') throw new DomainError('conflict', 'not_an_admin', 'that member is not an admin');
      if (admins(state) === 1) throw new DomainError('conflict', 'last_admin', 'a group needs at least one admin; promote another member first');
      return [changed(command, state, { kind: 'admin_demoted', userId: command.userId })];
    }
    case 'LeaveGroup': {
      const leaving = requireMember(state, command.by);
      const left = changed(command, state, { kind: 'member_left', userId: command.by });
      if (leaving.role !== 'admin' || admins(state) > 1) return [left];
      const successor = [...state.members.entries()]
        .filter(([id]) => id !== command.by)
        .sort(([, a], [, b]) => a.order - b.order)[0];
      if (!successor) return [left];
      const promoted = changed(command, state, { kind: 'admin_promoted', userId: successor[0] });
      return [left, { ...promoted, data: { ...promoted.data, membersAfter: left.data.membersAfter } }];
    }
  }
}

export interface SendGroupMessage extends MessageDraft {
  groupId: string;
}

/** Only members send; the message goes to everyone else who is a member at this moment. */
export function decideSendGroupMessage(command: SendGroupMessage, state: GroupConversation): SendDecision {
  const earlier = earlierSend(state.log, command);
  if (earlier) return { duplicateOf: earlier };
  requireMember(state, command.senderId);
  const recipients = [...state.members.keys()].filter((id) => id !== command.senderId);
  const sees = (seq: number) => sawSeq(state, command.senderId, seq);
  return decideMessage(state.log, withForwardScore(state.log, command, sees), 'group', recipients, sees);
}

/** Whether one of the user's memberships covered the message at `seq`. */
function sawSeq(state: GroupConversation, userId: string, seq: number): boolean {
  return (state.memberships.get(userId) ?? []).some((r) => seq > r.afterSeq && (r.upToSeq === null || seq <= r.upToSeq));
}

/** Who could see the message at `seq`: everyone whose membership covered it, former members included. */
export function audienceOf(state: GroupConversation, seq: number): string[] {
  return [...state.memberships.keys()].filter((userId) => sawSeq(state, userId, seq));
}

/** Forwarding out of a group: whoever could see the message as a member, former members included. */
export function decideGroupForward(command: ForwardMessage, state: GroupConversation): ForwardCopy {
  requireGroup(state);
  const message = state.log.messages.get(command.messageId);
  return decideForward(state.log, command, message !== undefined && audienceOf(state, message.seq).includes(command.userId));
}

/** Edits, deletions, reactions and stars in a group: admins may delete any message; only current members may change anything for everyone. */
export function decideGroupLifecycle(command: LifecycleCommand, state: GroupConversation, windows: LifecycleWindows): MessageLifecycleEvent[] {
  requireGroup(state);
  const { seq } = loggedMessage(state.log, command.messageId);
  const audience = audienceOf(state, seq);
  const member = state.members.get(command.userId);
  return decideLifecycle(state.log, command, {
    conversationId: state.groupId,
    audience,
    canSee: audience.includes(command.userId),
    isAdmin: member?.role === 'admin',
    mayWrite: member !== undefined,
  }, windows);
}

/** Only admins set the group's timer; every member is told. */
export function decideGroupTimer(state: GroupConversation, userId: string, seconds: DisappearingTimer, now: Date): DisappearingTimerSet[] {
  requireAdmin(state, userId);
  return decideTimer(state.log, seconds, userId, now, state.groupId, [...state.members.keys()]);
}

/** Whoever could see the message is told it expired, former members included. */
export function decideGroupExpiry(state: GroupConversation, messageId: string, now: Date): MessageExpired[] {
  requireGroup(state);
  return decideExpiry(state.log, messageId, now, state.groupId, audienceOf(state, loggedMessage(state.log, messageId).seq));
}

export function evolveGroup(state: GroupConversation, event: GroupEvent): GroupConversation {
  if (event.type === 'MessageSent') {
    recordMessage(state.log, event);
    return state;
  }
  if (event.type === 'DisappearingTimerSet') {
    recordTimer(state.log, event);
    return state;
  }
  if (event.type !== 'GroupChanged') {
    recordLifecycle(state.log, event);
    return state;
  }
  const { change, at, groupId, atSeq } = event.data;
  const join = (userId: string, role: GroupRole) => {
    state.members.set(userId, { role, joinedAt: at, order: state.joins++ });
    state.departedAtSeq.delete(userId);
    const ranges = state.memberships.get(userId) ?? [];
    ranges.push({ afterSeq: atSeq, upToSeq: null });
    state.memberships.set(userId, ranges);
  };
  switch (change.kind) {
    case 'created':
      Object.assign(state, { exists: true, groupId, name: change.name, description: change.description, iconMediaId: change.iconMediaId, createdAt: at });
      for (const member of change.members) join(member.userId, member.role);
      break;
    case 'updated':
      if (change.name !== undefined) state.name = change.name;
      if (change.description !== undefined) state.description = change.description;
      if (change.iconMediaId !== undefined) state.iconMediaId = change.iconMediaId;
      break;
    case 'members_added':
      for (const userId of change.userIds) join(userId, 'member');
      break;
    case 'member_removed':
    case 'member_left':
      state.members.delete(change.userId);
      state.departedAtSeq.set(change.userId, atSeq);
      state.memberships.get(change.userId)?.forEach((range) => (range.upToSeq ??= atSeq));
      break;
    case 'admin_promoted':
    case 'admin_demoted': {
      const member = state.members.get(change.userId);
      if (member) member.role = change.kind === 'admin_promoted' ? 'admin' : 'member';
      break;
    }
  }
  return state;
}

function definedOnly<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The highest seq a user may acknowledge in the group: the last message, or their last one seen as a member. */
export function acknowledgeableSeq(state: GroupConversation, userId: string): number {
  requireGroup(state);
  if (state.members.has(userId)) return state.log.lastSeq;
  const departed = state.departedAtSeq.get(userId);
  if (departed === undefined) throw forbidden('not_a_member', 'you are not a member of this group');
  return departed;
}

/** The senders of the messages in (afterSeq, upToSeq] that the user could see as a member, without the user. */
export function sendersSeenBy(state: GroupConversation, userId: string, afterSeq: number, upToSeq: number): string[] {
  const senders = new Set<string>();
  for (const range of state.memberships.get(userId) ?? []) {
    const last = Math.min(upToSeq, range.upToSeq ?? upToSeq);
    for (let seq = Math.max(afterSeq, range.afterSeq) + 1; seq <= last; seq++) senders.add(state.log.senders[seq - 1]);
  }
  senders.delete(userId);
  return [...senders];
}
