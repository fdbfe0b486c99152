// The feed's frames as a client reads them (docs/protocol.md, docs/protocol-websocket.md).
import type { MessageView } from '../../protocol/src/views.js';
import type { CallSignal } from '../../protocol/src/dto/call.dto.js';

export type TypingState = 'typing' | 'recording' | 'paused';
export type ReceiptKind = 'delivered' | 'read';

export interface GroupChange {
  kind: 'created' | 'updated' | 'members_added' | 'member_removed' | 'member_left' | 'admin_promoted' | 'admin_demoted';
  by: string;
  at: string;
  name?: string;
  userId?: string;
  userIds?: string[];
  [field: string]: unknown;
}

/** Items that carry a cursor: stored on the server, replayed after `since`. */
export type DurableFrame = { cursor: string } & (
  | { type: 'message'; message: MessageView }
  | { type: 'receipt'; conversationId: string; userId: string; kind: ReceiptKind; upToSeq: number; at: string }
  | { type: 'group'; groupId: string; change: GroupChange }
  | { type: 'profile'; userId: string; changed: string[]; at: string }
  | { type: 'disappearing'; conversationId: string; seconds: number; by: string; at: string }
  | { type: 'message_expired'; conversationId: string; messageId: string; seq: number; senderId: string; expiresAt: string; expiredAt: string }
  | { type: 'message_edited'; conversationId: string; messageId: string; seq: number; senderId: string; body: string | null; editedAt: string; erased?: true }
  | { type: 'message_deleted'; conversationId: string; messageId: string; seq: number; senderId: string; deletedBy: string; deletedAt: string }
  | { type: 'message_hidden'; conversationId: string; messageId: string; seq: number; at: string }
  | { type: 'message_reacted'; conversationId: string; messageId: string; seq: number; userId: string; emoji: string | null; at: string }
  | { type: 'message_starred' | 'message_unstarred'; conversationId: string; messageId: string; seq: number; at: string }
  | ({ type: 'call'; callerId: string; media: CallMedia; participants: string[]; endedAt: string } & CallEnd)
);

export type CallMedia = 'audio' | 'video';

interface CallEnd {
  callId: string;
  conversationId: string;
  reason: 'completed' | 'missed' | 'declined' | 'cancelled' | 'busy';
  endedBy: string | null;
  durationSeconds: number;
}

interface CallRef {
  callId: string;
  conversationId: string;
}

export type { CallSignal };

/** Call frames (ephemeral): the call's progress as the server relays it. */
export type CallFrame =
  | (CallRef & { type: 'call_incoming'; callerId: string; media: CallMedia; invitees: string[] })
  | (CallRef & { type: 'call_ringing' | 'call_busy'; userIds: string[] })
  | (CallRef & { type: 'call_accepted'; userId: string; deviceId: string })
  | (CallRef & { type: 'call_declined' | 'call_left'; userId: string })
  | ({ type: 'call_ended'; participants: string[] } & CallEnd)
  | (CallRef & CallSignal & { type: 'call_signal'; from: string });

/** What a device sends about a call. */
export type CallCommand =
  | (CallRef & { type: 'call_invite'; media: CallMedia })
  | (CallRef & { type: 'call_accept' | 'call_decline' | 'call_hangup' })
  | (CallRef & CallSignal & { type: 'call_signal'; to: string });

export interface ErrorBody {
  code: string;
  message: string;
  details: unknown;
}

/** Frames without a cursor: ephemeral, or answers to this socket's own frames. */
export type EphemeralFrame =
  | { type: 'presence'; userId: string; online: boolean; lastSeen: string | null }
  | { type: 'typing'; conversationId: string; userId: string; state: TypingState }
  | { type: 'sent'; clientMsgId: string; messageId: string; conversationId: string; seq: number; sentAt: string }
  | CallFrame
  | { type: 'error'; clientMsgId?: string; callId?: string; error: ErrorBody }
  | { type: 'pong'; serverTime: string; cursor: string };

export type ServerFrame = DurableFrame | EphemeralFrame;
export type SentFrame = Extract<EphemeralFrame, { type: 'sent' }>;

export const isDurable = (frame: ServerFrame): frame is DurableFrame => typeof (frame as { cursor?: unknown }).cursor === 'string' && frame.type !== 'pong';

/**
 * Whether `cursor` is at or before `last`. Cursors are decimal positions on this server; a
 * client only ever needs this to drop an item it has already processed.
 */
export function isAtOrBefore(cursor: string, last: string | null): boolean {
  if (last === null) return false;
  if (/^\d+$/.test(cursor) && /^\d+$/.test(last)) return cursor.length < last.length || (cursor.length === last.length && cursor <= last);
  return cursor === last;
}
