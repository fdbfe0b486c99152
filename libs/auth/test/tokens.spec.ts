import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { RoleTokens } from '../src/role-tokens.js';
import { AuthenticationError, bearerToken, TokenService } from '../src/tokens.js';

const SECRET = 'a-test-secret-of-some-length';
const principal = { userId: 'alice', deviceId: 'dev_1' };

describe('device tokens', () => {
  it('verify gives back the user and device a token was issued for', async () => {
    const tokens = new TokenService(SECRET, '1h');
    expect(await tokens.verify(await tokens.issue(principal))).toEqual(principal);
  });

  it('refuses a missing token, a token signed with another secret, and a tampered one', async () => {
    const tokens = new TokenService(SECRET, '1h');
    const token = await tokens.issue(principal);
    await expect(tokens.verify(undefined)).rejects.toMatchObject({ code: 'unauthorized', message: 'missing token' });
    await expect(tokens.verify(await new TokenService('another-secret', '1h').issue(principal))).rejects.toBeInstanceOf(AuthenticationError);
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'mallory', did: 'dev_1' })).toString('base64url');
    await expect(tokens.verify(`${header}.${forged}.${signature}`)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('tells an expired token apart', async () => {
    const expired = await new SignJWT({ did: 'dev_1' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(SECRET));
    await expect(new TokenService(SECRET, '1h').verify(expired)).rejects.toMatchObject({ code: 'token_expired' });
  });

  it('refuses the token of a revoked device, and only that device', async () => {
    const tokens = new TokenService(SECRET, '1h', { isRevoked: (deviceId) => deviceId === 'dev_1' });
    await expect(tokens.verify(await tokens.issue(principal))).rejects.toMatchObject({ message: 'this device was logged out' });
    expect(await tokens.verify(await tokens.issue({ userId: 'alice', deviceId: 'dev_2' }))).toEqual({ userId: 'alice', deviceId: 'dev_2' });
  });

  it('refuses a role token, which names no device', async () => {
    const roleToken = await new RoleTokens(SECRET).issue({ name: 'ops', role: 'auditor' });
    await expect(new TokenService(SECRET, '1h').verify(roleToken)).rejects.toBeInstanceOf(AuthenticationError);
  });
});

describe('role tokens', () => {
  const roles = new RoleTokens(SECRET);

  it('verify gives back the role holder; a device token has no role (null)', async () => {
    expect(await roles.verify(await roles.issue({ name: 'ops', role: 'analytics' }))).toEqual({ name: 'ops', role: 'analytics' });
    expect(await roles.verify(await new TokenService(SECRET, '1h').issue(principal))).toBeNull();
  });

  it('refuses an unknown role and a token signed elsewhere', async () => {
    const key = new TextEncoder().encode(SECRET);
    const unknownRole = await new SignJWT({ role: 'root' }).setProtectedHeader({ alg: 'HS256' }).setSubject('ops').sign(key);
    await expect(roles.verify(unknownRole)).rejects.toBeInstanceOf(AuthenticationError);
    await expect(roles.verify(await new RoleTokens('elsewhere').issue({ name: 'ops', role: 'auditor' }))).rejects.toBeInstanceOf(AuthenticationError);
  });
});

describe('bearerToken', () => {
  it('takes the token of a Bearer header, whatever the case of the scheme, and nothing else', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer   abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
