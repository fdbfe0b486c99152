import { Body, Controller, HttpCode, Inject, Param, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthGuard, CurrentPrincipal } from '../../../libs/auth/src/auth.guard.js';
import type { Principal } from '../../../libs/auth/src/tokens.js';
import { AcknowledgeReceiptHandler } from '../../../libs/commands/src/acknowledge-receipt.handler.js';
import { SendMessageHandler } from '../../../libs/commands/src/send-message.handler.js';
import { ReceiptDto } from '../../../libs/protocol/src/dto/receipt.dto.js';
import { SendMessageDto } from '../../../libs/protocol/src/dto/send-message.dto.js';

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
  async send(@CurrentPrincipal() sender: Principal, @Body() body: SendMessageDto, @Res({ passthrough: true }) response: Response) {
    const { duplicate, ...sent } = await this.sendMessage.send(sender, body);
    response.status(duplicate ? 200 : 201);
    return sent;
  }

  @Post('conversations/:conversationId/receipts')
  @HttpCode(202)
  async acknowledge(@CurrentPrincipal() user: Principal, @Param('conversationId') conversationId: string, @Body() body: ReceiptDto) {
    await this.receipts.acknowledge(user.userId, conversationId, body.kind, body.upToSeq);
    return {};
  }
}
