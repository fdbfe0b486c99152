import { CanActivate, createParamDecorator, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { bearerToken, Principal, TokenService } from './tokens.js';

type AuthenticatedRequest = Request & { principal?: Principal };

/** Requires `Authorization: Bearer <token>`; 401 in the protocol's shape otherwise. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(@Inject(TokenService) private readonly tokens: TokenService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    request.principal = await this.tokens.verify(bearerToken(request.headers.authorization));
    return true;
  }
}

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest<AuthenticatedRequest>().principal!,
);
