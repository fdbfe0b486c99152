import type { EntityManager } from 'typeorm';
import type { CallEnded, CallStarted } from '../../domain/src/events.js';
import { Column, HandledBy, Projection, unnestRows } from './projection.js';

interface StartedRow {
  call_id: string;
  user_id: string;
  conversation_id: string;
  caller_id: string;
  media: string;
  direction: 'outgoing' | 'incoming';
  joined: boolean;
  started_at: string;
}

function startedRows({ data }: CallStarted): StartedRow[] {
  const call = { call_id: data.callId, conversation_id: data.conversationId, caller_id: data.callerId, media: data.media, started_at: data.at };
  return [
    { ...call, user_id: data.callerId, direction: 'outgoing', joined: true },
    ...data.invitees.map((userId): StartedRow => ({ ...call, user_id: userId, direction: 'incoming', joined: false })),
  ];
}

const endedRow = ({ data }: CallEnded) => ({ call_id: data.callId, reason: data.reason, at: data.at, duration_seconds: data.durationSeconds });

/**
 * Call history, one row per call and person: its direction for them, whether they joined, and
 * how it ended for them (a call answered by others is missed by whoever did not join). Each
 * call's events come in one order (started, answered or declined, ended), so a batch is written with
 * one statement per event type, in that order, whatever its boundaries.
 */
export class CallsProjection implements Projection {
  readonly name = 'calls';
  readonly handles = ['CallStarted', 'CallAnswered', 'CallDeclined', 'CallEnded'] as const;

  async apply(db: EntityManager, events: HandledBy<CallsProjection>[]): Promise<void> {
    const of = <T extends HandledBy<CallsProjection>['type']>(type: T) => events.filter((e): e is Extract<HandledBy<CallsProjection>, { type: T }> => e.type === type);
    const call = { name: 'call_id', type: 'text' } as const;
    const user = { name: 'user_id', type: 'text' } as const;
    /** Runs `sql` on the rows of the batch, when it has any. */
    const write = async <Row>(columns: Column<Row>[], rows: Row[], sql: (from: string) => string) => {
      if (rows.length === 0) return;
      const unnested = unnestRows(columns, rows);
      await db.query(sql(`(${unnested.sql})`), unnested.params);
    };
    await write(
      [
        call, user, { name: 'conversation_id', type: 'text' }, { name: 'caller_id', type: 'text' },
        { name: 'media', type: 'text' }, { name: 'direction', type: 'text' }, { name: 'joined', type: 'boolean' }, { name: 'started_at', type: 'timestamptz' },
      ],
      of('CallStarted').flatMap(startedRows),
      (rows) => `INSERT INTO call_history (call_id, user_id, conversation_id, caller_id, media, direction, joined, started_at, status)
                 SELECT *, 'ringing' FROM ${rows} AS s ON CONFLICT DO NOTHING`,
    );
    // Grouped per call: UPDATE … FROM takes one joined row per target row, and a batch may hold several answers to one call.
    await write(
      [call, user],
      of('CallAnswered').map(({ data }) => ({ call_id: data.callId, user_id: data.userId })),
      (rows) => `UPDATE call_history h SET status = 'active', joined = h.joined OR h.user_id = ANY(a.user_ids)
                 FROM (SELECT call_id, array_agg(user_id) AS user_ids FROM ${rows} AS answers GROUP BY call_id) AS a
                 WHERE h.call_id = a.call_id AND h.status <> 'ended'`,
    );
    await write(
      [call, user],
      of('CallDeclined').map(({ data }) => ({ call_id: data.callId, user_id: data.userId })),
      (rows) => `UPDATE call_history h SET declined = true FROM ${rows} AS d WHERE h.call_id = d.call_id AND h.user_id = d.user_id`,
    );
    await write(
      [call, { name: 'reason', type: 'text' }, { name: 'at', type: 'timestamptz' }, { name: 'duration_seconds', type: 'int' }],
      of('CallEnded').map(endedRow),
      (rows) => `UPDATE call_history h SET status = 'ended', ended_at = e.at, duration_seconds = e.duration_seconds,
                   outcome = CASE WHEN h.joined THEN e.reason WHEN h.declined THEN 'declined' WHEN e.reason = 'completed' THEN 'missed' ELSE e.reason END
                 FROM ${rows} AS e WHERE h.call_id = e.call_id`,
    );
  }
}
