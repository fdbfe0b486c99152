import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MinLength } from 'class-validator';

export class EditMessageDto {
  @ApiProperty({ description: 'the new text (text messages only), at most 64 KiB in UTF-8' })
  @IsString()
  @MinLength(1)
  body: string;
}

export class DeleteMessageQueryDto {
  @ApiProperty({ enum: ['everyone', 'me'], description: "everyone: erase it for every participant (its sender within 60 hours, or a group admin); me: hide it from the caller's devices" })
  @IsIn(['everyone', 'me'])
  for: 'everyone' | 'me';
}
