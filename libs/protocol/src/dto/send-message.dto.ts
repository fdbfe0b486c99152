import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsNotEmptyObject,
  IsOptional,
  IsString,
  Length,
  Validate,
  ValidationArguments,
  ValidateIf,
  ValidateNested,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { MEDIA_KINDS, MESSAGE_KINDS, MessageKind } from '../../../domain/src/events.js';

const ID_LENGTH = { min: 1, max: 128 };

export class RecipientDto {
  @ApiPropertyOptional() @ValidateIf((o: RecipientDto) => o.groupId === undefined) @IsString() @Length(ID_LENGTH.min, ID_LENGTH.max)
  userId?: string;

  @ApiPropertyOptional() @ValidateIf((o: RecipientDto) => o.userId === undefined) @IsString() @Length(ID_LENGTH.min, ID_LENGTH.max)
  groupId?: string;
}

@ValidatorConstraint({ name: 'oneRecipient' })
export class OneRecipient implements ValidatorConstraintInterface {
  validate(to: unknown) {
    return typeof to !== 'object' || to === null || !('userId' in to && 'groupId' in to);
  }
  defaultMessage() {
    return 'to names either a userId or a groupId, not both';
  }
}

@ValidatorConstraint({ name: 'textHasContent' })
class TextHasContent implements ValidatorConstraintInterface {
  validate(body: unknown, args: ValidationArguments) {
    return (args.object as SendMessageDto).kind !== 'text' || (typeof body === 'string' && /\S/.test(body));
  }
  defaultMessage() {
    return 'a text message needs a body with something other than white space';
  }
}

export class SendMessageDto {
  @ApiProperty({ description: 'client-made, unique per sender; makes the send idempotent' })
  @IsString()
  @Length(1, 128)
  clientMsgId: string;

  @ApiProperty({ type: RecipientDto })
  @IsNotEmptyObject()
  @Validate(OneRecipient)
  @ValidateNested()
  @Type(() => RecipientDto)
  to: RecipientDto;

  @ApiProperty({ enum: MESSAGE_KINDS })
  @IsIn(MESSAGE_KINDS)
  kind: MessageKind;

  @ApiPropertyOptional({ description: 'at most 65,536 bytes (UTF-8); opaque to the server' })
  @ValidateIf((o: SendMessageDto) => !MEDIA_KINDS.includes(o.kind) || o.body !== undefined)
  @IsString()
  @Validate(TextHasContent)
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
