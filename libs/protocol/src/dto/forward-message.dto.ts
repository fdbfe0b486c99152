import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, Length, Validate, ValidateNested } from 'class-validator';
import { MAX_FORWARD_TARGETS } from '../../../domain/src/conversation/message-log.js';
import { OneRecipient, RecipientDto } from './send-message.dto.js';

export class ForwardMessageDto {
  @ApiProperty({ description: 'client-made, unique per sender; makes the forward idempotent (each chat gets one copy)' })
  @IsString()
  @Length(1, 128)
  clientMsgId: string;

  @ApiProperty({
    type: [RecipientDto],
    description: `the chats to forward to, each a userId or a groupId: at most ${MAX_FORWARD_TARGETS}, and only one for a message forwarded many times`,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_FORWARD_TARGETS)
  @Validate(OneRecipient, { each: true })
  @ValidateNested({ each: true })
  @Type(() => RecipientDto)
  to: RecipientDto[];
}
