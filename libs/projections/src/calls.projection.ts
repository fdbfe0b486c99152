import type { EntityManager } from 'typeorm';
import type { CallEnded, CallStarted } from '../../domain/src/events.js';
import { HandledBy, Projection, unnestRows } from './projection.js';

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
 * call's events come in one order (started, answered or declined, left, ended), so a batch is written with
 * one statement per event type, in that order, whatever its boundaries.
 */
export class CallsProjection implements Projection {
  readonly name = 'calls';
  readonly handles = ['CallStarted', 'CallAnswered', 'CallDeclined', 'CallLeft', 'CallEnded'] as const;

  async apply(db: EntityManager, events: HandledBy<CallsProjection>[]): Promise<void> {
    const of = <T extends HandledBy<CallsProjection>['type']>(type: T) => events.filter((e): e is Extract<HandledBy<CallsProjection>, { type: T }> => e.type === type);
    const started = unnestRows(
      [
        { name: 'call_id', type: 'text' }, { name: 'user_id', type: 'text' }, { name: 'conversation_id', type: 'text' }, { name: 'caller_id', type: 'text' },
        { name: 'media', type: 'text' }, { name: 'direction', type: 'text' }, { name: 'joined', type: 'boolean' }, { name: 'started_at', type: 'timestamptz' },
      ],
      of('CallStarted').flatMap(startedRows),
    );
    await db.query(
      `INSERT INTO call_history (call_id, user_id, conversation_id, caller_id, media, direction, joined, started_at, status)
       SELECT *, 'ringing' FROM (${started.sql}) AS s ON CONFLICT DO NOTHING`,
      started.params,
    );
    const answered = unnestRows([{ name: 'call_id', type: 'text' }, { name: 'user_id', type: 'text' }], of('CallAnswered').map(({ data }) => ({ call_id: data.callId, user_id: data.userId })));
    // Grouped per call: UPDATE … FROM takes one joined row per target row, and a batch may hold several answers to one call.
    await db.query(
      `UPDATE call_history h SET status = 'active', joined = h.joined OR h.user_id = ANY(a.user_ids)
       FROM (SELECT call_id, array_agg(user_id) AS user_ids FROM (${answered.sql}) AS answers GROUP BY call_id) AS a
       WHERE h.call_id = a.call_id AND h.status <> 'ended'`,
      answered.params,
    );
    const declined = unnestRows(
      [{ name: 'call_id', type: 'text' }, { name: 'user_id', type: 'text' }],
      of('CallDeclined').map(({ data }) => ({ call_id: data.callId, user_id: data.userId })),
    );
    await db.query(`UPDATE call_history h SET declined = true FROM (${declined.sql}) AS d WHERE h.call_id = d.call_id AND h.user_id = d.user_id`, declined.params);
    const left = unnestRows(
      [{ name: 'call_id', type: 'text' }, { name: 'user_id', type: 'text' }, { name: 'at', type: 'timestamptz' }],
      of('CallLeft').map(({ data }) => ({ call_id: data.callId, user_id: data.userId, at: data.at })),
    );
    await db.query(`UPDATE call_history h SET left_at = l.at FROM (${left.sql}) AS l WHERE h.call_id = l.call_id AND h.user_id = l.user_id`, left.params);
    const ended = unnestRows(
      [{ name: 'call_id', type: 'text' }, { name: 'reason', type: 'text' }, { name: 'at', type: 'timestamptz' }, { name: 'duration_seconds', type: 'int' }],
      of('CallEnded').map(endedRow),
    );
    await db.query(
      `UPDATE call_history h SET status = 'ended', ended_at = e.at, duration_seconds = e.duration_seconds,
         outcome = CASE WHEN h.joined THEN e.reason WHEN h.declined THEN 'declined' WHEN e.reason = 'completed' THEN 'missed' ELSE e.reason END
       FROM (${ended.sql}) AS e WHERE h.call_id = e.call_id`,
      ended.params,
    );
  }
}
