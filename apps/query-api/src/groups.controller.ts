import { Controller, Get, Inject, Param, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuthGuard, CurrentPrincipal } from '../../../libs/auth/src/auth.guard.js';
import type { Principal } from '../../../libs/auth/src/tokens.js';
import { GroupsQuery } from '../../../libs/queries/src/groups.query.js';
import { ReceiptsQuery } from '../../../libs/queries/src/receipts.query.js';
import { ReadYourWrites } from '../../../libs/queries/src/read-your-writes.js';

@ApiTags('groups')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@UseInterceptors(ReadYourWrites)
@Controller('v1')
export class GroupsController {
  constructor(
    @Inject(GroupsQuery) private readonly groups: GroupsQuery,
    @Inject(ReceiptsQuery) private readonly receipts: ReceiptsQuery,
  ) {}

  @Get('groups/:groupId')
  group(@CurrentPrincipal() user: Principal, @Param('groupId') groupId: string) {
    return this.groups.group(user.userId, groupId);
  }

  @Get('messages/:messageId/receipts')
  messageReceipts(@CurrentPrincipal() user: Principal, @Param('messageId') messageId: string) {
    return this.receipts.ofMessage(user.userId, messageId);
  }
}
