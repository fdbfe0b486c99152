import { Body, Controller, Delete, HttpCode, Inject, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { AuthGuard, CurrentPrincipal } from '../../../libs/auth/src/auth.guard.js';
import { DeviceRevocations } from '../../../libs/auth/src/device-revocations.js';
import { ProtocolThrottlerGuard } from '../../../libs/auth/src/throttling.js';
import type { Principal } from '../../../libs/auth/src/tokens.js';
import { PeopleHandler } from '../../../libs/commands/src/people.handler.js';
import { invalid } from '../../../libs/domain/src/errors.js';
import { PrivacySettingsDto, SyncContactsDto, UpdateProfileDto } from '../../../libs/protocol/src/dto/people.dto.js';

const nothingToChange = () => invalid('validation_failed', 'nothing to change', [{ field: '', message: 'give at least one field' }]);

@ApiTags('people')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('v1')
export class PeopleController {
  constructor(
    @Inject(PeopleHandler) private readonly people: PeopleHandler,
    @Inject(DeviceRevocations) private readonly revocations: DeviceRevocations,
  ) {}

  @Patch('me/profile')
  async updateProfile(@CurrentPrincipal() user: Principal, @Body() body: UpdateProfileDto) {
    if (Object.values(body).every((v) => v === undefined)) throw nothingToChange();
    await this.people.updateProfile(user.userId, body);
    return {};
  }

  @Patch('me/privacy')
  async changePrivacy(@CurrentPrincipal() user: Principal, @Body() body: PrivacySettingsDto) {
    if (Object.values(body).every((v) => v === undefined)) throw nothingToChange();
    await this.people.changePrivacy(user.userId, body);
    return {};
  }

  @Post('users/:userId/block')
  @HttpCode(200)
  async block(@CurrentPrincipal() user: Principal, @Param('userId') userId: string) {
    await this.people.block(user.userId, userId);
    return {};
  }

  @Delete('users/:userId/block')
  async unblock(@CurrentPrincipal() user: Principal, @Param('userId') userId: string) {
    await this.people.unblock(user.userId, userId);
    return {};
  }

  /** Which of these numbers are registered; the found users become the caller's contacts. */
  @Post('contacts/sync')
  @HttpCode(200)
  @UseGuards(ProtocolThrottlerGuard)
  @SkipThrottle({ auth: true })
  async syncContacts(@CurrentPrincipal() user: Principal, @Body() body: SyncContactsDto) {
    return { contacts: await this.people.syncContacts(user.userId, body.phones) };
  }

  /** Answers once the device's token is refused by this process (and, through the same notification, by the others). */
  @Delete('me/devices/:deviceId')
  async logOutDevice(@CurrentPrincipal() user: Principal, @Param('deviceId') deviceId: string) {
    await this.people.logOutDevice(user.userId, deviceId);
    await this.revocations.waitUntilRevoked(deviceId);
    return {};
  }
}
