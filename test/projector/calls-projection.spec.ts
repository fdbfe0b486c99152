import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import type { CallEvent } from '../../libs/domain/src/events.js';
import type { StoredEvent } from '../../libs/event-store/src/event-store.port.js';
import { CallsProjection } from '../../libs/projections/src/calls.projection.js';
import { createReadModelDataSource } from '../../libs/read-models/src/data-source.js';
import { createTestDatabase } from '../support/database.js';

/** The call-history projection on a real PostgreSQL, with batches shaped as the projector may cut them. */
describe('CallsProjection', () => {
  let db: DataSource;
  beforeAll(async () => {
    db = createReadModelDataSource(await createTestDatabase(), 2);
    await db.initialize();
    await db.runMigrations({ transaction: 'each' });
  });
  afterAll(() => db.destroy());

  const call = { callId: 'c1', conversationId: 'g1' };
  const at = (s: number) => new Date(Date.UTC(2026, 11, 2, 12, 0, s)).toISOString();
  const events: Exclude<CallEvent, { type: 'CallLeft' }>[] = [
    { type: 'CallStarted', data: { ...call, callerId: 'alice', callerDeviceId: 'ap', media: 'video', invitees: ['bob', 'carol', 'dan', 'erin'], busy: [], at: at(0) } },
    { type: 'CallAnswered', data: { ...call, userId: 'bob', deviceId: 'bp', at: at(1) } },
    { type: 'CallAnswered', data: { ...call, userId: 'carol', deviceId: 'cp', at: at(1) } },
    { type: 'CallDeclined', data: { ...call, userId: 'erin', at: at(2) } },
    {
      type: 'CallEnded',
      data: { ...call, callerId: 'alice', media: 'video', reason: 'completed', endedBy: 'bob', durationSeconds: 9, participants: ['alice', 'bob', 'carol'], audience: ['alice', 'bob', 'carol', 'dan', 'erin'], at: at(10) },
    },
  ];

  it('marks everyone who answered as joined when one batch holds several answers to one call; who declined a call others answered declined it', async () => {
    const stored = events.map((event, i): StoredEvent<(typeof events)[number]> => ({
      ...event, id: `e${i}`, streamId: 'conversation-g1', streamVersion: i + 1, globalPosition: BigInt(i + 1), metadata: {}, recordedAt: new Date(),
    }));
    await db.transaction((tx) => new CallsProjection().apply(tx, stored));
    const rows: { user_id: string; outcome: string }[] = await db.query('SELECT user_id, outcome FROM call_history WHERE call_id = $1 ORDER BY user_id', ['c1']);
    expect(rows).toEqual([
      { user_id: 'alice', outcome: 'completed' },
      { user_id: 'bob', outcome: 'completed' },
      { user_id: 'carol', outcome: 'completed' },
      { user_id: 'dan', outcome: 'missed' },
      { user_id: 'erin', outcome: 'declined' },
    ]);
  });
});
