import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditorDirectory } from '../../libs/audit/src/auditors.js';
import { parseSse, SseMessage } from '../../libs/analytics/src/sse.js';
import { RoleTokens } from '../../libs/auth/src/role-tokens.js';
import { Api, clockPasses, eventually, registerUser, sendText, TestUser } from '../support/client.js';
import { startTestSystem, TEST_SECRETS, TestSystem } from '../support/system.js';

/** The /v1/audit routes over HTTP on the whole system (docs/audit.md). */

let system: TestSystem;
let api: Api;
let auditor: string;
let analytics: string;
let alice: TestUser;
let bob: TestUser;
let conversationId: string;
let startPosition: string;

beforeAll(async () => {
  system = await startTestSystem();
  api = new Api(system.baseUrl);
  const directory = new AuditorDirectory(system.runtime.eventStore);
  const tokens = new RoleTokens(TEST_SECRETS.jwtSecret);
  await directory.create('ann', 'auditor');
  await directory.create('dash', 'analytics');
  auditor = await tokens.issue({ name: 'ann', role: 'auditor' });
  analytics = await tokens.issue({ name: 'dash', role: 'analytics' });
  startPosition = (await system.runtime.eventStore.headPosition()).toString();
  [alice, bob] = await Promise.all([registerUser(api, undefined, "Alice's phone"), registerUser(api)]);
  await sendText(api, alice, bob, 'first secret');
  ({ conversationId } = await sendText(api, alice, bob, 'second secret'));
  const ack = await api.post(`/v1/conversations/${conversationId}/receipts`, { kind: 'read', upToSeq: 1 }, bob.token);
  expect(ack.status).toBe(202);
});

afterAll(async () => {
  await system?.close();
});

const AUDIT_ROUTES = () => [
  '/v1/audit/events',
  `/v1/audit/conversations/${conversationId}/events`,
  `/v1/audit/conversations/${conversationId}/state?at=${new Date().toISOString()}`,
  '/v1/audit/groups/gnothing/events',
  '/v1/audit/groups/gnothing/state?at=2025-01-01T00:00:00Z',
  `/v1/audit/users/${alice.userId}/events`,
  `/v1/audit/streams/user-${alice.userId}/events`,
  '/v1/audit/reads',
  '/v1/audit/tail',
];

describe('authorization', () => {
  it('no token or a bad token: 401 in the protocol error shape', async () => {
    for (const token of [undefined, 'not-a-jwt']) {
      const result = await api.get('/v1/audit/events', token);
      expect(result.status).toBe(401);
      expect(result.body.error).toMatchObject({ code: 'unauthorized' });
    }
  });

  it('a client token gets 403 on every audit route', async () => {
    for (const route of AUDIT_ROUTES()) {
      const result = await api.get(route, alice.token);
      expect(result.status, route).toBe(403);
      expect(result.body.error.code, route).toBe('not_an_auditor');
    }
  });

  it('an analytics token gets 403 everywhere but the tail, and there only CloudEvents', async () => {
    for (const route of AUDIT_ROUTES().filter((r) => !r.endsWith('/tail'))) {
      expect((await api.get(route, analytics)).status, route).toBe(403);
    }
    const events = await api.get('/v1/audit/tail?format=events', analytics);
    expect(events.status).toBe(403);
    expect(events.body.error.code).toBe('cloudevents_only');
  });

  it('a role token for a name the registry does not know is 401; role tokens are refused on client routes', async () => {
    const ghost = await new RoleTokens(TEST_SECRETS.jwtSecret).issue({ name: 'ghost', role: 'auditor' });
    expect((await api.get('/v1/audit/events', ghost)).status).toBe(401);
    expect((await api.get('/v1/conversations', auditor)).status).toBe(401);
  });
});

describe('replay', () => {
  it('a conversation: its messages (full content) and receipts, with cursors', async () => {
    const all = await api.get(`/v1/audit/conversations/${conversationId}/events`, auditor);
    expect(all.status).toBe(200);
    expect(all.body.events.map((e: any) => e.type)).toEqual(['MessageSent', 'MessageSent', 'MessageDelivered', 'MessageRead']);
    expect(all.body.events[0].data.body).toBe('first secret');
    expect(all.body.caughtUp).toBe(true);
    const first = await api.get(`/v1/audit/conversations/${conversationId}/events?limit=1`, auditor);
    expect(first.body.events).toHaveLength(1);
    const rest = await api.get(`/v1/audit/conversations/${conversationId}/events?after=${first.body.next}`, auditor);
    expect([...first.body.events, ...rest.body.events]).toEqual(all.body.events);
    const reads = await api.get(`/v1/audit/conversations/${conversationId}/events?type=MessageRead`, auditor);
    expect(reads.body.events.map((e: any) => [e.type, e.data.userId, e.data.upToSeq])).toEqual([['MessageRead', bob.userId, 1]]);
  });

  it('the whole log from a position, filtered by type, stream and time', async () => {
    const sent = await api.get(`/v1/audit/events?after=${startPosition}&type=MessageSent`, auditor);
    expect(sent.body.events.map((e: any) => e.data.body)).toEqual(['first secret', 'second secret']);
    const stream = await api.get(`/v1/audit/events?after=${startPosition}&stream=user-${alice.userId}`, auditor);
    expect(stream.body.events.map((e: any) => e.type)).toEqual(['UserRegistered', 'DeviceLoggedIn']);
    const future = await api.get(`/v1/audit/events?after=${startPosition}&from=2999-01-01T00:00:00Z`, auditor);
    expect(future.body.events).toEqual([]);
  });

  it('a user: registration and devices', async () => {
    const result = await api.get(`/v1/audit/users/${alice.userId}/events`, auditor);
    expect(result.status).toBe(200);
    expect(result.body.events.slice(0, 2).map((e: any) => e.type)).toEqual(['UserRegistered', 'DeviceLoggedIn']);
    expect(result.body.events[1].data.deviceName).toBe("Alice's phone");
  });

  it('bad input is 400 naming the field; unknown ids are 404', async () => {
    for (const [query, field] of [['after=-1', 'after'], ['after=abc', 'after'], ['from=yesterday', 'from'], ['type=Message Sent', 'type'], ['limit=0', 'limit'], ['format=xml', 'format'], ['from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z', 'to']]) {
      const result = await api.get(`/v1/audit/events?${query}`, auditor);
      expect(result.status, query).toBe(400);
      expect(JSON.stringify(result.body.error.details), query).toContain(`"${field}"`);
    }
    expect((await api.get('/v1/audit/conversations/dnothing/events', auditor)).body.error.code).toBe('conversation_not_found');
    expect((await api.get('/v1/audit/groups/gnothing/events', auditor)).status).toBe(404);
    expect((await api.get('/v1/audit/users/nobody/events', auditor)).status).toBe(404);
    expect((await api.get('/v1/audit/streams/nothing-here/events', auditor)).status).toBe(404);
    expect((await api.get(`/v1/audit/conversations/${conversationId}/state`, auditor)).status).toBe(400);
  });

  it('NDJSON export: one event per line, the same events as the JSON pages', async () => {
    const response = await fetch(`${system.baseUrl}/v1/audit/events?after=${startPosition}&format=ndjson`, { headers: { authorization: `Bearer ${auditor}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await response.text()).trimEnd().split('\n').map((line) => JSON.parse(line));
    const page = await api.get(`/v1/audit/events?after=${startPosition}&limit=1000`, auditor);
    expect(lines.length).toBeGreaterThanOrEqual(8);
    expect(lines).toEqual(page.body.events.slice(0, lines.length));
  });
});

describe('state as of a time', () => {
  it('the conversation now, and before its first message', async () => {
    const now = await api.get(`/v1/audit/conversations/${conversationId}/state?at=${new Date().toISOString()}`, auditor);
    expect(now.status).toBe(200);
    expect(now.body).toMatchObject({ type: 'direct', existed: true, lastSeq: 2, participants: [alice.userId, bob.userId].sort() });
    expect(now.body.messages.map((m: any) => [m.seq, m.body, m.status])).toEqual([[1, 'first secret', 'read'], [2, 'second secret', 'sent']]);
    const before = await api.get(`/v1/audit/conversations/${conversationId}/state?at=2000-01-01T00:00:00Z`, auditor);
    expect(before.body).toMatchObject({ existed: false, messages: [], lastSeq: 0 });
  });

  it('a group: members and name as they were', async () => {
    const created = await api.post('/v1/groups', { name: 'Book club', members: [bob.userId] }, alice.token);
    expect(created.status).toBe(201);
    const afterCreate = new Date().toISOString();
    // The rename is stamped later than `afterCreate` (the server's clock is this process's).
    await clockPasses(afterCreate);
    expect((await api.request('PATCH', `/v1/groups/${created.body.groupId}`, { name: 'Film club' }, alice.token)).status).toBeLessThan(300);
    const then = await api.get(`/v1/audit/groups/${created.body.groupId}/state?at=${afterCreate}`, auditor);
    expect(then.status).toBe(200);
    expect(then.body.group).toMatchObject({ name: 'Book club', admins: [alice.userId] });
    expect(then.body.group.members.map((m: any) => m.userId)).toEqual([alice.userId, bob.userId]);
    const now = await api.get(`/v1/audit/groups/${created.body.groupId}/state?at=${new Date().toISOString()}`, auditor);
    expect(now.body.group.name).toBe('Film club');
  });
});

async function readTail(path: string, token: string, until: (messages: SseMessage[]) => boolean, lastEventId?: string) {
  const abort = new AbortController();
  const response = await fetch(`${system.baseUrl}${path}`, {
    headers: { authorization: `Bearer ${token}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    signal: abort.signal,
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const messages: SseMessage[] = [];
  let lastId: string | undefined;
  const timer = setTimeout(() => abort.abort(), 10_000);
  try {
    for await (const message of parseSse(response.body as AsyncIterable<Uint8Array>, (id) => (lastId = id))) {
      messages.push(message);
      if (until(messages)) break;
    }
  } catch (error) {
    if (!abort.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return { messages, lastId };
}

describe('live tail (server-sent events)', () => {
  it('follows from a cursor, then live; id = position; resumes with Last-Event-ID without repeats', async () => {
    const path = `/v1/audit/tail?after=${startPosition}&type=MessageSent`;
    const first = await readTail(path, auditor, (m) => m.length >= 1);
    expect(JSON.parse(first.messages[0].data).data.body).toBe('first secret');
    expect(first.messages[0].id).toBe(JSON.parse(first.messages[0].data).position);

    const bodies = (messages: SseMessage[]) => messages.map((m) => JSON.parse(m.data).data.body);
    // 'live one' is appended only once the resumed stream has sent what the log held: only following the log live can bring it.
    let appended: Promise<unknown> | undefined;
    const { messages } = await readTail(
      path,
      auditor,
      (m) => {
        if (!appended && bodies(m).includes('second secret')) appended = sendText(api, bob, alice, 'live one');
        return bodies(m).includes('live one');
      },
      first.lastId,
    );
    await appended;
    expect(bodies(messages)).toEqual(['second secret', 'live one']);
  });

  it('analytics tokens get the redacted CloudEvents envelope: no bodies, no device names, no audit records', async () => {
    const { messages } = await readTail(`/v1/audit/tail?after=${startPosition}`, analytics, (m) => m.filter((x) => JSON.parse(x.data).type === 'messenger.MessageSent').length >= 2);
    const events = messages.map((m) => JSON.parse(m.data));
    expect(events.every((e) => e.specversion === '1.0')).toBe(true);
    expect(events.find((e) => e.type === 'messenger.MessageSent')).toMatchObject({ subject: conversationId, data: { senderId: alice.userId, seq: 1 } });
    const text = JSON.stringify(events);
    for (const secret of ['first secret', 'second secret', alice.phone, "Alice's phone"]) expect(text).not.toContain(secret);
    expect(events.some((e) => e.type === 'messenger.AuditRead')).toBe(false);
  });
});

describe('the audit log', () => {
  it('records who read what and when; refused requests are not reads', async () => {
    const before = Date.now();
    await api.get(`/v1/audit/conversations/${conversationId}/state?at=2025-06-01T00:00:00Z`, auditor);
    await api.get(`/v1/audit/conversations/${conversationId}/events`, alice.token);
    const list = await eventually(
      () => api.get('/v1/audit/reads?auditor=ann&limit=1000', auditor),
      (r) => r.status === 200 && r.body.reads.some((x: any) => x.query.at === '2025-06-01T00:00:00Z'),
    );
    const read = list.body.reads.find((x: any) => x.query.at === '2025-06-01T00:00:00Z');
    expect(read).toMatchObject({ auditor: 'ann', role: 'auditor', route: 'GET /v1/audit/conversations/:conversationId/state', path: `/v1/audit/conversations/${conversationId}/state` });
    expect(Date.parse(read.at)).toBeGreaterThanOrEqual(before - 1000);
    expect(list.body.reads.some((x: any) => x.route === 'GET /v1/audit/tail')).toBe(true);
    // A listing is recorded before it reads, so it lists itself; the client's refused request recorded nothing.
    expect(list.body.reads.at(-1)).toMatchObject({ route: 'GET /v1/audit/reads', query: { auditor: 'ann', limit: '1000' } });
    const again = await api.get(`/v1/audit/reads?after=${list.body.next}`, auditor);
    expect(again.body.reads.map((x: any) => [x.route, x.query])).toEqual([['GET /v1/audit/reads', { after: list.body.next }]]);
    const all = await api.get('/v1/audit/reads?limit=1000', auditor);
    expect(all.body.reads.every((x: any) => x.auditor === 'ann' || x.auditor === 'dash')).toBe(true);
  });
});

describe('a message deleted for everyone', () => {
  it('shows auditors a tombstone (who deleted it, when) and never its body, in the events and in the state as of before the deletion', async () => {
    const sent = await sendText(api, alice, bob, 'audited then erased');
    const before = new Date(Date.parse(sent.sentAt) + 1).toISOString();
    const deleted = await api.request('DELETE', `/v1/conversations/${sent.conversationId}/messages/${sent.messageId}?for=everyone`, undefined, alice.token);
    expect(deleted.status).toBe(200);
    const events = await api.get(`/v1/audit/conversations/${sent.conversationId}/events`, auditor);
    expect(events.status).toBe(200);
    expect(JSON.stringify(events.body)).not.toContain('audited then erased');
    const about = (events.body.events ?? events.body).filter((e: { data: { messageId?: string } }) => e.data.messageId === sent.messageId);
    expect(about.map((e: { type: string }) => e.type)).toEqual(['MessageSent', 'MessageDeleted']);
    expect(about[0].data).toMatchObject({ body: null, erased: true });
    expect(about[1].data).toMatchObject({ deletedBy: alice.userId, deletedAt: expect.any(String) });
    const state = await api.get(`/v1/audit/conversations/${sent.conversationId}/state?at=${before}`, auditor);
    expect(state.status).toBe(200);
    expect(JSON.stringify(state.body)).not.toContain('audited then erased');
  });
});
