import type { Logger } from 'pino';
import type { EventStore } from '../../event-store/src/event-store.port.js';
import { PostgresEventStore } from '../../event-store/src/postgres/postgres-event-store.js';
import { CoalescingPool } from '../../net/src/coalesced-writes.js';
import { isServerShutdown } from '../../net/src/pg-errors.js';
import { Config, ConfigError } from './config.js';
import { withUpcasting } from './event-upcasting.js';
import { withMigrationLock } from './migration-lock.js';
import type { Metrics } from './metrics.js';

export interface OpenedEventStore {
  /** Upcasting: every reader sees current event shapes; every append is stamped with its schema version. */
  store: EventStore;
  /** Closes the store, then its connections. */
  close(): Promise<void>;
}

/** The one place that picks the event-store adapter from the configuration (EVENT_STORE). */
export async function openEventStore(
  config: Config,
  databaseUrl: string,
  options: { connections: number; logger?: Logger; metrics?: Metrics },
): Promise<OpenedEventStore> {
  if (config.EVENT_STORE === 'eventstoredb') {
    if (!config.EVENTSTORE_CONNECTION_STRING) {
      throw new ConfigError('Invalid configuration:\n  EVENTSTORE_CONNECTION_STRING: required when EVENT_STORE=eventstoredb');
    }
    // Loaded only when chosen: the gRPC client is heavy and the embedded mode never needs it.
    const { EventStoreDbEventStore } = await import('../../event-store/src/eventstoredb/eventstoredb-event-store.js');
    const store = new EventStoreDbEventStore(config.EVENTSTORE_CONNECTION_STRING);
    return { store: withUpcasting(store), close: () => store.close() };
  }
  const { logger, metrics } = options;
  const pool = new CoalescingPool({ connectionString: databaseUrl, max: options.connections });
  // The error of an idle client carries the client itself: log what happened, not the connection's internals.
  pool.on('error', (error) =>
    isServerShutdown(error)
      ? logger?.debug('event store connection closed by the database shutting down')
      : logger?.warn({ code: (error as { code?: string }).code, reason: error.message }, 'idle event store connection failed'),
  );
  await withMigrationLock(databaseUrl, () => PostgresEventStore.migrate(pool));
  const store = new PostgresEventStore(pool, undefined, {
    onCommit: (waitedMs, commitMs) => {
      for (const ms of waitedMs) metrics?.observeStage('append_wait', ms);
      metrics?.observeStage('append_commit', commitMs);
    },
  });
  return {
    store: withUpcasting(store),
    close: async () => {
      try {
        await store.close();
      } finally {
        await pool.end();
      }
    },
  };
}
