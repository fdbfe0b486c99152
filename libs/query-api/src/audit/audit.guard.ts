import { CallHandler, CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { from, Observable, switchMap } from 'rxjs';
import { AuditLog } from '../../../audit/src/audit-log.js';
import { AuditorDirectory } from '../../../audit/src/auditors.js';
import { Role, RolePrincipal, RoleTokens } from '../../../auth/src/role-tokens.js';
import { AuthenticationError, bearerToken } from '../../../auth/src/tokens.js';
import { forbidden } from '../../../domain/src/errors.js';
import { assertAcceptableInput } from '../../../protocol/src/input-guard.js';

type AuditRequest = Request & { auditor?: RolePrincipal };

const ROLES_KEY = 'audit:roles';
/** Which roles may use a route; auditors only unless said otherwise. */
export const AllowRoles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/**
 * 401 without a valid token; 403 for a valid token without the route's role (every client
 * device token); 401 for a role token whose holder the registry does not know.
 */
@Injectable()
export class AuditGuard implements CanActivate {
  constructor(
    @Inject(RoleTokens) private readonly tokens: RoleTokens,
    @Inject(AuditorDirectory) private readonly directory: AuditorDirectory,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuditRequest>();
    const principal = await this.tokens.verify(bearerToken(request.headers.authorization));
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]) ?? ['auditor'];
    if (principal === null) throw forbidden('not_an_auditor', 'audit routes need an auditor token (npm run admin -- create-auditor NAME)');
    const registered = await this.directory.find(principal.name);
    if (!registered || registered.role !== principal.role) throw new AuthenticationError('unknown auditor');
    if (!allowed.includes(principal.role)) throw forbidden('role_not_allowed', `this route is not open to the ${principal.role} role`);
    request.auditor = principal;
    return true;
  }
}

export const CurrentAuditor = createParamDecorator(
  (_: unknown, context: ExecutionContext): RolePrincipal => context.switchToHttp().getRequest<AuditRequest>().auditor!,
);

/**
 * Records every audit read in the audit log before the route runs: a read that could not be
 * recorded is not served. Requests refused by the guard (401/403) are not reads and are not
 * recorded; requests refused by validation (400) are recorded as attempts.
 */
@Injectable()
export class AuditReadInterceptor implements NestInterceptor {
  constructor(@Inject(AuditLog) private readonly log: AuditLog) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<AuditRequest>();
    // What the database cannot store cannot be recorded either: refused before anything else.
    assertAcceptableInput(request.params);
    assertAcceptableInput(request.query);
    const auditor = request.auditor!;
    const template = (request.route as { path?: string } | undefined)?.path ?? request.path;
    return from(
      this.log.record({
        auditor: auditor.name,
        role: auditor.role,
        route: `${request.method} ${template}`,
        path: request.path,
        query: { ...(request.query as Record<string, unknown>) },
      }),
    ).pipe(switchMap(() => next.handle()));
  }
}
