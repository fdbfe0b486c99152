import { Controller, Get, Inject, Param, Query, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthGuard, CurrentPrincipal } from '../../auth/src/auth.guard.js';
import type { Principal } from '../../auth/src/tokens.js';
import { HistoryQueryDto, StarredQueryDto } from '../../protocol/src/dto/history-query.dto.js';
import { ConversationsQuery } from '../../queries/src/conversations.query.js';
import { ApiErrors } from '../../protocol/src/openapi/errors.js';
import { HistoryMessageResponse, InboxItemResponse, StarredMessageResponse } from '../../protocol/src/openapi/responses.js';
import { ReadYourWrites } from '../../queries/src/read-your-writes.js';

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
  @ApiOperation({ summary: 'The inbox: every conversation of the caller, most recent activity first' })
  @ApiOkResponse({ type: InboxItemResponse, isArray: true, description: 'the conversations, most recent activity first' })
  @ApiErrors(401, 503)
  inbox(@CurrentPrincipal() user: Principal) {
    return this.conversations.inbox(user.userId);
  }

  @Get('conversations/:conversationId/messages')
  @ApiOperation({ summary: 'A page of message history in ascending seq (beforeSeq, afterSeq, limit)' })
  @ApiOkResponse({ type: HistoryMessageResponse, isArray: true, description: 'the messages, in ascending seq' })
  @ApiErrors(400, 401, 403, 404, 503)
  history(@CurrentPrincipal() user: Principal, @Param('conversationId') conversationId: string, @Query() page: HistoryQueryDto) {
    return this.conversations.history(user.userId, conversationId, page);
  }

  @Get('starred')
  @ApiOperation({ summary: "The caller's starred messages, most recently starred first (before, limit)" })
  @ApiOkResponse({ type: StarredMessageResponse, isArray: true, description: 'the starred messages, newest star first' })
  @ApiErrors(400, 401, 503)
  starred(@CurrentPrincipal() user: Principal, @Query() page: StarredQueryDto) {
    return this.conversations.starred(user.userId, page);
  }

}
