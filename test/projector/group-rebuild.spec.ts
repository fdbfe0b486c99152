import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Projector } from '../../libs/projections/src/projector.js';
import { createReadModelDataSource } from '../../libs/read-models/src/data-source.js';
import { Api, registerUser, sendText, TestUser } from '../support/client.js';
import { REBUILT_TABLES } from '../../libs/read-models/src/tables.js';
import { openTestEventStore } from '../support/event-store.js';
import { snapshotReadModels } from '../support/read-models.js';
import { startTestSystem, TestSystem } from '../support/system.js';
import { uploadedPhoto } from '../support/media.js';

/**
 * A group's history (create, add, remove, rejoin, promote, leave, messages, receipts) written
 * through the HTTP API and projected live, batch by batch as it happened, must give the same
 * read models as replaying the whole log at once.
 */

type Snapshot = Record<string, unknown[]>;

/** A body that is deleted for everyone in the history below. */
const ERASED = 'erased-for-good';

async function rebuild(databaseUrl: string, batchSize?: number): Promise<void> {
  const db = createReadModelDataSource(databaseUrl, 5);
  await db.initialize();
  await db.runMigrations();
  const { store, close } = await openTestEventStore(databaseUrl, 3);
  try {
    await new Projector(db, store).rebuild(batchSize);
  } finally {
    await close();
    await db.destroy();
  }
}

/** Names the tables whose rows differ, so a failure says where before the full diff. */
function differingTables(a: Snapshot, b: Snapshot): string[] {
  return REBUILT_TABLES.filter((table) => JSON.stringify(a[table]) !== JSON.stringify(b[table]));
}

/** Primary keys of the read-model tables, to pair a live row with its rebuilt counterpart. */
const KEYS: Record<string, string[]> = {
  users: ['user_id'], devices: ['device_id'], groups: ['group_id'], group_members: ['group_id', 'user_id'],
  group_memberships: ['group_id', 'user_id', 'from_seq'], conversation_members: ['user_id', 'conversation_id'],
  messages: ['conversation_id', 'seq'], receipt_history: ['conversation_id', 'user_id', 'kind', 'up_to_seq'],
  feed_events: ['position'], feed_items: ['user_id', 'position'], presence: ['user_id'], projection_checkpoints: ['projection'],
  message_reactions: ['message_id', 'user_id'], starred_messages: ['user_id', 'message_id'],
};

/** For each row that differs: its key, and the differing columns as projected live and as rebuilt. */
function rowDiff(a: Snapshot, b: Snapshot, table: string) {
  type Row = Record<string, unknown>;
  const keyOf = (row: Row) => JSON.stringify((KEYS[table] ?? Object.keys(row)).map((k) => row[k]));
  const liveRows = new Map((a[table] as Row[]).map((r) => [keyOf(r), r]));
  const rebuiltRows = new Map((b[table] as Row[]).map((r) => [keyOf(r), r]));
  const rows: unknown[] = [];
  for (const key of new Set([...liveRows.keys(), ...rebuiltRows.keys()])) {
    const live = liveRows.get(key);
    const rebuilt = rebuiltRows.get(key);
    if (!live || !rebuilt) {
      rows.push({ key, live: live ?? null, rebuilt: rebuilt ?? null });
      continue;
    }
    const differs = Object.keys(live).filter((k) => JSON.stringify(live[k]) !== JSON.stringify(rebuilt[k]));
    if (differs.length > 0) {
      rows.push({ key, live: Object.fromEntries(differs.map((k) => [k, live[k]])), rebuilt: Object.fromEntries(differs.map((k) => [k, rebuilt[k]])) });
    }
  }
  return { rows };
}

describe('group read models: live projection equals a rebuild', () => {
  let system: TestSystem | undefined;
  let databaseUrl: string;
  let live: Snapshot;
  let head: bigint;

  beforeAll(async () => {
    system = await startTestSystem();
    databaseUrl = system.databaseUrl;
    const api = new Api(system.baseUrl);
    const [alice, bob, carol, dave, erin] = await Promise.all(Array.from({ length: 5 }, () => registerUser(api)));

    const call = async (method: string, path: string, user: TestUser, body?: unknown, expected = 200) => {
      const result = await api.request(method, path, body, user.token);
      if (result.status !== expected) throw new Error(`${method} ${path} answered ${result.status}: ${JSON.stringify(result.body)}`);
      return result.body;
    };
    let counter = 0;
    const send = (user: TestUser, groupId: string, body: string) =>
      call('POST', '/v1/messages', user, { clientMsgId: `rebuild-${counter++}`, to: { groupId }, kind: 'text', body }, 201);
    const ack = (user: TestUser, groupId: string, kind: 'delivered' | 'read', upToSeq: number) =>
      call('POST', `/v1/conversations/${groupId}/receipts`, user, { kind, upToSeq }, 202);

    // Group 1: the whole life of a group.
    const { groupId: g1 } = await call('POST', '/v1/groups', alice, { name: 'Rebuild', members: [bob.userId, carol.userId] }, 201);
    await send(alice, g1, 'one');
    await send(bob, g1, 'two');
    await ack(bob, g1, 'delivered', 2);
    await ack(carol, g1, 'read', 1);
    await call('POST', `/v1/groups/${g1}/members`, alice, { userIds: [dave.userId] });
    await send(carol, g1, 'three');
    await call('DELETE', `/v1/groups/${g1}/members/${bob.userId}`, alice);
    await send(dave, g1, 'four');
    await ack(bob, g1, 'read', 4); // capped at his removal (seq 3)
    await ack(dave, g1, 'delivered', 4);
    await call('POST', `/v1/groups/${g1}/members`, alice, { userIds: [bob.userId] }); // rejoin
    await send(alice, g1, 'five');
    await call('POST', `/v1/groups/${g1}/admins/${carol.userId}`, alice);
    const icon = await uploadedPhoto(system.baseUrl, carol.token);
    await call('PATCH', `/v1/groups/${g1}`, carol, { name: 'Rebuilt', description: 'after the rebuild', iconMediaId: icon });
    await call('POST', `/v1/groups/${g1}/leave`, alice); // carol is admin: no promotion
    await send(bob, g1, 'six');
    await ack(carol, g1, 'read', 6);
    await ack(dave, g1, 'read', 6);
    await call('POST', `/v1/groups/${g1}/admins/${dave.userId}`, carol);
    await call('DELETE', `/v1/groups/${g1}/admins/${dave.userId}`, carol);
    await call('POST', `/v1/groups/${g1}/leave`, carol); // last admin: dave (longest-standing) is promoted
    await send(dave, g1, 'seven');
    await ack(bob, g1, 'delivered', 7);

    // Group 2: changes and messages in quick succession, some at once.
    const { groupId: g2 } = await call('POST', '/v1/groups', erin, { name: 'Burst', members: [alice.userId, bob.userId] }, 201);
    await Promise.all([send(erin, g2, 'b1'), send(alice, g2, 'b2'), send(bob, g2, 'b3')]);
    await call('POST', `/v1/groups/${g2}/members`, erin, { userIds: [carol.userId] });
    await Promise.all([send(carol, g2, 'b4'), ack(alice, g2, 'read', 3), call('DELETE', `/v1/groups/${g2}/members/${bob.userId}`, erin)]);
    await Promise.all([send(erin, g2, 'b5'), ack(carol, g2, 'delivered', 5)]);

    // Reactions and stars, replaced, removed and undone, some at once; a reply; a reacted, starred message deleted.
    const onMessage = (messageId: string, what: 'reaction' | 'star') => `/v1/conversations/${g2}/messages/${messageId}/${what}`;
    const kept = await send(erin, g2, 'react to me');
    const gone = await send(alice, g2, 'to be deleted');
    await call('PUT', onMessage(kept.messageId, 'reaction'), alice, { emoji: '👍' });
    await Promise.all([
      call('PUT', onMessage(kept.messageId, 'reaction'), alice, { emoji: '❤️' }),
      call('PUT', onMessage(kept.messageId, 'reaction'), erin, { emoji: '😂' }),
      call('PUT', onMessage(kept.messageId, 'star'), alice),
      call('PUT', onMessage(kept.messageId, 'star'), erin),
      call('PUT', onMessage(gone.messageId, 'reaction'), carol, { emoji: '🎉' }),
      call('PUT', onMessage(gone.messageId, 'star'), carol),
    ]);
    await call('DELETE', onMessage(kept.messageId, 'reaction'), erin);
    await call('DELETE', onMessage(kept.messageId, 'star'), erin);
    await call('POST', '/v1/messages', carol, { clientMsgId: `rebuild-${counter++}`, to: { groupId: g2 }, kind: 'text', body: 'reply', replyTo: kept.messageId }, 201);
    await call('DELETE', `/v1/conversations/${g2}/messages/${gone.messageId}?for=everyone`, alice);

    // A direct chat alongside.
    const direct = await sendText(api, alice, erin, 'direct');
    await ack(erin, direct.conversationId, 'read', 1);

    // Edits and deletions: the rebuild must give the same tombstones and never bring a body back.
    const lifecycle = (user: TestUser, conversationId: string, messageId: string, method: 'PATCH' | 'DELETE', query = '', body?: unknown) =>
      call(method, `/v1/conversations/${conversationId}/messages/${messageId}${query}`, user, body);
    const secret = await sendText(api, erin, alice, `${ERASED} first`);
    await lifecycle(erin, secret.conversationId, secret.messageId, 'PATCH', '', { body: `${ERASED} edited` });
    await lifecycle(erin, secret.conversationId, secret.messageId, 'DELETE', '?for=everyone');
    const edited = await sendText(api, alice, erin, 'draft');
    await lifecycle(alice, edited.conversationId, edited.messageId, 'PATCH', '', { body: 'final' });
    await lifecycle(erin, edited.conversationId, edited.messageId, 'DELETE', '?for=me');
    const [{ messageId: b1 }] = (await api.get(`/v1/conversations/${g2}/messages`, erin.token)).body;
    await lifecycle(erin, g2, b1, 'DELETE', '?for=everyone');

    // Wait until every projection has caught up with the head of the log.
    head = await system.runtime.eventStore.headPosition();
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const { rows } = await client.query('SELECT position FROM projection_checkpoints');
        const positions = rows.map((r) => BigInt(r.position));
        if (positions.length > 0 && positions.every((p) => p === head)) break;
        if (Date.now() > deadline) throw new Error(`projector did not reach ${head}: ${positions.join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    } finally {
      await client.end();
    }
    expect(await system.runtime.eventStore.headPosition()).toBe(head);
    live = await snapshotReadModels(databaseUrl);
    await system.close();
    system = undefined;
  }, 60_000);

  afterAll(async () => {
    await system?.close();
  });

  it('wrote the history it meant to', () => {
    expect(live.groups).toHaveLength(2);
    expect(live.messages).toHaveLength(7 + 5 + 3 + 1 + 2);
    // alice's ❤️ and star stay; erin's were undone; carol's went with the deleted message.
    expect((live.message_reactions as { emoji: string }[]).map((r) => r.emoji)).toEqual(['❤️']);
    expect(live.starred_messages).toHaveLength(1);
    // g1: alice, bob (twice: removed and back), carol, dave; g2: erin, alice, bob, carol.
    expect(live.group_memberships).toHaveLength(5 + 4);
    expect(live.receipt_history.length).toBeGreaterThan(10);
    expect((live.feed_events as { frame: string }[]).filter((e) => JSON.parse(e.frame).type === 'group').length).toBe(11 + 3);
  });

  it('rebuilding the read models from the log gives identical rows', async () => {
    await rebuild(databaseUrl);
    const rebuilt = await snapshotReadModels(databaseUrl);
    expect(JSON.stringify(rebuilt)).not.toContain(ERASED);
    const differing = differingTables(live, rebuilt);
    expect(
      differing.map((table) => ({ table, ...rowDiff(live, rebuilt, table) })),
      'tables whose rows differ between the live projection and the rebuild',
    ).toEqual([]);
    expect(rebuilt).toEqual(live);
  }, 60_000);

  it('brought no erased body back: no row of any read model holds it', () => {
    expect(JSON.stringify(live)).not.toContain(ERASED);
    expect((live.messages as { erased: boolean }[]).filter((m) => m.erased)).toHaveLength(3);
  });

  it('rebuilding one event per batch gives identical rows too', async () => {
    await rebuild(databaseUrl, 1);
    const rebuilt = await snapshotReadModels(databaseUrl);
    expect(differingTables(live, rebuilt).map((table) => ({ table, ...rowDiff(live, rebuilt, table) }))).toEqual([]);
    expect(rebuilt).toEqual(live);
  }, 60_000);
});
