import type { Logger } from 'pino';
import type { EventStore, StoredEvent } from '../../event-store/src/event-store.port.js';
import { LogFollower } from '../../event-store/src/log-follower.js';
import type { Metrics } from '../../platform/src/metrics.js';
import { feedDeliveryOf, frameFor, isFeedEvent } from '../../protocol/src/feed-frames.js';

export interface FeedItem {
  position: bigint;
  /** The frame as sent, cursor included. */
  frame: string;
}

export interface FeedListener {
  deliver(item: FeedItem): void;
}

const RESUBSCRIBE_DELAY_MS = 1_000;

/**
 * Live delivery for this query-api instance: follows the event log itself (not the projections)
 * and hands each event's frames to the sockets of its recipients that are open here. A
 * projector that is paused, slow or rebuilding does not delay it. One subscription serves all
 * sockets; a socket registered now receives exactly the items after the last position handed out.
 */
export class EventLogTail {
  private last = 0n;
  private readonly listeners = new Map<string, Set<FeedListener>>();
  private follower?: LogFollower;

  constructor(
    private readonly store: EventStore,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.last = await this.store.headPosition();
    this.follower = new LogFollower(this.store, {
      resumeAfter: async () => this.last,
      maxBatchSize: 1_000,
      handle: async (events) => this.handle(events),
      retryDelayMs: () => RESUBSCRIBE_DELAY_MS,
      onRetry: (error) => this.logger.warn({ err: error, position: this.last.toString() }, 'event log subscription failed; resubscribing'),
    });
    this.follower.start();
  }

  /** Registers a listener; it receives every item after the returned position. */
  subscribe(userId: string, listener: FeedListener): { liveAfter: bigint; unsubscribe: () => void } {
    let set = this.listeners.get(userId);
    if (!set) this.listeners.set(userId, (set = new Set()));
    set.add(listener);
    return {
      liveAfter: this.last,
      unsubscribe: () => {
        set!.delete(listener);
        if (set!.size === 0) this.listeners.delete(userId);
      },
    };
  }

  async stop(): Promise<void> {
    await this.follower?.stop();
  }

  private handle(events: StoredEvent[]): void {
    const received = performance.now();
    const now = Date.now();
    for (const event of events) {
      this.last = event.globalPosition;
      if (!isFeedEvent(event)) continue;
      const delivery = feedDeliveryOf(event);
      this.metrics.observeStage('log_to_gateway', Math.max(0, now - event.recordedAt.getTime()));
      for (const recipient of delivery.recipients) {
        const listeners = this.listeners.get(recipient.userId);
        if (!listeners) continue;
        const item = { position: delivery.position, frame: frameFor(delivery, recipient.own) };
        for (const listener of listeners) {
          listener.deliver(item);
          this.metrics.observeStage('gateway_to_socket', performance.now() - received);
        }
      }
    }
  }
}
