import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../src/event-store.port.js';
import { EventStoreDbEventStore } from '../src/eventstoredb/eventstoredb-event-store.js';
import { LogFollower } from '../src/log-follower.js';
import { SubscriptionDroppedError } from '../src/store-failures.js';
import { FakeEsdbGrpcServer } from './fake-esdb-grpc-server.js';

/**
 * The adapter with the real @eventstore/db-client, against FakeEsdbGrpcServer: a fake gRPC
 * server, NOT EventStoreDB, that speaks just enough of its protocol (fake-esdb-grpc-server.ts).
 * This runs the client's own code paths the adapter's fixes depend on, which the in-memory
 * FakeEsdbClient only imitates.
 */
let server: FakeEsdbGrpcServer;
let connectionString: string;

beforeAll(async () => {
  server = new FakeEsdbGrpcServer();
  connectionString = await server.start();
});

afterAll(async () => {
  await server?.stop();
});

const event = (n: number) => ({ type: 'Tested', data: { n } });

describe('EventStoreDB adapter with the real client, against a fake gRPC server', () => {
  it('the client as it is: disposing one client fails the batch appends in flight on another (why stores share one)', async () => {
    const one = EventStoreDBClient.connectionString(connectionString);
    const two = EventStoreDBClient.connectionString(connectionString);
    await one.appendToStream(`raw-${randomUUID()}`, jsonEvent({ type: 'Tested', data: {} }));
    await two.appendToStream(`raw-${randomUUID()}`, jsonEvent({ type: 'Tested', data: {} }));
    server.holdAppends = true;
    const appending = two.appendToStream(`raw-${randomUUID()}`, jsonEvent({ type: 'Tested', data: {} }));
    await expect.poll(() => server.appendsWaiting).toBe(1);
    await one.dispose();
    server.releaseAppends();
    await expect(appending).rejects.toThrow();
    await two.dispose();
  });

  it('closing one store does not fail the appends in flight on another store of the process', async () => {
    const one = new EventStoreDbEventStore(connectionString);
    const two = new EventStoreDbEventStore(connectionString);
    await one.append(`s-${randomUUID()}`, [event(1)], 'any');
    await two.append(`s-${randomUUID()}`, [event(2)], 'any');
    server.holdAppends = true;
    const appending = two.append(`s-${randomUUID()}`, [event(3)], 'any');
    await expect.poll(() => server.appendsWaiting).toBe(1);
    await one.close();
    server.releaseAppends();
    await expect(appending).resolves.toMatchObject({ nextVersion: 1 });
    await two.close();
  });

  it('a subscription the server drops (UNAVAILABLE) fails as SubscriptionDroppedError, and a LogFollower resumes after the last handled event', async () => {
    const store = new EventStoreDbEventStore(connectionString);
    const stream = `followed-${randomUUID()}`;
    const seen: StoredEvent[] = [];
    const errors: unknown[] = [];
    const start = (await store.append(`s-${randomUUID()}`, [event(0)], 'any')).positions[0];
    const follower = new LogFollower(store, {
      resumeAfter: async () => seen[seen.length - 1]?.globalPosition ?? start,
      maxBatchSize: 100,
      handle: async (events) => void seen.push(...events.filter((e) => e.streamId === stream)),
      retryDelayMs: (_, error) => (errors.push(error), 50),
    });
    follower.start();
    try {
      await expect.poll(() => server.subscribers).toBe(1);
      await store.append(stream, [event(1)], 'any');
      await expect.poll(() => seen.length).toBe(1);
      server.dropSubscriptions();
      await expect.poll(() => errors.length).toBe(1);
      expect(errors[0]).toBeInstanceOf(SubscriptionDroppedError);
      await expect.poll(() => server.subscribers, { timeout: 5_000 }).toBe(1);
      await store.append(stream, [event(2)], 'any');
      await expect.poll(() => seen.map((e) => e.data.n)).toEqual([1, 2]);
    } finally {
      await follower.stop();
      await store.close();
    }
  });
});
