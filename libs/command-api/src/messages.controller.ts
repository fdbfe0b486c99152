import { Body, Controller, Delete, HttpCode, Inject, Param, Patch, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthGuard, CurrentPrincipal } from '../../auth/src/auth.guard.js';
import type { Principal } from '../../auth/src/tokens.js';
import { AcknowledgeReceiptHandler } from '../../commands/src/acknowledge-receipt.handler.js';
import { MessageLifecycleHandler } from '../../commands/src/message-lifecycle.handler.js';
import { DisappearingHandler } from '../../commands/src/disappearing.handler.js';
import { SendMessageHandler } from '../../commands/src/send-message.handler.js';
import { DeleteMessageQueryDto, DisappearingTimerDto, EditMessageDto } from '../../protocol/src/dto/message-lifecycle.dto.js';
import { ReactionDto } from '../../protocol/src/dto/reaction.dto.js';
import { ReceiptDto } from '../../protocol/src/dto/receipt.dto.js';
import { ApiErrors } from '../../protocol/src/openapi/errors.js';
import {
  DeletedMessageResponse,
  DisappearingTimerResponse,
  EditedMessageResponse,
  EmptyResponse,
  ForwardedMessagesResponse,
  ReactionResponse,
  SentMessageResponse,
  StarResponse,
} from '../../protocol/src/openapi/responses.js';
import { ForwardMessageDto } from '../../protocol/src/dto/forward-message.dto.js';
import { SendMessageDto } from '../../protocol/src/dto/send-message.dto.js';

@ApiTags('messages')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('v1')
export class MessagesController {
  constructor(
    @Inject(SendMessageHandler) private readonly sendMessage: SendMessageHandler,
    @Inject(AcknowledgeReceiptHandler) private readonly receipts: AcknowledgeReceiptHandler,
    @Inject(MessageLifecycleHandler) private readonly lifecycle: MessageLifecycleHandler,
    @Inject(DisappearingHandler) private readonly disappearing: DisappearingHandler,
  ) {}

  /** 201 once MessageSent is durably appended; 200 with the same body for a repeated clientMsgId. */
  @Post('messages')
  @ApiOperation({ summary: 'Send a message to a user or a group (idempotent per clientMsgId)' })
  @ApiCreatedResponse({ type: SentMessageResponse, description: 'MessageSent is durably appended' })
  @ApiOkResponse({ type: SentMessageResponse, description: 'a repeated clientMsgId: the same body, nothing appended' })
  @ApiErrors(400, 401, 403, 404, 409, 413)
  async send(@CurrentPrincipal() sender: Principal, @Body() body: SendMessageDto, @Res({ passthrough: true }) response: Response) {
    const { duplicate, ...sent } = await this.sendMessage.send(sender, body);
    response.status(duplicate ? 200 : 201);
    return sent;
  }

  /** 201 once every copy is durably appended; 200 when a repeated clientMsgId made none. */
  @Post('conversations/:conversationId/messages/:messageId/forward')
  @ApiOperation({ summary: 'Forward a message you can see to up to 5 chats (one chat for a message forwarded many times); idempotent per clientMsgId' })
  @ApiCreatedResponse({ type: ForwardedMessagesResponse, description: 'a MessageSent per chat is durably appended, each a copy with its own key' })
  @ApiOkResponse({ type: ForwardedMessagesResponse, description: 'a repeated clientMsgId: the same copies, nothing appended' })
  @ApiErrors(400, 401, 403, 404, 409, 413)
  async forward(
    @CurrentPrincipal() sender: Principal,
    @Param('conversationId') conversationId: string,
    @Param('messageId') messageId: string,
    @Body() body: ForwardMessageDto,
    @Res({ passthrough: true }) response: Response,
  ) {
    const results = await this.sendMessage.forward(sender, { conversationId, messageId }, body);
    response.status(results.every((r) => r.duplicate) ? 200 : 201);
    return { forwards: results.map(({ duplicate: _, ...sent }) => sent) };
  }

  @Patch('conversations/:conversationId/messages/:messageId')
  @ApiOperation({ summary: 'Edit the text of your own text message (within 15 minutes of sending)' })
  @ApiOkResponse({ type: EditedMessageResponse, description: 'MessageEdited is durably appended' })
  @ApiErrors(400, 401, 403, 404, 409, 413)
  edit(@CurrentPrincipal() user: Principal, @Param('conversationId') conversationId: string, @Param('messageId') messageId: string, @Body() body: EditMessageDto) {
    return this.lifecycle.edit(user.userId, conversationId, messageId, body.body);
  }

  @Delete('conversations/:conversationId/messages/:messageId')
  @ApiOperation({ summary: 'Delete a message for everyone (its content is erased for good) or for yourself only' })
  @ApiOkResponse({ type: DeletedMessageResponse, description: 'deleted (a repeat answers the same and records nothing)' })
  @ApiErrors(400, 401, 403, 404)
  delete(@CurrentPrincipal() user: Principal, @Param('conversationId') conversationId: string, @Param('messageId') messageId: string, @Query() query: DeleteMessageQueryDto) {
    return query.for === 'everyone'
      ? this.lifecycle.deleteForEveryone(user.userId, conversationId, messageId)
      : this.lifecycle.deleteForMe(user.userId, conversationId, messageId);
  }

  @Put('conversations/:conversationId/disappearing')
  @ApiOperation({ summary: 'Set disappearing messages (off, 24 hours, 7 days, 90 days): either participant of a direct chat, or a group admin' })
  @ApiOkResponse({ type: DisappearingTimerResponse, description: 'DisappearingTimerSet is durably appended (changed: false when the timer was already so)' })
  @ApiErrors(400, 401, 403, 404)
  setDisappearing(@CurrentPrincipal() user: Principal, @Param('conversationId') conversationId: string, @Body() body: DisappearingTimerDto) {
    return this.disappearing.set(user.userId, conversationId, body.seconds);
  }

  @Put('conversations/:conversationId/messages/:messageId/reaction')
  @ApiOperation({ summary: 'React to a message with one emoji, replacing your earlier reaction' })
  @ApiOkResponse({ type: ReactionResponse, description: 'MessageReacted is durably appended (the same reaction again records nothing)' })
  @ApiErrors(400, 401, 403, 404, 409)
  react(@CurrentPrincipal() user: Principal, @Param('conversationId') conversationId: string, @Param('messageId') messageId: string, @Body() body: ReactionDto) {
    return this.lifecycle.react(user.userId, conversationId, messageId, body.emoji);
  }

  @Delete('conversations/:conversationId/messages/:messageId/reaction')
  @ApiOperation({ summary: 'Remove your reaction to a message' })
  @ApiOkResponse({ type: ReactionResponse, description: 'removed (emoji null; when there was none, nothing is recorded)' })
  @ApiErrors(401, 403, 404, 409)
  unreact(@CurrentPrincipal() user: Principal, @Param('conversationId') conversationId: string, @Param('messageId') messageId: string) {
    return this.lifecycle.react(user.userId, conversationId, messageId, null);
  }

  @Put('conversations/:conversationId/messages/:messageId/star')
  @ApiOperation({ summary: 'Star a message you can see (only your own devices are told)' })
  @ApiOkResponse({ type: StarResponse, description: 'starred (a repeat records nothing)' })
  @ApiErrors(401, 404, 409)
  star(@CurrentPrincipal() user: Principal, @Param('conversationId') conversationId: string, @Param('messageId') messageId: string) {
    return this.lifecycle.star(user.userId, conversationId, messageId, true);
  }

  @Delete('conversations/:conversationId/messages/:messageId/star')
  @ApiOperation({ summary: 'Unstar a message' })
  @ApiOkResponse({ type: StarResponse, description: 'unstarred (a repeat records nothing)' })
  @ApiErrors(401, 404, 409)
  unstar(@CurrentPrincipal() user: Principal, @Param('conversationId') conversationId: string, @Param('messageId') messageId: string) {
    return this.lifecycle.star(user.userId, conversationId, messageId, false);
  }

  @Post('conversations/:conversationId/receipts')
  @HttpCode(202)
  @ApiOperation({ summary: 'Acknowledge messages as delivered or read up to a seq (a watermark)' })
  @ApiAcceptedResponse({ type: EmptyResponse, description: 'done: an empty object' })
  @ApiErrors(400, 401, 403, 404)
  async acknowledge(@CurrentPrincipal() user: Principal, @Param('conversationId') conversationId: string, @Body() body: ReceiptDto) {
    await this.receipts.acknowledge(user.userId, conversationId, body.kind, body.upToSeq);
    return {};
  }
}
