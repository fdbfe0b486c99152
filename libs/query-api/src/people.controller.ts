import { Controller, Get, Inject, Param, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthGuard, CurrentPrincipal } from '../../auth/src/auth.guard.js';
import type { Principal } from '../../auth/src/tokens.js';
import { PeopleQuery } from '../../queries/src/people.query.js';
import { PresenceQuery } from '../../queries/src/presence.query.js';
import { ApiErrors } from '../../protocol/src/openapi/errors.js';
import { ContactResponse, DeviceResponse, MeResponse, PresenceResponse, ProfileResponse } from '../../protocol/src/openapi/responses.js';
import { ReadYourWrites } from '../../queries/src/read-your-writes.js';

@ApiTags('people')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@UseInterceptors(ReadYourWrites)
@Controller('v1')
export class PeopleController {
  constructor(
    @Inject(PeopleQuery) private readonly people: PeopleQuery,
    @Inject(PresenceQuery) private readonly presence: PresenceQuery,
  ) {}

  /** The caller's own profile, phone and privacy settings. */
  @Get('me')
  @ApiOperation({ summary: "The caller's own profile, phone and privacy settings" })
  @ApiOkResponse({ type: MeResponse, description: "the caller's profile, phone and privacy settings" })
  @ApiErrors(401, 404, 503)
  me(@CurrentPrincipal() user: Principal) {
    return this.people.me(user.userId);
  }

  @Get('me/devices')
  @ApiOperation({ summary: "The caller's logged-in devices" })
  @ApiOkResponse({ type: DeviceResponse, isArray: true, description: 'the devices that are logged in' })
  @ApiErrors(401, 503)
  devices(@CurrentPrincipal() user: Principal) {
    return this.people.devices(user.userId, user.deviceId);
  }

  @Get('me/blocked')
  @ApiOperation({ summary: 'The ids of the users the caller blocked' })
  @ApiOkResponse({ type: String, isArray: true, description: "the blocked users' ids" })
  @ApiErrors(401, 503)
  blocked(@CurrentPrincipal() user: Principal) {
    return this.people.blocked(user.userId);
  }

  @Get('contacts')
  @ApiOperation({ summary: "The caller's contacts" })
  @ApiOkResponse({ type: ContactResponse, isArray: true, description: 'the contacts' })
  @ApiErrors(401, 503)
  contacts(@CurrentPrincipal() user: Principal) {
    return this.people.contacts(user.userId);
  }

  @Get('users/:userId/profile')
  @ApiOperation({ summary: "A user's profile as their privacy settings let the caller see it" })
  @ApiOkResponse({ type: ProfileResponse, description: 'the profile' })
  @ApiErrors(401, 404, 503)
  profile(@CurrentPrincipal() user: Principal, @Param('userId') userId: string) {
    return this.people.profile(user.userId, userId);
  }

  @Get('users/:userId/presence')
  @ApiOperation({ summary: "A user's online state and last seen as their privacy settings let the caller see them" })
  @ApiOkResponse({ type: PresenceResponse, description: 'online and last seen' })
  @ApiErrors(401, 404, 503)
  presenceOf(@CurrentPrincipal() user: Principal, @Param('userId') userId: string) {
    return this.presence.of(user.userId, userId);
  }
}
