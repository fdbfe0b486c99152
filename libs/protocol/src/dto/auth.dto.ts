import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';

export class RequestCodeDto {
  @ApiProperty({ example: '+14155550123', description: 'E.164 phone number' })
  @IsString()
  @MaxLength(20)
  phone: string;
}

export class VerifyCodeDto {
  @ApiProperty({ example: '+14155550123' })
  @IsString()
  @MaxLength(20)
  phone: string;

  @ApiProperty({ example: '123456' })
  @IsString()
  @Length(6, 6)
  @Matches(/^\d{6}$/, { message: 'code must be 6 digits' })
  code: string;

  @ApiPropertyOptional({ example: 'Pixel 9' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  deviceName?: string;
}
