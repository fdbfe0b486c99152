import { Controller, Get, Inject, Param, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuthGuard, CurrentPrincipal } from '../../../libs/auth/src/auth.guard.js';
import type { Principal } from '../../../libs/auth/src/tokens.js';
import { HistoryQueryDto } from '../../../libs/protocol/src/dto/history-query.dto.js';
import { ConversationsQuery } from '../../../libs/queries/src/conversations.query.js';
import { ReadYourWrites } from '../../../libs/queries/src/read-your-writes.js';

@ApiTags('reading')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@UseInterceptors(ReadYourWrites)
@Controller('v1')
export class ConversationsController {
  constructor(
    @Inject(ConversationsQuery) private readonly conversations: ConversationsQuery,
  ) {}

  @Get('conversations')
  inbox(@CurrentPrincipal() user: Principal) {
    return this.conversations.inbox(user.userId);
  }

  @Get('conversations/:conversationId/messages')
  history(@CurrentPrincipal() user: Principal, @Param('conversationId') conversationId: string, @Query() page: HistoryQueryDto) {
    return this.conversations.history(user.userId, conversationId, page);
  }

}
