import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoleTokens } from '../../auth/src/role-tokens.js';
import { TokenService } from '../../auth/src/tokens.js';
import type { EventStore } from '../../event-store/src/event-store.port.js';
import { runAdminCommand, UsageError } from '../src/admin-commands.js';
import { AUDITORS_STREAM, AuditorDirectory, decideCreateAuditor, evolveAuditorRegistry, initialAuditorRegistry } from '../src/auditors.js';
import { AUDIT_LOG_STREAM, AuditLog } from '../src/audit-log.js';
import { testEventStore } from '../../../test/support/audit-events.js';
import { ManualClock } from '../../../test/support/manual-clock.js';

const SECRET = 'auditor-test-secret-that-is-long-enough-0123456789';
const now = new Date('2025-03-01T12:00:00Z');

describe('auditor registry (pure)', () => {
  it('records a new auditor and refuses a second one of that name, whatever the role', () => {
    const state = initialAuditorRegistry();
    const events = decideCreateAuditor({ name: 'alice', role: 'auditor', now }, state);
    expect(events).toEqual([{ type: 'AuditorCreated', data: { name: 'alice', role: 'auditor', createdAt: now.toISOString() } }]);
    evolveAuditorRegistry(state, events[0]);
    expect(() => decideCreateAuditor({ name: 'alice', role: 'analytics', now }, state)).toThrow(expect.objectContaining({ code: 'auditor_exists' }));
  });

  it('refuses names that are not plain identifiers', () => {
    for (const name of ['', ' x', 'a/b', 'x'.repeat(65), '-lead']) {
      expect(() => decideCreateAuditor({ name, role: 'auditor', now }, initialAuditorRegistry()), name).toThrow(expect.objectContaining({ code: 'invalid_auditor_name' }));
    }
  });
});

describe('role tokens', () => {
  const roles = new RoleTokens(SECRET);
  const devices = new TokenService(SECRET, '1d');

  it('a role token verifies as its holder and is refused as a device token', async () => {
    const token = await roles.issue({ name: 'alice', role: 'auditor' });
    expect(await roles.verify(token)).toEqual({ name: 'alice', role: 'auditor' });
    await expect(devices.verify(token)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('a device token is valid but has no role (null: the routes answer 403)', async () => {
    const token = await devices.issue({ userId: 'u1', deviceId: 'd1' });
    expect(await roles.verify(token)).toBeNull();
  });

  it('missing, forged, expired or unknown-role tokens are 401', async () => {
    await expect(roles.verify(undefined)).rejects.toMatchObject({ code: 'unauthorized' });
    const forged = await new RoleTokens('another-secret-that-is-long-enough-012345').issue({ name: 'alice', role: 'auditor' });
    await expect(roles.verify(forged)).rejects.toMatchObject({ code: 'unauthorized' });
    const key = new TextEncoder().encode(SECRET);
    const expired = await new SignJWT({ role: 'auditor' }).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setExpirationTime(Math.floor(Date.now() / 1000) - 10).sign(key);
    await expect(roles.verify(expired)).rejects.toMatchObject({ code: 'unauthorized' });
    const superuser = await new SignJWT({ role: 'root' }).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setExpirationTime('1h').sign(key);
    await expect(roles.verify(superuser)).rejects.toMatchObject({ code: 'unauthorized' });
  });
});

describe('auditors and the audit log in the event store', () => {
  let env: Awaited<ReturnType<typeof testEventStore>>;
  let store: EventStore;
  beforeAll(async () => {
    env = await testEventStore();
    store = env.store;
  });
  afterAll(() => env?.close());

  it('admin commands: create-auditor prints a token for that auditor; list-auditors lists; names are unique', async () => {
    const tokens = new RoleTokens(SECRET);
    const token = (await runAdminCommand(['create-auditor', 'carol'], { store, tokens })).trim();
    expect(await tokens.verify(token)).toEqual({ name: 'carol', role: 'auditor' });
    const analytics = (await runAdminCommand(['create-analytics', 'dash', '--ttl', '1h'], { store, tokens })).trim();
    const claims = decodeJwt(analytics);
    expect(claims).toMatchObject({ sub: 'dash', role: 'analytics' });
    expect(claims.exp! - claims.iat!).toBe(3600);
    await expect(runAdminCommand(['create-auditor', 'carol'], { store, tokens })).rejects.toThrow(UsageError);
    const listed = (await runAdminCommand(['list-auditors'], { store, tokens })).trim().split('\n').map((l) => JSON.parse(l));
    expect(listed.map((a) => [a.name, a.role])).toEqual([['carol', 'auditor'], ['dash', 'analytics']]);
    expect((await store.readStream(AUDITORS_STREAM)).map((e) => e.type)).toEqual(['AuditorCreated', 'AuditorCreated']);
    await expect(runAdminCommand(['token', 'nobody'], { store, tokens })).rejects.toThrow(/no auditor/);
    await expect(runAdminCommand(['drop-tables'], { store, tokens })).rejects.toThrow(/unknown command/);
  });

  it('two directories creating the same name at once: exactly one wins', async () => {
    const results = await Promise.allSettled([new AuditorDirectory(store).create('race', 'auditor'), new AuditorDirectory(store).create('race', 'auditor')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await new AuditorDirectory(store).list()).filter((a) => a.name === 'race')).toHaveLength(1);
  });

  it('a directory finds an auditor created elsewhere after it loaded', async () => {
    const directory = new AuditorDirectory(store);
    await directory.list();
    await new AuditorDirectory(store).create('late', 'auditor');
    expect(await directory.find('late')).toMatchObject({ name: 'late', role: 'auditor' });
  });

  it('audit reads are recorded as events and listed with a cursor, by auditor', async () => {
    const log = new AuditLog(store, new ManualClock(now.toISOString()));
    await log.record({ auditor: 'carol', role: 'auditor', route: 'GET /v1/audit/events', path: '/v1/audit/events', query: { type: 'MessageSent' } });
    await log.record({ auditor: 'erin', role: 'auditor', route: 'GET /v1/audit/events', path: '/v1/audit/events', query: {} });
    await log.record({ auditor: 'carol', role: 'auditor', route: 'GET /v1/audit/reads', path: '/v1/audit/reads', query: {} });
    expect((await store.readStream(AUDIT_LOG_STREAM)).map((e) => e.type)).toEqual(['AuditRead', 'AuditRead', 'AuditRead']);
    const first = await log.list({ after: 0n, limit: 2 });
    expect(first.reads.map((r) => r.auditor)).toEqual(['carol', 'erin']);
    expect(first.reads[0]).toMatchObject({ route: 'GET /v1/audit/events', query: { type: 'MessageSent' }, at: now.toISOString() });
    const second = await log.list({ after: BigInt(first.next), limit: 2 });
    expect(second.reads.map((r) => r.route)).toEqual(['GET /v1/audit/reads']);
    const carol = await log.list({ after: 0n, limit: 10, auditor: 'carol' });
    expect(carol.reads).toHaveLength(2);
  });
});
