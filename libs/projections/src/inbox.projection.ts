import type { EntityManager } from 'typeorm';
import type { DisappearingTimerSet, GroupChange, GroupChanged, MessageDeleted, MessageEdited, MessageExpired, MessageSent, ReceiptEvent } from '../../domain/src/events.js';
import type { LastMessage } from '../../read-models/src/tables.js';
import { HandledBy, Projection, unnestRows } from './projection.js';

/** A member's inbox row as a batch of messages leaves it: the batch's latest message in the conversation. */
export interface LastMessageRow {
  user_id: string;
  conversation_id: string;
  type: 'direct' | 'group';
  peer_user_id: string | null;
  last_seq: number;
  last_message: LastMessage;
  updated_at: string;
}

/** One member's highest receipt watermark in a conversation, in a batch. */
export interface WatermarkRow {
  user_id: string;
  conversation_id: string;
  up_to: number;
  at: string;
}

/** The inbox's watermarks: `shared_read` is the read watermark others may see. */
export type InboxWatermark = 'delivered' | 'read' | 'shared_read';

const memberKey = (userId: string, conversationId: string) => `${userId}\u0000${conversationId}`;

/** For each member of each conversation in the batch, its message with the highest seq. */
export function lastMessageRows(sent: MessageSent[]): LastMessageRow[] {
  const latest = new Map<string, LastMessageRow>();
  for (const { data: m } of sent) {
    const lastMessage: LastMessage = {
      messageId: m.messageId, seq: m.seq, senderId: m.senderId, kind: m.kind, body: m.body, sentAt: m.sentAt, ...(m.erased ? { erased: true } : {}),
    };
    const members = [m.senderId, ...m.recipientIds];
    for (const userId of members) {
      const peer = m.conversationType === 'direct' ? members.find((other) => other !== userId) ?? null : null;
      const key = memberKey(userId, m.conversationId);
      const previous = latest.get(key);
      if (!previous || previous.last_seq < m.seq) {
        latest.set(key, {
          user_id: userId, conversation_id: m.conversationId, type: m.conversationType, peer_user_id: peer,
          last_seq: m.seq, last_message: lastMessage, updated_at: m.sentAt,
        });
      }
    }
  }
  return [...latest.values()];
}

/** Who a group change brings into the group, and who it takes out. */
export function membershipMoves(change: GroupChange): { joined: string[]; left: string | null } {
  const joined = change.kind === 'created' ? change.members.map((m) => m.userId) : change.kind === 'members_added' ? change.userIds : [];
  const left = change.kind === 'member_removed' || change.kind === 'member_left' ? change.userId : null;
  return { joined, left };
}

/**
 * How far each member's watermarks move in the batch: the highest of each. Reads made with read
 * receipts off move `read` but leave `shared_read` behind.
 */
export function watermarkRows(receipts: ReceiptEvent[]): Record<InboxWatermark, WatermarkRow[]> {
  const reads = receipts.filter((r) => r.type === 'MessageRead');
  return {
    delivered: highestPerMember(receipts.filter((r) => r.type === 'MessageDelivered')),
    read: highestPerMember(reads),
    shared_read: highestPerMember(reads.filter((r) => r.data.shared !== false)),
  };
}

function highestPerMember(receipts: ReceiptEvent[]): WatermarkRow[] {
  const highest = new Map<string, WatermarkRow>();
  for (const { data: r } of receipts) {
    const key = memberKey(r.userId, r.conversationId);
    const previous = highest.get(key);
    if (!previous || previous.up_to < r.upToSeq) highest.set(key, { user_id: r.userId, conversation_id: r.conversationId, up_to: r.upToSeq, at: r.at });
  }
  return [...highest.values()];
}

const WATERMARK_COLUMNS: Record<InboxWatermark, { upTo: string; at: string | null }> = {
  delivered: { upTo: 'delivered_up_to', at: 'delivered_at' },
  read: { upTo: 'read_up_to', at: 'read_at' },
  shared_read: { upTo: 'shared_read_up_to', at: null },
};

/**
 * The inbox: a row per (member, conversation) with the last message and the member's receipt
 * watermarks. Every write only moves values forward (greatest seq wins), so replaying a batch
 * or splitting it differently gives the same rows.
 */
export class InboxProjection implements Projection {
  readonly name = 'inbox';
  readonly handles = ['MessageSent', 'MessageEdited', 'MessageDeleted', 'MessageExpired', 'DisappearingTimerSet', 'GroupChanged', 'MessageDelivered', 'MessageRead'] as const;

  async apply(db: EntityManager, events: HandledBy<InboxProjection>[]): Promise<void> {
    await this.applyMessages(db, lastMessageRows(events.filter((e) => e.type === 'MessageSent')));
    await this.applyLastMessageChanges(db, events.filter((e) => e.type === 'MessageEdited' || e.type === 'MessageDeleted' || e.type === 'MessageExpired'));
    await this.applyTimers(db, events.filter((e) => e.type === 'DisappearingTimerSet'));
    await this.applyGroupChanges(db, events.filter((e) => e.type === 'GroupChanged'));
    const watermarks = watermarkRows(events.filter((e) => e.type === 'MessageDelivered' || e.type === 'MessageRead'));
    for (const kind of ['delivered', 'read', 'shared_read'] as const) await this.applyWatermarks(db, watermarks[kind], kind);
  }

  private async applyMessages(db: EntityManager, latest: LastMessageRow[]): Promise<void> {
    if (latest.length === 0) return;
    const rows = unnestRows(
      [
        { name: 'user_id', type: 'text' }, { name: 'conversation_id', type: 'text' }, { name: 'type', type: 'text' },
        { name: 'peer_user_id', type: 'text' }, { name: 'last_seq', type: 'int' }, { name: 'last_message', type: 'jsonb' },
        { name: 'updated_at', type: 'timestamptz' },
      ],
      latest.map((row) => ({ ...row, last_message: JSON.stringify(row.last_message) })),
    );
    await db.query(
      `INSERT INTO conversation_members AS m (user_id, conversation_id, type, peer_user_id, last_seq, last_message, updated_at)
       ${rows.sql}
       ON CONFLICT (user_id, conversation_id) DO UPDATE SET
         last_seq = excluded.last_seq, last_message = excluded.last_message, updated_at = excluded.updated_at
       WHERE m.last_seq < excluded.last_seq`,
      rows.params,
    );
  }

  /** An edit or deletion of the message an inbox shows as the last one shows there too. */
  private async applyLastMessageChanges(db: EntityManager, changes: (MessageEdited | MessageDeleted | MessageExpired)[]): Promise<void> {
    for (const { type, data } of changes) {
      const change = type === 'MessageEdited' ? { body: data.body } : { body: null, erased: true };
      await db.query(
        `UPDATE conversation_members SET last_message = last_message || $3::jsonb
         WHERE conversation_id = $1 AND last_message->>'messageId' = $2`,
        [data.conversationId, data.messageId, JSON.stringify(change)],
      );
    }
  }

  /** The conversation's timer, kept apart from the members' rows: it holds before the first message, and for members who join later. */
  private async applyTimers(db: EntityManager, timers: DisappearingTimerSet[]): Promise<void> {
    for (const { data } of timers) {
      await db.query(
        `INSERT INTO disappearing_timers (conversation_id, seconds, set_by, set_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (conversation_id) DO UPDATE SET seconds = excluded.seconds, set_by = excluded.set_by, set_at = excluded.set_at`,
        [data.conversationId, data.seconds, data.by, data.at],
      );
    }
  }

  /**
   * A member who joins gets an inbox row (earlier messages are not theirs: the queries read
   * membership over time); one who leaves keeps the row, frozen at the leaving point. Joining
   * never moves receipt watermarks: those are the member's own acknowledgements.
   */
  private async applyGroupChanges(db: EntityManager, changes: GroupChanged[]): Promise<void> {
    for (const { data } of changes) {
      const { change, groupId, atSeq, at } = data;
      const { joined, left } = membershipMoves(change);
      if (joined.length > 0) {
        await db.query(
          `INSERT INTO conversation_members AS m
             (user_id, conversation_id, type, peer_user_id, last_seq, last_message, updated_at)
           SELECT unnest($1::text[]), $2, 'group', NULL, $3, NULL, $4
           ON CONFLICT (user_id, conversation_id) DO UPDATE SET
             visible_up_to = NULL, updated_at = GREATEST(m.updated_at, excluded.updated_at),
             last_seq = GREATEST(m.last_seq, excluded.last_seq)`,
          [joined, groupId, atSeq, at],
        );
      }
      if (left !== null) {
        await db.query('UPDATE conversation_members SET visible_up_to = $3 WHERE user_id = $1 AND conversation_id = $2', [left, groupId, atSeq]);
      }
    }
  }

  private async applyWatermarks(db: EntityManager, highest: WatermarkRow[], kind: InboxWatermark): Promise<void> {
    if (highest.length === 0) return;
    const rows = unnestRows(
      [{ name: 'user_id', type: 'text' }, { name: 'conversation_id', type: 'text' }, { name: 'up_to', type: 'int' }, { name: 'at', type: 'timestamptz' }],
      highest,
    );
    const { upTo, at } = WATERMARK_COLUMNS[kind];
    await db.query(
      `UPDATE conversation_members m SET ${upTo} = t.up_to${at ? `, ${at} = t.at` : ''}
       FROM (${rows.sql}) t
       WHERE m.user_id = t.user_id AND m.conversation_id = t.conversation_id AND m.${upTo} < t.up_to`,
      rows.params,
    );
  }
}
