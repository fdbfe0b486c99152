import type { DataSource, EntityManager } from 'typeorm';
import { describe, expect, it } from 'vitest';
import type { EventStore } from '../../event-store/src/event-store.port.js';
import { FeedProjection } from '../src/feed.projection.js';
import { Projector } from '../src/projector.js';
import { connected, delivered, read, sent, stored } from './events.js';

/** Projects a batch through the feed projection alone, returning the rows its two statements write. */
async function feedRows(events: Parameters<typeof stored>[0]) {
  const writes = new Map<string, unknown[][]>();
  const tx = {
    query: async (sql: string, params: unknown[][] = []) => {
      const table = /^INSERT INTO (feed_events|feed_items)/.exec(sql)?.[1];
      if (table) writes.set(table, params);
      return [];
    },
  } as EntityManager;
  await new Projector({} as DataSource, {} as EventStore, [new FeedProjection()]).projectWithin(tx, stored(events), false);
  const columns = (table: string) => writes.get(table) ?? [];
  const rowsOf = (table: string) => (columns(table)[0] ?? []).map((_, row) => columns(table).map((column) => column[row]));
  return { events: rowsOf('feed_events'), items: rowsOf('feed_items') };
}

describe('feed projection', () => {
  it("stores a message's frame once and an item per recipient, the sender's marked own", async () => {
    const { events, items } = await feedRows([sent({ conversationId: 'g1', seq: 1, senderId: 'alice', recipientIds: ['bob', 'carol'], type: 'group' })]);
    expect(events).toHaveLength(1);
    const [position, frame, ownFrame] = events[0] as [string, string, string];
    expect(position).toBe('1');
    expect(JSON.parse(frame)).toMatchObject({ type: 'message', cursor: '1', message: { messageId: 'g1-1', status: null } });
    expect(JSON.parse(ownFrame)).toMatchObject({ type: 'message', cursor: '1', message: { messageId: 'g1-1', status: 'sent' } });
    expect(items).toEqual([
      ['alice', '1', true],
      ['bob', '1', false],
      ['carol', '1', false],
    ]);
  });

  it('a receipt goes to its audience; events no device is told of never reach the feed', async () => {
    const { events, items } = await feedRows([
      connected('bob', 'c1', 't1'),
      { type: 'AuditRead', data: { by: 'auditor' } },
      read('bob', 'd1', 3),
      delivered('bob', 'd1', 3),
    ]);
    expect(events.map(([position, , ownFrame]) => [position, ownFrame])).toEqual([
      ['3', null],
      ['4', null],
    ]);
    expect(items).toEqual([
      ['bob', '3', false],
      ['bob', '4', false],
    ]);
  });

  it('a batch with nothing for the feed writes nothing', async () => {
    const { events, items } = await feedRows([connected('bob', 'c1', 't1')]);
    expect(events).toEqual([]);
    expect(items).toEqual([]);
  });
});
