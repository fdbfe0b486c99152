import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { CALL_MEDIA, type CallMedia } from '../../../domain/src/events.js';

/** Names a call: the client mints the id (so a retried invite is the same call). */
export class CallFrameDto {
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{8,64}$/, { message: 'callId must be 8 to 64 letters, digits, - or _' })
  callId!: string;

  @IsString()
  @Length(1, 128)
  conversationId!: string;
}

export class CallInviteDto extends CallFrameDto {
  @IsIn(CALL_MEDIA)
  media!: CallMedia;
}

/** What a relayed SDP offer or answer or ICE candidate carries besides its addressing. */
export interface CallSignal {
  kind: 'offer' | 'answer' | 'ice';
  sdp?: string;
  candidate?: string;
  sdpMid?: string;
  sdpMLineIndex?: number;
}

/** SDP offers and answers and ICE candidates, relayed as they are to one other person in the call. */
export class CallSignalDto extends CallFrameDto implements CallSignal {
  @IsString()
  @Length(1, 128)
  to!: string;

  @IsIn(['offer', 'answer', 'ice'])
  kind!: 'offer' | 'answer' | 'ice';

  @IsOptional()
  @IsString()
  @Length(1, 32_000)
  sdp?: string;

  @IsOptional()
  @IsString()
  @Length(0, 2_048)
  candidate?: string;

  @IsOptional()
  @IsString()
  @Length(0, 64)
  sdpMid?: string;

  @IsOptional()
  @IsInt()
  @Min(0)
  sdpMLineIndex?: number;
}

export class CallHistoryQueryDto {
  @ApiPropertyOptional({ description: 'the `callId` of the last item of the previous page: older calls only' })
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_-]{8,64}$/)
  before?: string;

  @ApiPropertyOptional({ default: 50, maximum: 200 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200)
  limit?: number;
}
