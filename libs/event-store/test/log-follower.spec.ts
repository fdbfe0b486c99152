import { describe, expect, it } from 'vitest';
import type { EventStore, StoredEvent, SubscribeOptions } from '../src/event-store.port.js';
import { LogFollower } from '../src/log-follower.js';

const event = (position: number): StoredEvent => ({
  id: `e${position}`,
  streamId: 's',
  streamVersion: position,
  globalPosition: BigInt(position),
  type: 'Happened',
  data: {},
  metadata: {},
  recordedAt: new Date(0),
});

/** A log of `length` events whose subscriptions deliver one batch of everything after `after`, then wait to be stopped. */
function logOf(length: number) {
  const subscribedAfter: bigint[] = [];
  const store: Pick<EventStore, 'subscribeToAll'> = {
    subscribeToAll(options: SubscribeOptions) {
      subscribedAfter.push(options.after);
      let stop = () => {};
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      const events = Array.from({ length }, (_, i) => event(i + 1)).filter((e) => e.globalPosition > options.after);
      const done = (async () => {
        if (events.length > 0) await options.handle(events);
        await stopped;
      })();
      return { done, stop: async () => (stop(), done.catch(() => undefined)) };
    },
  };
  return { store, subscribedAfter };
}

describe('LogFollower', () => {
  it('after a failure, resumes from the checkpoint as it then is, and counts attempts from 1 again after a handled batch', async () => {
    const { store, subscribedAfter } = logOf(3);
    let checkpoint = 0n;
    let failNext = true;
    const attempts: number[] = [];
    const handled = new Promise<void>((resolve) => {
      const follower = new LogFollower(store, {
        resumeAfter: async () => checkpoint,
        maxBatchSize: 10,
        handle: async (events) => {
          checkpoint = events[0].globalPosition; // only the first event "commits" before the failure
          if (failNext) {
            failNext = false;
            throw new Error('broker away');
          }
          checkpoint = events[events.length - 1].globalPosition;
          resolve();
          void follower.stop();
        },
        retryDelayMs: (attempt) => (attempts.push(attempt), 0),
      });
      follower.start();
    });
    await handled;
    expect(subscribedAfter).toEqual([0n, 1n]);
    expect(attempts).toEqual([1]);
    expect(checkpoint).toBe(3n);
  });

  it('gives up when the retry policy says so: done rejects with the failure', async () => {
    const { store } = logOf(1);
    const follower = new LogFollower(store, {
      resumeAfter: async () => 0n,
      maxBatchSize: 10,
      handle: async () => {
        throw new Error('projection SQL failed');
      },
      retryDelayMs: () => undefined,
    });
    follower.start();
    await expect(follower.done).rejects.toThrow('projection SQL failed');
  });

  it('stopped while reading the checkpoint, never subscribes, and done resolves', async () => {
    const { store, subscribedAfter } = logOf(1);
    let release = (_: bigint) => {};
    const follower = new LogFollower(store, {
      resumeAfter: () => new Promise<bigint>((resolve) => (release = resolve)),
      maxBatchSize: 10,
      handle: async () => {},
      retryDelayMs: () => 0,
    });
    follower.start();
    const stopped = follower.stop();
    release(0n);
    await stopped;
    await follower.done;
    expect(subscribedAfter).toEqual([]);
  });

  it('stopped while waiting to retry, stops at once', async () => {
    const { store, subscribedAfter } = logOf(1);
    let failures = 0;
    const follower = new LogFollower(store, {
      resumeAfter: async () => {
        failures++;
        throw new Error('database restarting');
      },
      maxBatchSize: 10,
      handle: async () => {},
      retryDelayMs: () => 3_600_000,
    });
    follower.start();
    await expect.poll(() => failures).toBe(1);
    await follower.stop();
    expect(failures).toBe(1);
    expect(subscribedAfter).toEqual([]);
  });
});
