import { Controller, Get, Inject, Param, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuthGuard, CurrentPrincipal } from '../../../libs/auth/src/auth.guard.js';
import type { Principal } from '../../../libs/auth/src/tokens.js';
import { PeopleQuery } from '../../../libs/queries/src/people.query.js';
import { PresenceQuery } from '../../../libs/queries/src/presence.query.js';
import { ReadYourWrites } from '../../../libs/queries/src/read-your-writes.js';

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
  me(@CurrentPrincipal() user: Principal) {
    return this.people.me(user.userId);
  }

  @Get('me/devices')
  devices(@CurrentPrincipal() user: Principal) {
    return this.people.devices(user.userId, user.deviceId);
  }

  @Get('me/blocked')
  blocked(@CurrentPrincipal() user: Principal) {
    return this.people.blocked(user.userId);
  }

  @Get('contacts')
  contacts(@CurrentPrincipal() user: Principal) {
    return this.people.contacts(user.userId);
  }

  @Get('users/:userId/profile')
  profile(@CurrentPrincipal() user: Principal, @Param('userId') userId: string) {
    return this.people.profile(user.userId, userId);
  }

  @Get('users/:userId/presence')
  presenceOf(@CurrentPrincipal() user: Principal, @Param('userId') userId: string) {
    return this.presence.of(user.userId, userId);
  }
}
