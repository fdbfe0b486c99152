import { randomBytes, randomInt } from 'node:crypto';
import { expect } from 'vitest';
import { eventually, FeedClient, marker, TestUser } from './client.js';
import type { Harness } from './harness.js';

/** What the group specs (test/integration/groups-*.spec.ts) share: frame shapes, a group harness, frame helpers. */

export const GROUP_FRAME_KEYS = ['change', 'cursor', 'groupId', 'type'];
export const MESSAGE_FRAME_KEYS = ['cursor', 'message', 'type'];
export const MESSAGE_KEYS = ['body', 'conversationId', 'deletedAt', 'deletedBy', 'editedAt', 'forwardOf', 'forwardedManyTimes', 'kind', 'mediaId', 'messageId', 'replyTo', 'senderId', 'sentAt', 'seq', 'status'];
export const RECEIPT_FRAME_KEYS = ['at', 'conversationId', 'cursor', 'kind', 'type', 'upToSeq', 'userId'];
export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const unknownGroupId = () => `g${randomBytes(16).toString('hex')}`;
export const byUserId = <T extends { userId: string }>(rows: T[]) => [...rows].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
export const sorted = (values: string[]) => [...values].sort();

export interface Sent {
  messageId: string;
  conversationId: string;
  seq: number;
  sentAt: string;
}

/** Group routes, histories, inboxes and markers on top of the common harness. */
export function groupHarness<H extends Harness>(base: H) {
  const api = base.api;
  const register = base.users;
  const h = Object.assign(base, {
    /** Registers users without waiting for the read models (group commands do not read them). */
    users: (n: number): Promise<TestUser[]> => register(n, { known: false }),
    create: (user: TestUser, body: unknown) => api().post('/v1/groups', body, user.token),
    async createGroup(owner: TestUser, members: TestUser[], name = 'Team'): Promise<string> {
      const result = await h.create(owner, { name, members: members.map((m) => m.userId) });
      expect(result.status, JSON.stringify(result.body)).toBe(201);
      return result.body.groupId;
    },
    update: (user: TestUser, groupId: string, body: unknown) => api().request('PATCH', `/v1/groups/${groupId}`, body, user.token),
    add: (user: TestUser, groupId: string, userIds: string[]) => api().post(`/v1/groups/${groupId}/members`, { userIds }, user.token),
    remove: (user: TestUser, groupId: string, userId: string) => api().request('DELETE', `/v1/groups/${groupId}/members/${userId}`, undefined, user.token),
    promote: (user: TestUser, groupId: string, userId: string) => api().request('POST', `/v1/groups/${groupId}/admins/${userId}`, undefined, user.token),
    demote: (user: TestUser, groupId: string, userId: string) => api().request('DELETE', `/v1/groups/${groupId}/admins/${userId}`, undefined, user.token),
    leave: (user: TestUser, groupId: string) => api().request('POST', `/v1/groups/${groupId}/leave`, undefined, user.token),
    get: (user: TestUser, groupId: string) => api().get(`/v1/groups/${groupId}`, user.token),
    /** GET /v1/groups/{id} once the read model satisfies `done`. */
    async group(user: TestUser, groupId: string, done: (body: any) => boolean = () => true): Promise<any> {
      const result = await eventually(() => h.get(user, groupId), (r) => r.status === 200 && done(r.body));
      return result.body;
    },
    sendRaw: (user: TestUser, groupId: string, body: string, clientMsgId = `c-${randomInt(1e12)}`) =>
      api().post('/v1/messages', { clientMsgId, to: { groupId }, kind: 'text', body }, user.token),
    async send(user: TestUser, groupId: string, body: string, clientMsgId?: string): Promise<Sent> {
      const result = await h.sendRaw(user, groupId, body, clientMsgId);
      expect(result.status, JSON.stringify(result.body)).toBe(201);
      return result.body;
    },
    ack: (user: TestUser, conversationId: string, kind: 'delivered' | 'read', upToSeq: number) =>
      api().post(`/v1/conversations/${conversationId}/receipts`, { kind, upToSeq }, user.token),
    history: (user: TestUser, conversationId: string, query = '') => api().get(`/v1/conversations/${conversationId}/messages${query}`, user.token),
    /** The seqs of the viewer's history once `done` holds for them. */
    async seqs(user: TestUser, conversationId: string, done: (seqs: number[]) => boolean, query = ''): Promise<number[]> {
      const result = await eventually(
        () => h.history(user, conversationId, query),
        (r) => r.status === 200 && done(r.body.map((m: any) => m.seq)),
      );
      return result.body.map((m: any) => m.seq);
    },
    /** [seq, status] of the viewer's history once it holds `count` messages and `done` holds. */
    async statuses(user: TestUser, conversationId: string, count: number, done: (s: [number, string | null][]) => boolean = () => true) {
      const result = await eventually(
        () => h.history(user, conversationId),
        (r) => r.status === 200 && r.body.length === count && done(r.body.map((m: any) => [m.seq, m.status])),
      );
      return result.body.map((m: any) => [m.seq, m.status]) as [number, string | null][];
    },
    async inboxEntry(user: TestUser, conversationId: string, done: (entry: any) => boolean = () => true): Promise<any> {
      const result = await eventually(
        () => api().get('/v1/conversations', user.token),
        (r) => r.status === 200 && r.body.some((c: any) => c.conversationId === conversationId && done(c)),
      );
      return result.body.find((c: any) => c.conversationId === conversationId);
    },
    receipts: (user: TestUser, messageId: string) => api().get(`/v1/messages/${messageId}/receipts`, user.token),
    /** A direct message from `from` to `to`, awaited on `socket` (of `to`): everything appended before it has arrived. */
    marker: (from: TestUser, to: TestUser, socket: FeedClient) => marker(api(), from, to, socket),
  });
  return h;
}

export const groupFrames = (socket: FeedClient, groupId: string) => socket.ofType('group').filter((f) => f.groupId === groupId);
export const groupKinds = (socket: FeedClient, groupId: string) => groupFrames(socket, groupId).map((f) => f.change.kind);
export const groupMessages = (socket: FeedClient, groupId: string) => socket.ofType('message').filter((f) => f.message.conversationId === groupId);
export const groupSeqs = (socket: FeedClient, groupId: string) => groupMessages(socket, groupId).map((f) => f.message.seq);
export const receiptFrames = (socket: FeedClient, groupId: string) => socket.ofType('receipt').filter((f) => f.conversationId === groupId);
export const waitKinds = (socket: FeedClient, groupId: string, count: number) => socket.waitFor(() => groupFrames(socket, groupId).length >= count);

export function expectGroupFrame(frame: any, groupId: string, change: Record<string, unknown>) {
  expect(Object.keys(frame).sort()).toEqual(GROUP_FRAME_KEYS);
  expect(typeof frame.cursor).toBe('string');
  expect(frame.cursor.length).toBeGreaterThan(0);
  expect(frame.groupId).toBe(groupId);
  expect(frame.change.at).toMatch(ISO);
  expect(frame.change).toEqual({ ...change, at: frame.change.at });
}
