// Response shapes of the audit routes (/v1/audit) for the OpenAPI document: plain classes, no logic.
import { ApiProperty } from '@nestjs/swagger';
import { GroupMemberView, ReceiptEntry } from './responses.js';

const TIME = { format: 'date-time', example: '2026-12-01T12:00:00.000Z' } as const;

export class EventViewResponse {
  @ApiProperty({ description: 'global position in the event log: the cursor', example: '1024' }) position!: string;
  @ApiProperty() id!: string;
  @ApiProperty() streamId!: string;
  @ApiProperty() streamVersion!: number;
  @ApiProperty({ example: 'MessageSent' }) type!: string;
  @ApiProperty() schemaVersion!: number;
  @ApiProperty(TIME) occurredAt!: string;
  @ApiProperty(TIME) recordedAt!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) data!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata!: Record<string, unknown>;
}

export class ReplayPageResponse {
  @ApiProperty({ type: [EventViewResponse] }) events!: EventViewResponse[];
  @ApiProperty({ description: 'pass as `after` to continue; it moves past filtered-out events too' }) next!: string;
  @ApiProperty({ description: 'true when nothing after `next` exists yet' }) caughtUp!: boolean;
}

export class AuditReadView {
  @ApiProperty({ description: 'position of the record in the event log; the cursor of this list' }) position!: string;
  @ApiProperty() auditor!: string;
  @ApiProperty({ enum: ['auditor', 'analytics'] }) role!: string;
  @ApiProperty({ example: 'GET /v1/audit/conversations/:conversationId/state' }) route!: string;
  @ApiProperty({ description: 'the path as requested, with its ids' }) path!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) query!: Record<string, unknown>;
  @ApiProperty(TIME) at!: string;
}

export class AuditReadsResponse {
  @ApiProperty({ type: [AuditReadView] }) reads!: AuditReadView[];
  @ApiProperty({ description: 'pass as `after` to continue' }) next!: string;
}

export class DepartedMemberView {
  @ApiProperty() userId!: string;
  @ApiProperty({ description: 'the last seq the former member may see' }) lastSeq!: number;
}

export class GroupAsOfView {
  @ApiProperty() groupId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: String, nullable: true }) iconMediaId!: string | null;
  @ApiProperty({ ...TIME, type: String, nullable: true }) createdAt!: string | null;
  @ApiProperty({ type: [GroupMemberView] }) members!: GroupMemberView[];
  @ApiProperty({ type: [String] }) admins!: string[];
  @ApiProperty({ type: [DepartedMemberView] }) departed!: DepartedMemberView[];
}

export class WatermarkView {
  @ApiProperty() userId!: string;
  @ApiProperty() delivered!: number;
  @ApiProperty() read!: number;
}

export class MessageAsOfView {
  @ApiProperty() messageId!: string;
  @ApiProperty() seq!: number;
  @ApiProperty() senderId!: string;
  @ApiProperty({ example: 'text' }) kind!: string;
  @ApiProperty({ type: String, nullable: true }) body!: string | null;
  @ApiProperty({ type: String, nullable: true }) mediaId!: string | null;
  @ApiProperty({ type: String, nullable: true }) replyTo!: string | null;
  @ApiProperty({ type: String, nullable: true }) forwardOf!: string | null;
  @ApiProperty(TIME) sentAt!: string;
  @ApiProperty({ type: [String] }) recipients!: string[];
  @ApiProperty({ type: [ReceiptEntry] }) delivered!: ReceiptEntry[];
  @ApiProperty({ type: [ReceiptEntry] }) read!: ReceiptEntry[];
  @ApiProperty({ type: [String] }) pending!: string[];
  @ApiProperty({ enum: ['sent', 'delivered', 'read'] }) status!: 'sent' | 'delivered' | 'read';
}

export class ConversationAsOfResponse {
  @ApiProperty() conversationId!: string;
  @ApiProperty({ enum: ['direct', 'group'] }) type!: 'direct' | 'group';
  @ApiProperty(TIME) at!: string;
  @ApiProperty({ description: 'whether the conversation existed at `at`' }) existed!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'the highest global position folded; null when none' }) position!: string | null;
  @ApiProperty({ type: [String], description: 'direct: the two participants; group: the members at `at`' }) participants!: string[];
  @ApiProperty({ type: () => GroupAsOfView, nullable: true }) group!: GroupAsOfView | null;
  @ApiProperty() lastSeq!: number;
  @ApiProperty({ type: [WatermarkView] }) watermarks!: WatermarkView[];
  @ApiProperty() totalMessages!: number;
  @ApiProperty({ type: [MessageAsOfView] }) messages!: MessageAsOfView[];
}
