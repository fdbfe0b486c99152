import type { DataSource, EntityManager } from 'typeorm';
import { describe, expect, it } from 'vitest';
import type { DomainEvent, DomainEventType } from '../../domain/src/events.js';
import type { EventStore, StoredEvent } from '../../event-store/src/event-store.port.js';
import type { ProjectionName } from '../../read-models/src/tables.js';
import type { Projection } from '../src/projection.js';
import { Projector } from '../src/projector.js';
import { connected, delivered, sent, stored } from './events.js';

/** Records what the projector gives it. */
class Recording implements Projection {
  readonly given: bigint[][] = [];
  constructor(
    readonly name: ProjectionName,
    readonly handles: readonly DomainEventType[],
  ) {}

  async apply(_db: EntityManager, events: StoredEvent<DomainEvent>[]): Promise<void> {
    this.given.push(events.map((e) => e.globalPosition));
  }
}

/** A transaction that answers the checkpoint query and records the checkpoint update; nothing else runs SQL here. */
function transaction(checkpoints: Record<string, bigint>) {
  const advanced: { names: string[]; to: string }[] = [];
  const tx = {
    query: async (sql: string, params: unknown[] = []) => {
      if (sql.startsWith('SELECT projection, position')) {
        return Object.entries(checkpoints).map(([projection, position]) => ({ projection, position: position.toString() }));
      }
      if (sql.startsWith('UPDATE projection_checkpoints')) advanced.push({ names: params[0] as string[], to: params[1] as string });
      return [];
    },
  } as EntityManager;
  return { tx, advanced };
}

const batch = stored([
  sent({ conversationId: 'd1', seq: 1, senderId: 'alice', recipientIds: ['bob'] }),
  { type: 'AuditRead', data: { by: 'auditor' } },
  delivered('bob', 'd1', 1),
  connected('bob', 'c1', 't1'),
  sent({ conversationId: 'd1', seq: 2, senderId: 'bob', recipientIds: ['alice'] }),
]);

const projectorOf = (projections: Projection[]) => new Projector({} as DataSource, {} as EventStore, projections);

describe('projector', () => {
  it('gives each projection only the events of the types it handles, in log order', async () => {
    const messages = new Recording('messages', ['MessageSent']);
    const receipts = new Recording('receipts', ['MessageDelivered', 'MessageRead']);
    const { tx } = transaction({});
    await projectorOf([messages, receipts]).projectWithin(tx, batch, false);
    expect(messages.given).toEqual([[1n, 5n]]);
    expect(receipts.given).toEqual([[3n]]);
  });

  it('moves the checkpoint of a projection that reads none of the batch, without calling it', async () => {
    const groups = new Recording('groups', ['GroupChanged']);
    const messages = new Recording('messages', ['MessageSent']);
    const { tx, advanced } = transaction({});
    await projectorOf([groups, messages]).projectWithin(tx, batch, false);
    expect(groups.given).toEqual([]);
    expect(advanced).toEqual([{ names: ['groups', 'messages'], to: '5' }]);
  });

  it('gives a projection nothing at or below its checkpoint', async () => {
    const messages = new Recording('messages', ['MessageSent']);
    const presence = new Recording('last-seen', ['DeviceConnected', 'DeviceDisconnected']);
    const { tx, advanced } = transaction({ messages: 1n, 'last-seen': 5n });
    await projectorOf([messages, presence]).projectWithin(tx, batch, false);
    expect(messages.given).toEqual([[5n]]);
    expect(presence.given).toEqual([]);
    expect(advanced).toEqual([{ names: ['messages'], to: '5' }]);
  });
});
