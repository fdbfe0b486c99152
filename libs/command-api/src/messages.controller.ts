import { Body, Controller, HttpCode, Inject, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthGuard, CurrentPrincipal } from '../../auth/src/auth.guard.js';
import type { Principal } from '../../auth/src/tokens.js';
import { AcknowledgeReceiptHandler } from '../../commands/src/acknowledge-receipt.handler.js';
import { SendMessageHandler } from '../../commands/src/send-message.handler.js';
import { ReceiptDto } from '../../protocol/src/dto/receipt.dto.js';
import { ApiErrors } from '../../protocol/src/openapi/errors.js';
import { EmptyResponse, SentMessageResponse } from '../../protocol/src/openapi/responses.js';
import { SendMessageDto } from '../../protocol/src/dto/send-message.dto.js';

@ApiTags('messages')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('v1')
export class MessagesController {
  constructor(
    @Inject(SendMessageHandler) private readonly sendMessage: SendMessageHandler,
    @Inject(AcknowledgeReceiptHandler) private readonly receipts: AcknowledgeReceiptHandler,
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
