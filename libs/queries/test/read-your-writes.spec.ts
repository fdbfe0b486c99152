import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryEventStore } from '../../event-store/src/memory/in-memory-event-store.js';
import { Metrics } from '../../platform/src/metrics.js';
import { PROJECTED_CHANNEL, PROJECTED_POSITION_SQL } from '../../read-models/src/projection-progress.js';
import { ReadYourWritesFence } from '../src/read-your-writes.js';

/** The LISTEN connection without PostgreSQL (the two methods the fence uses): the test plays the projector's notifications and reconnects. */
class ScriptedNotifications {
  private readonly listeners = new Map<string, (payload: string) => void>();
  private readonly reconnectHandlers: (() => void)[] = [];
  async listen(channel: string, handler: (payload: string) => void): Promise<() => void> {
    this.listeners.set(channel, handler);
    return () => this.listeners.delete(channel);
  }
  onReconnect(handler: () => void): void {
    this.reconnectHandlers.push(handler);
  }
  announce(channel: string, payload: string): void {
    this.listeners.get(channel)?.(payload);
  }
  reconnect(): void {
    for (const handler of this.reconnectHandlers) handler();
  }
}

describe('ReadYourWritesFence', () => {
  const fences: ReadYourWritesFence[] = [];
  afterEach(() => fences.splice(0).forEach((fence) => fence.stop()));

  /** `checkpoints` is the projector's position as the read model's table says. */
  async function setUp(timeoutMs = 2_000) {
    const store = new InMemoryEventStore();
    const progress = { checkpoints: 0n, queries: 0 };
    const db = {
      query: async (sql: string) => {
        expect(sql).toBe(PROJECTED_POSITION_SQL);
        progress.queries++;
        return [{ position: progress.checkpoints.toString() }];
      },
    };
    const notifications = new ScriptedNotifications();
    const fence = new ReadYourWritesFence(db, store, new Metrics(), timeoutMs);
    fences.push(fence);
    await fence.start(notifications);
    const appendEvents = (n: number) => store.append('s', Array.from({ length: n }, () => ({ type: 'Tested', data: {} })), 'any');
    return { store, fence, notifications, progress, appendEvents };
  }
  const settled = () => new Promise((resolve) => setImmediate(resolve));

  it('holds a read until the projector announces the log head it saw, and answers with that head', async () => {
    const { fence, notifications, appendEvents } = await setUp();
    await appendEvents(3);
    let answered: bigint | undefined;
    const read = fence.readYourWrites().then((head) => (answered = head));

    notifications.announce(PROJECTED_CHANNEL, '2');
    notifications.announce(PROJECTED_CHANNEL, 'not a position');
    await settled();
    expect(answered).toBeUndefined();
    notifications.announce(PROJECTED_CHANNEL, '3');
    await read;
    expect(answered).toBe(3n);
  });

  it('re-reads the checkpoints after a reconnect: a read of a head they passed does not wait', async () => {
    // Shorter than the safety poll, so only the re-read can answer in time.
    const { store, fence, notifications, progress, appendEvents } = await setUp(100);
    await appendEvents(2);
    progress.checkpoints = 2n;
    notifications.reconnect();
    await settled();
    expect(await fence.readYourWrites()).toBe(await store.headPosition());
  });

  it('releases a waiter from the checkpoints when the notification was lost (the safety poll)', async () => {
    const { fence, progress, appendEvents } = await setUp();
    await appendEvents(1);
    const read = fence.readYourWrites();
    const queriesBefore = progress.queries;
    progress.checkpoints = 1n;
    await expect(read).resolves.toBe(1n);
    expect(progress.queries).toBeGreaterThan(queriesBefore);
  });

  it('answers 503-style unavailable when the projections stay behind past the timeout', async () => {
    const { fence, appendEvents } = await setUp(100);
    await appendEvents(1);
    await expect(fence.readYourWrites()).rejects.toMatchObject({ kind: 'unavailable', code: 'projections_behind' });
  });

  it('never moves back: a lower announcement after a higher one holds a read of the higher head', async () => {
    const { fence, notifications, appendEvents } = await setUp(100);
    await appendEvents(5);
    notifications.announce(PROJECTED_CHANNEL, '5');
    notifications.announce(PROJECTED_CHANNEL, '1');
    await expect(fence.reach(5n)).resolves.toBeUndefined();
    await expect(fence.reach(6n)).rejects.toMatchObject({ code: 'projections_behind' });
  });
});
