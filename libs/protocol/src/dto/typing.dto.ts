import { IsIn, IsString, Length } from 'class-validator';

export class TypingFrameDto {
  @IsString()
  @Length(1, 128)
  conversationId: string;

  @IsIn(['typing', 'recording', 'paused'])
  state: 'typing' | 'recording' | 'paused';
}
