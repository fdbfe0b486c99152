import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, Length, MaxLength, ValidateIf } from 'class-validator';
import { AUDIENCES, Audience } from '../../../domain/src/events.js';

export class UpdateProfileDto {
  @ApiPropertyOptional({ maxLength: 64 }) @IsOptional() @IsString() @Length(0, 64)
  displayName?: string;

  @ApiPropertyOptional({ maxLength: 140 }) @IsOptional() @IsString() @Length(0, 140)
  about?: string;

  @ApiPropertyOptional({ nullable: true, description: 'a media id, or null to remove the photo' })
  @IsOptional()
  @ValidateIf((o: UpdateProfileDto) => o.avatarMediaId !== null)
  @IsString()
  @Length(1, 128)
  avatarMediaId?: string | null;
}

export class PrivacySettingsDto {
  @ApiPropertyOptional({ enum: AUDIENCES }) @IsOptional() @IsIn(AUDIENCES)
  lastSeen?: Audience;

  @ApiPropertyOptional({ enum: AUDIENCES }) @IsOptional() @IsIn(AUDIENCES)
  online?: Audience;

  @ApiPropertyOptional({ enum: AUDIENCES }) @IsOptional() @IsIn(AUDIENCES)
  profilePhoto?: Audience;

  @ApiPropertyOptional({ enum: AUDIENCES }) @IsOptional() @IsIn(AUDIENCES)
  about?: Audience;

  @ApiPropertyOptional({ description: 'reciprocal: off also hides others\u2019 read receipts from you in direct chats' })
  @IsOptional()
  @IsBoolean()
  readReceipts?: boolean;

  @ApiPropertyOptional({ enum: AUDIENCES, description: 'who may add you to groups; someone you blocked never can' })
  @IsOptional()
  @IsIn(AUDIENCES)
  groupAdd?: Audience;
}

export const MAX_CONTACTS_PER_SYNC = 1000;

export class SyncContactsDto {
  @ApiProperty({ type: [String], description: `phone numbers from the address book (E.164), at most ${MAX_CONTACTS_PER_SYNC} per request` })
  @IsArray()
  @ArrayMaxSize(MAX_CONTACTS_PER_SYNC)
  @IsString({ each: true })
  @MaxLength(32, { each: true })
  phones: string[];
}
