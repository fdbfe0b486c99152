import { Controller, Get, Inject, Param, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthGuard, CurrentPrincipal } from '../../auth/src/auth.guard.js';
import type { Principal } from '../../auth/src/tokens.js';
import { GroupsQuery } from '../../queries/src/groups.query.js';
import { ReceiptsQuery } from '../../queries/src/receipts.query.js';
import { ApiErrors } from '../../protocol/src/openapi/errors.js';
import { GroupResponse, MessageReceiptsResponse } from '../../protocol/src/openapi/responses.js';
import { ReadYourWrites } from '../../queries/src/read-your-writes.js';

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
  @ApiOperation({ summary: 'A group with its members (members only)' })
  @ApiOkResponse({ type: GroupResponse, description: 'the group' })
  @ApiErrors(401, 403, 404, 503)
  group(@CurrentPrincipal() user: Principal, @Param('groupId') groupId: string) {
    return this.groups.group(user.userId, groupId);
  }

  @Get('messages/:messageId/receipts')
  @ApiOperation({ summary: 'Who has a message and who has read it (the sender and members only)' })
  @ApiOkResponse({ type: MessageReceiptsResponse, description: 'who has the message and who has read it' })
  @ApiErrors(401, 403, 404, 503)
  messageReceipts(@CurrentPrincipal() user: Principal, @Param('messageId') messageId: string) {
    return this.receipts.ofMessage(user.userId, messageId);
  }
}
