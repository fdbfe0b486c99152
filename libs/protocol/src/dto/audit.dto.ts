import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { IsCursor } from '../cursor.js';

/** A cursor: an event's global position, as the server gave it (decimal string). */
const TYPE_LIST = /^[A-Za-z][A-Za-z0-9_.-]{0,99}(,[A-Za-z][A-Za-z0-9_.-]{0,99}){0,49}$/;
const STREAM_LIST = /^[^,\s]{1,300}(,[^,\s]{1,300}){0,49}$/;

class StreamFilterDto {
  @ApiPropertyOptional({ description: 'Only these event types, comma-separated (e.g. MessageSent,GroupChanged)' })
  @IsOptional() @IsString() @Matches(TYPE_LIST, { message: 'type must be event type names separated by commas' })
  type?: string;

  @ApiPropertyOptional({ description: 'Only streams whose id starts with this (e.g. receipts-d123-)' })
  @IsOptional() @IsString() @Length(1, 300)
  streamPrefix?: string;
}

export class ReplayQueryDto extends StreamFilterDto {
  @ApiPropertyOptional({ description: 'Cursor: events after this global position (default 0, the start)' })
  @IsOptional() @IsCursor()
  after?: string;

  @ApiPropertyOptional({ default: 100, maximum: 1000, description: 'Page size (json); ignored by ndjson, which exports everything up to the head' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'Only events that occurred at or after this time (ISO-8601)' })
  @IsOptional() @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ description: 'Only events that occurred before this time (ISO-8601)' })
  @IsOptional() @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ enum: ['json', 'ndjson'], default: 'json' })
  @IsOptional() @IsIn(['json', 'ndjson'])
  format?: 'json' | 'ndjson';
}

export class LogReplayQueryDto extends ReplayQueryDto {
  @ApiPropertyOptional({ description: 'Only these streams, comma-separated exact ids' })
  @IsOptional() @IsString() @Matches(STREAM_LIST, { message: 'stream must be stream ids separated by commas' })
  stream?: string;
}

export class TailQueryDto extends StreamFilterDto {
  @ApiPropertyOptional({ description: 'Cursor: start after this position (default: the head, i.e. only new events). `Last-Event-ID` wins.' })
  @IsOptional() @IsCursor()
  after?: string;

  @ApiPropertyOptional({ description: 'Only these streams, comma-separated exact ids' })
  @IsOptional() @IsString() @Matches(STREAM_LIST, { message: 'stream must be stream ids separated by commas' })
  stream?: string;

  @ApiPropertyOptional({ enum: ['events', 'cloudevents'], description: 'events: full events (auditors); cloudevents: the redacted analytics envelope (default for analytics tokens)' })
  @IsOptional() @IsIn(['events', 'cloudevents'])
  format?: 'events' | 'cloudevents';
}

export class StateAsOfQueryDto {
  @ApiProperty({ description: 'The moment (ISO-8601)' })
  @IsISO8601({ strict: true })
  at!: string;

  @ApiPropertyOptional({ description: 'Messages after this seq (paging of the message list)' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(2_147_483_647)
  afterSeq?: number;

  @ApiPropertyOptional({ default: 500, maximum: 5000 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(5000)
  limit?: number;
}

export class AuditReadsQueryDto {
  @ApiPropertyOptional({ description: 'Cursor: records after this position' })
  @IsOptional() @IsCursor()
  after?: string;

  @ApiPropertyOptional({ default: 100, maximum: 1000 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ description: 'Only this auditor\'s reads' })
  @IsOptional() @IsString() @Length(1, 64)
  auditor?: string;
}
