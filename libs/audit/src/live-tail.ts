import type { ServerResponse } from 'node:http';
import type { EventStore, StoredEvent } from '../../event-store/src/event-store.port.js';
import { drainedOrClosed } from '../../net/src/drained.js';
import { matches, ReplayFilter } from './replay.js';

export interface TailOptions {
  /** Events after this position. */
  after: bigint;
  filter: ReplayFilter;
  /** Which events may be sent at all (besides the filter). */
  include?: (event: StoredEvent) => boolean;
  /** The JSON sent as the event's `data`. */
  render: (event: StoredEvent) => unknown;
}

/**
 * Server-sent events that follow the log: one catch-up subscription per connection, from a
 * cursor, then live. Each event is `id: <position>` + `data: <json>`; a batch whose last
 * events were filtered out ends with a bare `id:` line, which moves the client's
 * Last-Event-ID without an event, so a reconnect does not scan them again. Slow readers
 * hold back their own subscription (backpressure), nobody else's.
 */
export class LiveTail {
  private readonly open = new Set<() => Promise<void>>();

  constructor(
    private readonly store: EventStore,
    private readonly heartbeatMs = 15_000,
  ) {}

  get connections(): number {
    return this.open.size;
  }

  serve(res: ServerResponse, options: TailOptions): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.write(`retry: 2000\n: following the event log after ${options.after}\n\n`);
    let closed = false;
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), this.heartbeatMs);
    const subscription = this.store.subscribeToAll({
      after: options.after,
      maxBatchSize: 500,
      handle: async (events: StoredEvent[]) => {
        if (closed) return;
        let chunk = '';
        let lastSent: bigint | undefined;
        for (const event of events) {
          if (!matches(event, options.filter) || (options.include && !options.include(event))) continue;
          chunk += `id: ${event.globalPosition}\ndata: ${JSON.stringify(options.render(event))}\n\n`;
          lastSent = event.globalPosition;
        }
        const last = events[events.length - 1].globalPosition;
        if (lastSent !== last) chunk += `id: ${last}\n\n`;
        if (!res.write(chunk)) await drainedOrClosed(res);
      },
    });
    const close = async () => {
      if (closed) return;
      closed = true;
      this.open.delete(close);
      clearInterval(heartbeat);
      await subscription.stop();
      if (!res.writableEnded) res.end();
    };
    this.open.add(close);
    res.on('close', () => void close());
    subscription.done.catch(() => {
      // The store failed: end the stream; the client reconnects with its Last-Event-ID.
      void close();
    });
  }

  /** Ends every open tail (shutdown: the HTTP server waits for open responses). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.open].map((close) => close()));
  }
}
