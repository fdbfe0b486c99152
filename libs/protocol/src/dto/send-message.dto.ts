import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsNotEmptyObject,
  IsOptional,
  IsString,
  Length,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { MEDIA_KINDS, MESSAGE_KINDS, MessageKind } from '../../../domain/src/events.js';

const ID_LENGTH = { min: 1, max: 128 };

export class RecipientDto {
  @ApiPropertyOptional() @ValidateIf((o: RecipientDto) => o.groupId === undefined) @IsString() @Length(ID_LENGTH.min, ID_LENGTH.max)
  userId?: string;

  @ApiPropertyOptional() @ValidateIf((o: RecipientDto) => o.userId === undefined) @IsString() @Length(ID_LENGTH.min, ID_LENGTH.max)
  groupId?: string;
}

export class SendMessageDto {
  @ApiProperty({ description: 'client-made, unique per sender; makes the send idempotent' })
  @IsString()
  @Length(1, 128)
  clientMsgId: string;

  @ApiProperty({ type: RecipientDto })
  @IsNotEmptyObject()
  @ValidateNested()
  @Type(() => RecipientDto)
  to: RecipientDto;

  @ApiProperty({ enum: MESSAGE_KINDS })
  @IsIn(MESSAGE_KINDS)
  kind: MessageKind;

  @ApiPropertyOptional({ description: 'at most 65,536 bytes (UTF-8); opaque to the server' })
  @ValidateIf((o: SendMessageDto) => !MEDIA_KINDS.includes(o.kind) || o.body !== undefined)
  @IsString()
  body?: string;

  @ApiPropertyOptional({ description: 'required for image, video, audio and document' })
  @ValidateIf((o: SendMessageDto) => MEDIA_KINDS.includes(o.kind) || o.mediaId !== undefined)
  @IsString()
  @Length(ID_LENGTH.min, ID_LENGTH.max)
  mediaId?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @Length(ID_LENGTH.min, ID_LENGTH.max)
  replyTo?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @Length(ID_LENGTH.min, ID_LENGTH.max)
  forwardOf?: string;
}
