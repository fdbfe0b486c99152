import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MinLength } from 'class-validator';
import { DISAPPEARING_TIMERS, type DisappearingTimer } from '../../../domain/src/events.js';

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

export class DisappearingTimerDto {
  @ApiProperty({ enum: DISAPPEARING_TIMERS, description: 'disappearing messages: off (0), 24 hours (86400), 7 days (604800) or 90 days (7776000)' })
  @IsIn(DISAPPEARING_TIMERS)
  seconds: DisappearingTimer;
}
