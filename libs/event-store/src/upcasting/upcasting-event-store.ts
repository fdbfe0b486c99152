import type {
  AppendOptions,
  AppendResult,
  CatchUpSubscription,
  EventStore,
  EventToAppend,
  ExpectedVersion,
  StoredEvent,
  SubscribeOptions,
} from '../event-store.port.js';
import { SCHEMA_VERSION_KEY, schemaVersionOf, UpcasterRegistry } from './upcaster.js';

/**
 * Decorates any adapter: stamps the current schema version into each appended event's
 * metadata, and upcasts every event it reads (readStream, readAll, subscribeToAll) to the
 * current shape. Upcast events say so in `metadata.upcastFrom` (the stored version); the
 * stored rows are never rewritten.
 */
export class UpcastingEventStore implements EventStore {
  constructor(
    private readonly inner: EventStore,
    private readonly registry: UpcasterRegistry,
  ) {}

  append(streamId: string, events: EventToAppend[], expected: ExpectedVersion, options?: AppendOptions): Promise<AppendResult> {
    return this.inner.append(streamId, events.map((event) => this.stamp(event)), expected, options);
  }

  async readStream(streamId: string, afterVersion?: number): Promise<StoredEvent[]> {
    return (await this.inner.readStream(streamId, afterVersion)).map((event) => this.upcast(event));
  }

  async readAll(after: bigint, limit: number): Promise<StoredEvent[]> {
    return (await this.inner.readAll(after, limit)).map((event) => this.upcast(event));
  }

  headPosition(): Promise<bigint> {
    return this.inner.headPosition();
  }

  subscribeToAll(options: SubscribeOptions): CatchUpSubscription {
    return this.inner.subscribeToAll({ ...options, handle: (events) => options.handle(events.map((event) => this.upcast(event))) });
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private stamp(event: EventToAppend): EventToAppend {
    if (event.metadata && SCHEMA_VERSION_KEY in event.metadata) return event;
    return { ...event, metadata: { ...event.metadata, [SCHEMA_VERSION_KEY]: this.registry.currentVersion(event.type) } };
  }

  upcast(event: StoredEvent): StoredEvent {
    const stored = schemaVersionOf(event.metadata);
    const current = this.registry.currentVersion(event.type);
    if (stored === current && event.metadata?.[SCHEMA_VERSION_KEY] === current) return event;
    const { data, version } = this.registry.upcast(event.type, stored, event.data);
    const metadata: Record<string, unknown> = { ...event.metadata, [SCHEMA_VERSION_KEY]: version };
    if (stored !== version) metadata.upcastFrom = stored;
    return { ...event, data, metadata };
  }
}
