import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { MEDIA_KINDS, type MessageKind } from '../../../domain/src/events.js';
import { THUMBNAIL_SIZE_NAMES } from '../media.js';

export class UploadMediaQueryDto {
  @ApiProperty({ enum: MEDIA_KINDS, description: 'what the bytes are: image, video and audio up to 16 MiB, document up to 100 MiB; the bytes must be of that kind' })
  @IsIn(MEDIA_KINDS)
  kind: MessageKind;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'true: the client encrypted the bytes itself; they are stored as is, with no type check and no thumbnails' })
  @IsOptional()
  @IsIn(['true', 'false'])
  encrypted?: 'true' | 'false';
}

export class ThumbnailParamsDto {
  @ApiProperty({ enum: THUMBNAIL_SIZE_NAMES, description: 'small: 96×96, cropped (chat list, quotes); medium: within 480×480 (the chat view)' })
  @IsIn(THUMBNAIL_SIZE_NAMES)
  size: (typeof THUMBNAIL_SIZE_NAMES)[number];
}
