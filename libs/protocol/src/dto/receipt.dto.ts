import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsString, Length, Max, Min } from 'class-validator';
import type { ReceiptKind } from '../../../domain/src/events.js';

export class ReceiptDto {
  @ApiProperty({ enum: ['delivered', 'read'] })
  @IsIn(['delivered', 'read'])
  kind: ReceiptKind;

  @ApiProperty({ description: 'watermark: every message up to this seq' })
  @IsInt()
  @Min(0)
  @Max(2_147_483_647)
  upToSeq: number;
}

/** The socket's `receipt` frame names the conversation in the frame itself. */
export class ReceiptFrameDto extends ReceiptDto {
  @IsString()
  @Length(1, 128)
  conversationId: string;
}
