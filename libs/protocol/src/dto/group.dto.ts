import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, Length, MinLength, ValidateIf } from 'class-validator';

const USER_IDS_CAP = 10_000;

export class CreateGroupDto {
  @ApiProperty({ example: 'Family' }) @IsString() @Length(1, 100)
  name: string;

  @ApiProperty({ type: [String], description: 'user ids; the creator is added as admin' })
  @IsArray()
  @ArrayMaxSize(USER_IDS_CAP)
  @IsString({ each: true })
  @Length(1, 128, { each: true })
  members: string[];
}

export class UpdateGroupDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100)
  name?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @Length(0, 2048)
  description?: string;

  @ApiPropertyOptional({ nullable: true, description: 'a media id, or null to remove the icon' })
  @IsOptional()
  @ValidateIf((o: UpdateGroupDto) => o.iconMediaId !== null)
  @IsString()
  @Length(1, 128)
  iconMediaId?: string | null;
}

export class AddMembersDto {
  @ApiProperty({ type: [String] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(USER_IDS_CAP)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  userIds: string[];
}
