import { EVENT_SCHEMA_VERSIONS, EVENT_UPCASTERS } from '../../domain/src/event-schemas.js';
import type { EventStore } from '../../event-store/src/event-store.port.js';
import { UpcasterRegistry } from '../../event-store/src/upcasting/upcaster.js';
import { UpcastingEventStore } from '../../event-store/src/upcasting/upcasting-event-store.js';

export const eventUpcasters = () => new UpcasterRegistry(EVENT_SCHEMA_VERSIONS, EVENT_UPCASTERS);

/** Wraps an adapter so every read gives current shapes and every append is stamped with its schema version. */
export function withUpcasting(store: EventStore): EventStore {
  return store instanceof UpcastingEventStore ? store : new UpcastingEventStore(store, eventUpcasters());
}
