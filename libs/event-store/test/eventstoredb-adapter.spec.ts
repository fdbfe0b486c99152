import { randomUUID } from 'node:crypto';
import { AccessDeniedError, NotLeaderError } from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../src/event-store.port.js';
import { EventStoreDbEventStore, SharedEsdbClients } from '../src/eventstoredb/eventstoredb-event-store.js';
import { AppendTooLargeError, PositionsUnknownError, SubscriptionDroppedError } from '../src/store-failures.js';
import { describeEventStoreConformance } from './event-store.conformance.js';
import { FakeEsdbClient, FakeEsdbServer } from './fake-esdb-client.js';

/**
 * The EventStoreDB adapter's own logic, driven through FakeEsdbClient / FakeEsdbServer: fakes of
 * the client and server, NOT EventStoreDB, failing the ways the real ones do as read in their
 * sources. The adapter against a real server: eventstoredb.conformance.spec.ts.
 */
function fakeStores() {
  const server = new FakeEsdbServer();
  const clients = new SharedEsdbClients(() => new FakeEsdbClient(server));
  return { server, open: () => new EventStoreDbEventStore('esdb://fake:2113?tls=false', clients) };
}

const event = (n: number) => ({ type: 'Tested', data: { n } });

// Every store of the suite stands for a process of its own against one (fake) server.
const conformanceServer = fakeStores();
describeEventStoreConformance('EventStoreDB adapter over FakeEsdbClient (a fake, not the server)', async () => conformanceServer.open());

/** What the client makes of the server's "not leader" answer (a gRPC error whose trailers name the leader). */
const notLeader = () =>
  new NotLeaderError({
    ...new Error('Leader info available'),
    code: 5,
    details: 'Leader info available',
    metadata: { getMap: (): Record<string, string> => ({ 'leader-endpoint-host': 'node2', 'leader-endpoint-port': '2113' }) },
  } as ConstructorParameters<typeof NotLeaderError>[0]);

describe('EventStoreDB adapter: the server drops a subscription', () => {
  function follow(store: EventStoreDbEventStore, after = 0n) {
    const seen: StoredEvent[] = [];
    const subscription = store.subscribeToAll({ after, handle: async (events) => void seen.push(...events) });
    return { seen, subscription };
  }

  for (const [what, drop] of [
    ['UNAVAILABLE (a restart, a keep-alive timeout)', (server: FakeEsdbServer) => server.dropSubscriptions()],
    ['NOT_LEADER (a leader change)', (server: FakeEsdbServer) => server.dropSubscriptions(notLeader())],
    ['the end of the stream without an error', (server: FakeEsdbServer) => server.endSubscriptions()],
  ] as const) {
    it(`${what}: done rejects with SubscriptionDroppedError naming the last position delivered`, async () => {
      const { server, open } = fakeStores();
      const store = open();
      const { positions } = await store.append(`s-${randomUUID()}`, [event(1), event(2)], 0);
      const { seen, subscription } = follow(store);
      await expect.poll(() => seen.length).toBe(2);
      drop(server);
      const error = await subscription.done.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SubscriptionDroppedError);
      expect((error as SubscriptionDroppedError).after).toBe(positions[1]);
      await store.close();
    });
  }

  it('a failure of the handler comes out as thrown, not as a drop', async () => {
    const { open } = fakeStores();
    const store = open();
    await store.append(`s-${randomUUID()}`, [event(1)], 0);
    const subscription = store.subscribeToAll({ after: 0n, handle: async () => { throw new Error('projection SQL failed'); } });
    const error = await subscription.done.catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(SubscriptionDroppedError);
    expect((error as Error).message).toBe('projection SQL failed');
    await store.close();
  });

  it('a refusal that resubscribing cannot cure (access denied) is not called a drop', async () => {
    const { server, open } = fakeStores();
    const store = open();
    const { subscription } = follow(store);
    server.dropSubscriptions(new AccessDeniedError());
    expect(await subscription.done.catch((e: unknown) => e)).toBeInstanceOf(AccessDeniedError);
    await store.close();
  });
});

describe('EventStoreDB adapter: positions of a multi-event append', () => {
  it('a failed read-back after the commit is retried: the append resolves with the right positions', async () => {
    const { server, open } = fakeStores();
    const store = open();
    const id = `s-${randomUUID()}`;
    await store.append(id, [event(0)], 0);
    server.failReads = 2;
    const result = await store.append(id, [event(1), event(2), event(3)], 1);
    expect(result.nextVersion).toBe(4);
    expect(result.positions).toEqual((await store.readStream(id, 1)).map((e) => e.globalPosition));
    await store.close();
  });

  it('a read-back that keeps failing rejects with PositionsUnknownError: written once, with its version, not a failure to retry', async () => {
    const { server, open } = fakeStores();
    const store = open();
    const id = `s-${randomUUID()}`;
    server.failReads = 100;
    const error = await store.append(id, [event(1), event(2)], 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PositionsUnknownError);
    expect((error as PositionsUnknownError).nextVersion).toBe(2);
    server.failReads = 0;
    expect((await store.readStream(id)).map((e) => e.data.n)).toEqual([1, 2]);
    await store.close();
  }, 10_000);
});

describe('EventStoreDB adapter: closing and limits', () => {
  it('closing one store does not fail the appends in flight on another store of the process', async () => {
    const { server, open } = fakeStores();
    const one = open();
    const two = open();
    server.holdAppends = true;
    const appending = two.append(`s-${randomUUID()}`, [event(1)], 0);
    await expect.poll(() => server.appendsWaiting).toBe(1);
    await one.close();
    server.releaseAppends();
    await expect(appending).resolves.toMatchObject({ nextVersion: 1 });
    await two.close();
  });

  it('close waits for the store\'s own appends in flight', async () => {
    const { server, open } = fakeStores();
    const store = open();
    server.holdAppends = true;
    const appending = store.append(`s-${randomUUID()}`, [event(1)], 0);
    await expect.poll(() => server.appendsWaiting).toBe(1);
    let closed = false;
    const closing = store.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(closed).toBe(false);
    server.releaseAppends();
    await expect(appending).resolves.toMatchObject({ nextVersion: 1 });
    await closing;
  });

  it('an append over the server\'s MaxAppendSize is refused as AppendTooLargeError naming the limit, and writes nothing', async () => {
    const { server, open } = fakeStores();
    const store = open();
    server.maxAppendSize = 1_024;
    const id = `s-${randomUUID()}`;
    const error = await store.append(id, [{ type: 'Big', data: { text: 'x'.repeat(2_000) } }], 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppendTooLargeError);
    expect((error as AppendTooLargeError).maxBytes).toBe(1_024);
    expect(await store.readStream(id)).toEqual([]);
    await store.close();
  });
});
