import { jwtVerify, SignJWT } from 'jose';
import { AuthenticationError } from './tokens.js';

/**
 * Operator-issued roles. `auditor`: every /v1/audit route. `analytics`: only the live tail,
 * and only as redacted CloudEvents (docs/audit.md, docs/analytics.md).
 */
export const ROLES = ['auditor', 'analytics'] as const;
export type Role = (typeof ROLES)[number];

export interface RolePrincipal {
  name: string;
  role: Role;
}

const isRole = (value: unknown): value is Role => typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/**
 * Role tokens: HS256 JWTs signed with the same secret as device tokens, with a `role` claim
 * and the role holder's name as subject. They carry no device (`did`), so the client routes
 * refuse them (401); client tokens carry no role, so the audit routes refuse those (403).
 */
export class RoleTokens {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  issue(principal: RolePrincipal, ttl = '90d'): Promise<string> {
    return new SignJWT({ role: principal.role })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(principal.name)
      .setIssuedAt()
      .setExpirationTime(ttl)
      .sign(this.key);
  }

  /**
   * The role holder, or `null` for a valid token without a role (a client's device token).
   * Throws AuthenticationError (401) for a missing, forged or expired token.
   */
  async verify(token: string | undefined): Promise<RolePrincipal | null> {
    if (!token) throw new AuthenticationError('missing token');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] }));
    } catch {
      throw new AuthenticationError();
    }
    if (payload.role === undefined) return null;
    if (!isRole(payload.role) || typeof payload.sub !== 'string') throw new AuthenticationError();
    return { name: payload.sub, role: payload.role };
  }
}
