// Response shapes of docs/protocol.md for the OpenAPI document: plain classes, no logic.
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AUDIENCES, type Audience } from '../../../domain/src/events.js';

const TIME = { format: 'date-time', example: '2026-12-01T12:00:00.000Z' } as const;

/** `{}`: the answer of commands that return nothing. */
export class EmptyResponse {}

// ---- accounts

export class RequestCodeResponse {
  @ApiPropertyOptional({ description: 'the one-time code; only in the development delivery mode', example: '123456' })
  devCode?: string;
}

export class LoggedInResponse {
  @ApiProperty() userId!: string;
  @ApiProperty() deviceId!: string;
  @ApiProperty({ description: 'bearer token for Authorization and the WebSocket' }) token!: string;
}

// ---- sending and receipts

export class SentMessageResponse {
  @ApiProperty() messageId!: string;
  @ApiProperty({ description: "a direct chat's id is the same for both participants; a group's is its groupId" }) conversationId!: string;
  @ApiProperty({ description: 'position in the conversation: 1, 2, 3 … with no gaps' }) seq!: number;
  @ApiProperty(TIME) sentAt!: string;
}

export class ForwardedMessagesResponse {
  @ApiProperty({ type: [SentMessageResponse], description: 'one copy per chat, in the order of `to`' }) forwards!: SentMessageResponse[];
}

export class MessageResponse {
  @ApiProperty() messageId!: string;
  @ApiProperty() conversationId!: string;
  @ApiProperty() seq!: number;
  @ApiProperty() senderId!: string;
  @ApiProperty({ description: 'text | image | video | audio | document | location | contact', example: 'text' }) kind!: string;
  @ApiProperty({ type: String, nullable: true }) body!: string | null;
  @ApiProperty({ type: String, nullable: true }) mediaId!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'messageId of the quoted message' }) replyTo!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'messageId of the forwarded message' }) forwardOf!: string | null;
  @ApiProperty({ description: 'a forward whose content was forwarded five times or more: it can be forwarded to one chat at a time' })
  forwardedManyTimes!: boolean;
  @ApiProperty(TIME) sentAt!: string;
  @ApiProperty({ enum: ['sent', 'delivered', 'read'], nullable: true, description: "for the caller's own messages; null for others'" })
  status!: 'sent' | 'delivered' | 'read' | null;
  @ApiProperty({ ...TIME, nullable: true, description: 'when the text was last edited' }) editedAt!: string | null;
  @ApiProperty({ ...TIME, nullable: true, description: 'when it was deleted for everyone (a tombstone: body is null, erased is true)' }) deletedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'who deleted it for everyone: its sender or a group admin' }) deletedBy!: string | null;
  @ApiProperty({ required: false, enum: [true], description: 'present once the content is erased (deleted for everyone, or expired): body is null' })
  erased?: true;
  @ApiPropertyOptional({ ...TIME, description: 'present for a message sent with disappearing messages on: when it is erased (then erased is true, deletedAt null)' })
  expiresAt?: string;
}

export class ReactionView {
  @ApiProperty() userId!: string;
  @ApiProperty({ example: '👍' }) emoji!: string;
}

export class QuoteView {
  @ApiProperty() messageId!: string;
  @ApiProperty() seq!: number;
  @ApiProperty() senderId!: string;
  @ApiProperty({ example: 'text' }) kind!: string;
  @ApiProperty({ type: String, nullable: true, description: 'its first 100 characters (as it reads now, edits included); null once erased' }) body!: string | null;
  @ApiProperty({ type: String, nullable: true }) mediaId!: string | null;
  @ApiProperty({ required: false, enum: [true], description: 'present once the quoted message is deleted for everyone: a tombstone' })
  erased?: true;
}

/** A message in history: the feed's message shape plus what history alone shows. */
export class HistoryMessageResponse extends MessageResponse {
  @ApiProperty({ type: () => QuoteView, nullable: true, description: 'the message replied to (replyTo), or null' }) quote!: QuoteView | null;
  @ApiProperty({ type: [ReactionView], description: 'one per user who reacted, oldest reaction first; none on a deleted message' }) reactions!: ReactionView[];
}

export class StarredMessageResponse {
  @ApiProperty({ description: 'pass as `before` to get the next (older) page' }) cursor!: string;
  @ApiProperty(TIME) starredAt!: string;
  @ApiProperty({ type: () => HistoryMessageResponse }) message!: HistoryMessageResponse;
}

export class EditedMessageResponse {
  @ApiProperty() messageId!: string;
  @ApiProperty() seq!: number;
  @ApiProperty(TIME) editedAt!: string;
}

export class DeletedMessageResponse {
  @ApiProperty() messageId!: string;
  @ApiProperty() seq!: number;
}

export class DisappearingTimerResponse {
  @ApiProperty() conversationId!: string;
  @ApiProperty({ enum: [0, 86_400, 604_800, 7_776_000], description: 'the timer now: off (0), 24 hours, 7 days or 90 days' }) seconds!: number;
  @ApiProperty({ description: 'false when the conversation had this timer already: nothing was recorded or announced' }) changed!: boolean;
}

export class ReactionResponse {
  @ApiProperty() messageId!: string;
  @ApiProperty() seq!: number;
  @ApiProperty({ type: String, nullable: true, description: "the caller's reaction now; null once removed", example: '👍' }) emoji!: string | null;
}

export class StarResponse {
  @ApiProperty() messageId!: string;
  @ApiProperty() seq!: number;
  @ApiProperty({ description: 'whether the caller has the message starred now' }) starred!: boolean;
}

export class ReceiptEntry {
  @ApiProperty() userId!: string;
  @ApiProperty({ ...TIME, description: 'when the watermark first covered the message' }) at!: string;
}

export class MessageReceiptsResponse {
  @ApiProperty() messageId!: string;
  @ApiProperty({ type: [ReceiptEntry], description: 'members who have it (those who have read it too)' }) delivered!: ReceiptEntry[];
  @ApiProperty({ type: [ReceiptEntry], description: 'members who have read it' }) read!: ReceiptEntry[];
  @ApiProperty({ type: [String], description: 'members who have not had it delivered yet' }) pending!: string[];
}

// ---- reading

export class LastMessageView {
  @ApiProperty() messageId!: string;
  @ApiProperty() seq!: number;
  @ApiProperty() senderId!: string;
  @ApiProperty({ example: 'text' }) kind!: string;
  @ApiProperty({ type: String, nullable: true }) body!: string | null;
  @ApiProperty(TIME) sentAt!: string;
}

export class InboxItemResponse {
  @ApiProperty() conversationId!: string;
  @ApiProperty({ enum: ['direct', 'group'] }) type!: 'direct' | 'group';
  @ApiPropertyOptional({ description: 'direct chats only' }) peerUserId?: string;
  @ApiPropertyOptional({ description: 'group chats only' }) groupId?: string;
  @ApiProperty({ description: "the peer's phone number or the group's name" }) title!: string;
  @ApiProperty({ type: () => LastMessageView, nullable: true }) lastMessage!: LastMessageView | null;
  @ApiProperty({ description: "messages from others above the caller's read watermark" }) unreadCount!: number;
  @ApiProperty() lastSeq!: number;
  @ApiProperty(TIME) updatedAt!: string;
  @ApiProperty({ enum: [0, 86_400, 604_800, 7_776_000], description: 'disappearing messages: seconds after sending that new messages are erased (0: off)' })
  disappearingSeconds!: number;
}

export class PresenceResponse {
  @ApiProperty() userId!: string;
  @ApiProperty() online!: boolean;
  @ApiProperty({ ...TIME, type: String, nullable: true, description: "null where the user's privacy settings hide it from the caller" })
  lastSeen!: string | null;
}

// ---- groups

export class CreatedGroupResponse {
  @ApiProperty() groupId!: string;
  @ApiProperty({ description: 'the same as groupId' }) conversationId!: string;
}

export class GroupMemberView {
  @ApiProperty() userId!: string;
  @ApiProperty({ enum: ['admin', 'member'] }) role!: 'admin' | 'member';
  @ApiProperty(TIME) joinedAt!: string;
}

export class GroupResponse {
  @ApiProperty() groupId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: String, nullable: true }) iconMediaId!: string | null;
  @ApiProperty({ type: [GroupMemberView] }) members!: GroupMemberView[];
  @ApiProperty(TIME) createdAt!: string;
}

// ---- people

export class ProfileResponse {
  @ApiProperty() userId!: string;
  @ApiProperty() displayName!: string;
  @ApiProperty({ type: String, nullable: true, description: "null where the owner's privacy settings hide it from the caller" })
  about!: string | null;
  @ApiProperty({ type: String, nullable: true, description: "null when there is none or the owner's privacy settings hide it" })
  avatarMediaId!: string | null;
}

export class PrivacySettingsView {
  @ApiProperty({ enum: AUDIENCES }) lastSeen!: Audience;
  @ApiProperty({ enum: AUDIENCES }) online!: Audience;
  @ApiProperty({ enum: AUDIENCES }) profilePhoto!: Audience;
  @ApiProperty({ enum: AUDIENCES }) about!: Audience;
  @ApiProperty() readReceipts!: boolean;
  @ApiProperty({ enum: AUDIENCES, description: 'who may add the user to groups' }) groupAdd!: Audience;
}

export class MeResponse extends ProfileResponse {
  @ApiProperty({ example: '+14155550123' }) phone!: string;
  @ApiProperty({ type: () => PrivacySettingsView }) privacy!: PrivacySettingsView;
}

export class DeviceResponse {
  @ApiProperty() deviceId!: string;
  @ApiProperty() name!: string;
  @ApiProperty(TIME) loggedInAt!: string;
  @ApiProperty({ ...TIME, type: String, nullable: true }) lastActiveAt!: string | null;
  @ApiProperty({ description: 'true for the device making the request' }) current!: boolean;
}

export class ContactResponse {
  @ApiProperty() userId!: string;
  @ApiProperty({ description: 'empty when the contact has not set one' }) displayName!: string;
}

export class ContactMatch {
  @ApiProperty({ example: '+14155550123' }) phone!: string;
  @ApiProperty() userId!: string;
}

export class SyncContactsResponse {
  @ApiProperty({ type: [ContactMatch], description: 'the registered numbers among those sent; invalid or unknown ones are absent' })
  contacts!: ContactMatch[];
}

// ---- operations

export class HealthResponse {
  @ApiProperty({ enum: ['ok'], example: 'ok' }) status!: 'ok';
}

// ---- media

export class MediaResponse {
  @ApiProperty({ description: 'names the media in a message (mediaId), a profile photo or a group icon' }) mediaId!: string;
  @ApiProperty() uploaderId!: string;
  @ApiProperty({ enum: ['image', 'video', 'audio', 'document'] }) kind!: string;
  @ApiProperty({ description: 'the type found in the bytes (never the declared Content-Type); application/octet-stream for encrypted uploads', example: 'image/jpeg' })
  mimeType!: string;
  @ApiProperty({ description: 'bytes, as uploaded' }) size!: number;
  @ApiProperty({ description: 'SHA-256 of the bytes as uploaded, hex' }) sha256!: string;
  @ApiProperty({ description: 'uploaded encrypted by the client: stored as is, no type check, no thumbnails' }) encrypted!: boolean;
  @ApiProperty({ type: Number, nullable: true, description: 'pixels, upright (images and videos, once thumbnails are ready)' }) width!: number | null;
  @ApiProperty({ type: Number, nullable: true }) height!: number | null;
  @ApiProperty({
    enum: ['pending', 'ready', 'none', 'failed'],
    description: 'pending: being made (GET /v1/media/{mediaId} again, or the thumbnail route answers 503 with Retry-After); ready: fetch them; none: not made for this media (audio, documents, encrypted, videos without ffmpeg); failed: the bytes were not a readable picture',
  })
  thumbnails!: string;
  @ApiProperty(TIME) createdAt!: string;
}

// ---- calls

export class CallHistoryItemResponse {
  @ApiProperty() callId!: string;
  @ApiProperty() conversationId!: string;
  @ApiProperty() callerId!: string;
  @ApiProperty({ enum: ['audio', 'video'] }) media!: string;
  @ApiProperty({ enum: ['outgoing', 'incoming'] }) direction!: string;
  @ApiProperty({ enum: ['ringing', 'active', 'ended'] }) status!: string;
  @ApiProperty({ type: String, nullable: true, enum: ['completed', 'missed', 'declined', 'cancelled', 'busy'], description: 'how the call ended for the caller of this route; null while it goes on' })
  outcome!: string | null;
  @ApiProperty() startedAt!: string;
  @ApiProperty({ type: String, nullable: true }) endedAt!: string | null;
  @ApiProperty({ description: 'from the first answer to the end; 0 for a call never answered' }) durationSeconds!: number;
}

export class IceServerResponse {
  @ApiProperty({ type: String, isArray: true, example: ['turn:turn.example.com:3478?transport=udp'] }) urls!: string[];
  @ApiPropertyOptional({ description: 'TURN only: `expiry:userId` (coturn use-auth-secret)' }) username?: string;
  @ApiPropertyOptional({ description: 'TURN only: base64 HMAC-SHA1 of the username with the TURN secret' }) credential?: string;
}

export class IceConfigurationResponse {
  @ApiProperty({ type: () => IceServerResponse, isArray: true }) iceServers!: IceServerResponse[];
  @ApiProperty({ description: 'how long the TURN credential is valid; fetch again before it runs out' }) ttlSeconds!: number;
}
