import { jwtVerify, SignJWT } from 'jose';
import { DomainError } from '../../domain/src/errors.js';

export interface Principal {
  userId: string;
  deviceId: string;
}

export class AuthenticationError extends DomainError {
  constructor(message = 'missing or invalid token', code = 'unauthorized') {
    super('unauthenticated', code, message);
  }
}

/** Device tokens: HS256 JWTs (jose) whose subject is the user and `did` the device. */
export class TokenService {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly ttl: string,
    private readonly revocations?: { isRevoked(deviceId: string): boolean },
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  issue(principal: Principal): Promise<string> {
    return new SignJWT({ did: principal.deviceId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(principal.userId)
      .setIssuedAt()
      .setExpirationTime(this.ttl)
      .sign(this.key);
  }

  async verify(token: string | undefined): Promise<Principal> {
    if (!token) throw new AuthenticationError('missing token');
    let principal: Principal;
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || typeof payload.did !== 'string') throw new AuthenticationError();
      principal = { userId: payload.sub, deviceId: payload.did };
    } catch (error) {
      // An expired token is told apart, so a client knows to log in again rather than suspect a bug.
      if ((error as { code?: string }).code === 'ERR_JWT_EXPIRED') throw new AuthenticationError('the token has expired; log in again', 'token_expired');
      throw new AuthenticationError();
    }
    if (this.revocations?.isRevoked(principal.deviceId)) throw new AuthenticationError('this device was logged out');
    return principal;
  }
}

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1];
}
