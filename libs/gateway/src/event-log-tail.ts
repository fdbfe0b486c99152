import type { Logger } from 'pino';
import type { CatchUpSubscription, EventStore, StoredEvent } from '../../event-store/src/event-store.port.js';
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
  private subscription?: CatchUpSubscription;
  private stopped = false;

  constructor(
    private readonly store: EventStore,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.last = await this.store.headPosition();
    this.follow();
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
    this.stopped = true;
    await this.subscription?.stop();
  }

  private follow(): void {
    this.subscription = this.store.subscribeToAll({ after: this.last, maxBatchSize: 1_000, handle: async (events) => this.handle(events) });
    this.subscription.done.then(
      () => undefined,
      (error) => {
        if (this.stopped) return;
        this.logger.warn({ err: error, position: this.last.toString() }, 'event log subscription failed; resubscribing');
        setTimeout(() => this.stopped || this.follow(), RESUBSCRIBE_DELAY_MS).unref();
      },
    );
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
