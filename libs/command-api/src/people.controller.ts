import { MediaLibrary } from '../../media/src/media-library.js';
import { Body, Controller, Delete, HttpCode, Inject, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { AuthGuard, CurrentPrincipal } from '../../auth/src/auth.guard.js';
import { DeviceRevocations } from '../../auth/src/device-revocations.js';
import { ProtocolThrottlerGuard } from '../../auth/src/throttling.js';
import type { Principal } from '../../auth/src/tokens.js';
import { PeopleHandler } from '../../commands/src/people.handler.js';
import { invalid } from '../../domain/src/errors.js';
import { ApiErrors } from '../../protocol/src/openapi/errors.js';
import { EmptyResponse, SyncContactsResponse } from '../../protocol/src/openapi/responses.js';
import { PrivacySettingsDto, SyncContactsDto, UpdateProfileDto } from '../../protocol/src/dto/people.dto.js';

const nothingToChange = () => invalid('validation_failed', 'nothing to change', [{ field: '', message: 'give at least one field' }]);

@ApiTags('people')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('v1')
export class PeopleController {
  constructor(
    @Inject(PeopleHandler) private readonly people: PeopleHandler,
    @Inject(DeviceRevocations) private readonly revocations: DeviceRevocations,
    @Inject(MediaLibrary) private readonly media: MediaLibrary,
  ) {}

  @Patch('me/profile')
  @ApiOperation({ summary: "Change the caller's display name, about or photo" })
  @ApiOkResponse({ type: EmptyResponse, description: 'done: an empty object' })
  @ApiErrors(400, 401, 403, 404)
  async updateProfile(@CurrentPrincipal() user: Principal, @Body() body: UpdateProfileDto) {
    if (Object.values(body).every((v) => v === undefined)) throw nothingToChange();
    if (body.avatarMediaId) await this.media.assertUsable(user.userId, body.avatarMediaId, 'image');
    await this.people.updateProfile(user.userId, body);
    return {};
  }

  @Patch('me/privacy')
  @ApiOperation({ summary: "Change the caller's privacy settings" })
  @ApiOkResponse({ type: EmptyResponse, description: 'done: an empty object' })
  @ApiErrors(400, 401)
  async changePrivacy(@CurrentPrincipal() user: Principal, @Body() body: PrivacySettingsDto) {
    if (Object.values(body).every((v) => v === undefined)) throw nothingToChange();
    await this.people.changePrivacy(user.userId, body);
    return {};
  }

  @Post('users/:userId/block')
  @HttpCode(200)
  @ApiOperation({ summary: 'Block a user' })
  @ApiOkResponse({ type: EmptyResponse, description: 'done: an empty object' })
  @ApiErrors(401, 404)
  async block(@CurrentPrincipal() user: Principal, @Param('userId') userId: string) {
    await this.people.block(user.userId, userId);
    return {};
  }

  @Delete('users/:userId/block')
  @ApiOperation({ summary: 'Unblock a user' })
  @ApiOkResponse({ type: EmptyResponse, description: 'done: an empty object' })
  @ApiErrors(401)
  async unblock(@CurrentPrincipal() user: Principal, @Param('userId') userId: string) {
    await this.people.unblock(user.userId, userId);
    return {};
  }

  /** Which of these numbers are registered; the found users become the caller's contacts. */
  @Post('contacts/sync')
  @HttpCode(200)
  @UseGuards(ProtocolThrottlerGuard)
  @SkipThrottle({ auth: true })
  @ApiOperation({ summary: "Find which phone numbers are registered; they become the caller's contacts" })
  @ApiOkResponse({ type: SyncContactsResponse, description: 'the registered numbers among those sent' })
  @ApiErrors(400, 401, 429)
  async syncContacts(@CurrentPrincipal() user: Principal, @Body() body: SyncContactsDto) {
    return { contacts: await this.people.syncContacts(user.userId, body.phones) };
  }

  /** Answers once the device's token is refused by this process (and, through the same notification, by the others). */
  @Delete('me/devices/:deviceId')
  @ApiOperation({ summary: "Log one of the caller's devices out; its token is refused from then on" })
  @ApiOkResponse({ type: EmptyResponse, description: 'done: an empty object' })
  @ApiErrors(401, 404)
  async logOutDevice(@CurrentPrincipal() user: Principal, @Param('deviceId') deviceId: string) {
    await this.people.logOutDevice(user.userId, deviceId);
    await this.revocations.waitUntilRevoked(deviceId);
    return {};
  }
}
