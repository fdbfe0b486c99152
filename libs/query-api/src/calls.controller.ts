import { Controller, Get, Inject, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthGuard, CurrentPrincipal } from '../../auth/src/auth.guard.js';
import type { Principal } from '../../auth/src/tokens.js';
import { Clock, CLOCK } from '../../domain/src/clock.js';
import { RUNTIME } from '../../platform/src/platform.module.js';
import type { Runtime } from '../../platform/src/runtime.js';
import { CallHistoryQueryDto } from '../../protocol/src/dto/call.dto.js';
import { ApiErrors } from '../../protocol/src/openapi/errors.js';
import { CallHistoryItemResponse, IceConfigurationResponse } from '../../protocol/src/openapi/responses.js';
import { CallsQuery, iceServers, urlList } from '../../queries/src/calls.query.js';
import { ReadYourWrites } from '../../queries/src/read-your-writes.js';

@ApiTags('calls')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('v1/calls')
export class CallsController {
  constructor(
    @Inject(CallsQuery) private readonly calls: CallsQuery,
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Get()
  @UseInterceptors(ReadYourWrites)
  @ApiOperation({ summary: "The caller's call history, newest first" })
  @ApiOkResponse({ type: CallHistoryItemResponse, isArray: true, description: 'calls placed and received' })
  @ApiErrors(400, 401, 503)
  history(@CurrentPrincipal() user: Principal, @Query() page: CallHistoryQueryDto) {
    return this.calls.history(user.userId, page.limit ?? 50, page.before);
  }

  @Get('ice-servers')
  @ApiOperation({ summary: 'STUN and TURN servers for a call, with a short-lived TURN credential' })
  @ApiOkResponse({ type: IceConfigurationResponse, description: 'what to give RTCPeerConnection as iceServers' })
  @ApiErrors(401)
  ice(@CurrentPrincipal() user: Principal) {
    const config = this.runtime.config;
    return iceServers(
      { stunUrls: urlList(config.STUN_URLS), turnUrls: urlList(config.TURN_URLS), turnSecret: config.TURN_SECRET, ttlSeconds: config.TURN_CREDENTIAL_TTL_SECONDS },
      user.userId,
      this.clock.now(),
    );
  }
}
