import { EventOfType, isEventOf } from '../../domain/src/event-types.js';
import { erasedFrame, messageView } from './views.js';

/** The events devices are told of; no other event reaches the feed. */
export const FEED_EVENT_TYPES = [
  'MessageSent',
  'MessageEdited',
  'MessageDeleted',
  'MessageHidden',
  'MessageExpired',
  'DisappearingTimerSet',
  'MessageReacted',
  'MessageStarred',
  'MessageUnstarred',
  'MessageDelivered',
  'MessageRead',
  'ProfileUpdated',
  'GroupChanged',
  'CallEnded',
] as const;

/** Whether devices are told of the event: `feedDeliveryOf` takes these only. */
export const isFeedEvent = isEventOf(FEED_EVENT_TYPES);

/** A feed event as the log gives it: typed data and its global position (the feed cursor). */
export type LoggedEvent = EventOfType<(typeof FEED_EVENT_TYPES)[number]> & { globalPosition: bigint };

/** What one event puts on the feed: the frames, and who receives them. */
export interface FeedDelivery {
  position: bigint;
  /** The frame as every recipient receives it, cursor included. */
  frame: string;
  /** The sender's own copy of a message (`status: "sent"`); null where everyone gets `frame`. */
  ownFrame: string | null;
  /** Each recipient once; `own` marks the sender of a message. */
  recipients: { userId: string; own: boolean }[];
  /** The message whose content (body) the frames carry, for erasing them when it is deleted. */
  contentOf: string | null;
}

export const frameFor = (delivery: Pick<FeedDelivery, 'frame' | 'ownFrame'>, own: boolean): string =>
  own && delivery.ownFrame !== null ? delivery.ownFrame : delivery.frame;

/**
 * Keys in a fixed order, whatever order the event's data came in (a store may reorder keys, as
 * PostgreSQL's jsonb does): the same event always gives the same bytes.
 */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, canonical(v)]));
}

const everyone = (userIds: Iterable<string>) => [...new Set(userIds)].map((userId) => ({ userId, own: false }));

/**
 * The one function from an event to the feed: the live push and the stored feed (what a device
 * catches up with after `since`) both use it, so a replayed frame is byte-identical to the one
 * pushed live. Pure: every event carries its own audience (a message its recipients at send
 * time, a receipt whom it concerns, a group change the members after it plus whoever left), so
 * addressing needs no state.
 */
export function feedDeliveryOf(event: LoggedEvent): FeedDelivery {
  const cursor = event.globalPosition.toString();
  const delivery = (payload: Record<string, unknown>, recipients: FeedDelivery['recipients'], contentOf: string | null = null): FeedDelivery => ({
    position: event.globalPosition,
    frame: JSON.stringify({ type: payload.type, cursor, ...payload }),
    ownFrame: null,
    recipients,
    contentOf,
  });
  switch (event.type) {
    case 'MessageSent': {
      const m = event.data;
      const frame = (viewerId: string) => JSON.stringify({ type: 'message', cursor, message: messageView(m, viewerId, 'sent') });
      return {
        position: event.globalPosition,
        frame: frame(''),
        ownFrame: frame(m.senderId),
        recipients: [{ userId: m.senderId, own: true }, ...everyone(m.recipientIds.filter((id) => id !== m.senderId))],
        contentOf: m.messageId,
      };
    }
    case 'MessageEdited': {
      const e = event.data;
      const payload = { type: 'message_edited', conversationId: e.conversationId, messageId: e.messageId, seq: e.seq, senderId: e.senderId, body: e.body, editedAt: e.editedAt };
      const built = delivery(payload, everyone(e.audience), e.messageId);
      return e.erased ? { ...built, frame: erasedFrame(built.frame) } : built;
    }
    case 'MessageDeleted': {
      const d = event.data;
      const payload = { type: 'message_deleted', conversationId: d.conversationId, messageId: d.messageId, seq: d.seq, senderId: d.senderId, deletedBy: d.deletedBy, deletedAt: d.deletedAt };
      return delivery(payload, everyone(d.audience));
    }
    case 'MessageExpired': {
      const x = event.data;
      const payload = { type: 'message_expired', conversationId: x.conversationId, messageId: x.messageId, seq: x.seq, senderId: x.senderId, expiresAt: x.expiresAt, expiredAt: x.expiredAt };
      return delivery(payload, everyone(x.audience));
    }
    case 'DisappearingTimerSet': {
      const t = event.data;
      return delivery({ type: 'disappearing', conversationId: t.conversationId, seconds: t.seconds, by: t.by, at: t.at }, everyone(t.audience));
    }
    case 'MessageHidden': {
      const h = event.data;
      return delivery({ type: 'message_hidden', conversationId: h.conversationId, messageId: h.messageId, seq: h.seq, at: h.at }, everyone([h.userId]));
    }
    case 'MessageReacted': {
      const r = event.data;
      const payload = { type: 'message_reacted', conversationId: r.conversationId, messageId: r.messageId, seq: r.seq, userId: r.userId, emoji: r.emoji, at: r.at };
      return delivery(payload, everyone(r.audience));
    }
    case 'MessageStarred':
    case 'MessageUnstarred': {
      // A star is private: only the user's own devices learn of it.
      const s = event.data;
      const type = event.type === 'MessageStarred' ? 'message_starred' : 'message_unstarred';
      return delivery({ type, conversationId: s.conversationId, messageId: s.messageId, seq: s.seq, at: s.at }, everyone([s.userId]));
    }
    case 'MessageDelivered':
    case 'MessageRead': {
      const r = event.data;
      const kind = event.type === 'MessageRead' ? 'read' : 'delivered';
      return delivery(
        { type: 'receipt', conversationId: r.conversationId, userId: r.userId, kind, upToSeq: r.upToSeq, at: r.at },
        everyone(r.audience),
      );
    }
    case 'ProfileUpdated': {
      // The frame says what changed, not the values: each viewer fetches the profile, which applies the owner's privacy settings.
      const p = event.data;
      const changed = (['displayName', 'about', 'avatarMediaId'] as const).filter((field) => p[field] !== undefined);
      return delivery({ type: 'profile', userId: p.userId, changed, at: p.at }, everyone([p.userId, ...p.audience]));
    }
    case 'CallEnded': {
      // The call as it ended, so a device that was offline learns of the missed call; the live signalling is not replayed.
      const c = event.data;
      const payload = {
        type: 'call', callId: c.callId, conversationId: c.conversationId, callerId: c.callerId, media: c.media, reason: c.reason,
        endedBy: c.endedBy, durationSeconds: c.durationSeconds, participants: c.participants, endedAt: c.at,
      };
      return delivery(payload, everyone(c.audience));
    }
    case 'GroupChanged': {
      const g = event.data;
      const affected = 'userId' in g.change ? [g.change.userId] : [];
      const change = { kind: g.change.kind, ...(canonical(g.change) as object), by: g.by, at: g.at };
      return delivery({ type: 'group', groupId: g.groupId, change }, everyone([...g.membersAfter, ...affected]));
    }
  }
}
