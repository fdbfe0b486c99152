import { Body, Controller, HttpCode, Inject, Post, UseGuards } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { ProtocolThrottlerGuard } from '../../auth/src/throttling.js';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { LogInHandler } from '../../commands/src/log-in.handler.js';
import { RequestCodeDto, VerifyCodeDto } from '../../protocol/src/dto/auth.dto.js';
import { ApiErrors } from '../../protocol/src/openapi/errors.js';
import { LoggedInResponse, RequestCodeResponse } from '../../protocol/src/openapi/responses.js';
import { CODE_DELIVERY, CodeDelivery } from '../../auth/src/code-delivery.js';

@ApiTags('accounts')
@UseGuards(ProtocolThrottlerGuard)
@SkipThrottle({ contacts: true })
@Controller('v1/auth')
export class AuthController {
  constructor(
    @Inject(LogInHandler) private readonly logIn: LogInHandler,
    @Inject(CODE_DELIVERY) private readonly delivery: CodeDelivery,
  ) {}

  @Post('request-code')
  @HttpCode(202)
  @ApiOperation({ summary: 'Request a one-time login code for a phone number (sent by SMS; returned as devCode in development)' })
  @ApiAcceptedResponse({ type: RequestCodeResponse, description: 'the code is on its way (devCode only in development mode)' })
  @ApiErrors(400, 429, 503)
  async requestCode(@Body() body: RequestCodeDto) {
    return this.delivery.deliver(body.phone, await this.logIn.requestCode(body.phone));
  }

  @Post('verify')
  @HttpCode(200)
  @ApiOperation({ summary: 'Verify the code: registers a new phone or logs a new device in; answers its token' })
  @ApiOkResponse({ type: LoggedInResponse, description: 'the user, the new device and its token' })
  @ApiErrors(400, 401, 429)
  verify(@Body() body: VerifyCodeDto) {
    return this.logIn.verify(body.phone, body.code, body.deviceName);
  }
}
