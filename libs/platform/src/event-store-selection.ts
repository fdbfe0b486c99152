import pg from 'pg';
import type { Logger } from 'pino';
import { SEALED_EVENT_FIELDS } from '../../domain/src/sealed-fields.js';
import type { EventStore } from '../../event-store/src/event-store.port.js';
import { PostgresEventStore } from '../../event-store/src/postgres/postgres-event-store.js';
import { PostgresKeyVault } from '../../event-store/src/postgres/postgres-key-vault.js';
import { parseMasterKey } from '../../event-store/src/sealing/data-keys.js';
import type { KeyVault } from '../../event-store/src/sealing/key-vault.js';
import { DataKeys, SealingEventStore } from '../../event-store/src/sealing/sealing-event-store.js';
import { CoalescingPool } from '../../net/src/coalesced-writes.js';
import { isServerShutdown } from '../../net/src/pg-errors.js';
import { Config, ConfigError } from './config.js';
import { withUpcasting } from './event-upcasting.js';
import { withMigrationLock } from './migration-lock.js';
import type { Metrics } from './metrics.js';

export interface OpenedEventStore {
  /**
   * Upcasting: every reader sees current event shapes; every append is stamped with its schema
   * version. Sealing: message bodies are stored encrypted with a key per message.
   */
  store: EventStore;
  /** Erases messages by destroying their keys. */
  dataKeys: DataKeys;
  /** Where the data keys live (media objects keep theirs there too). */
  keyVault: KeyVault;
  /** Closes the store, then its connections. */
  close(): Promise<void>;
}

/**
 * The one place that picks the event-store adapter from the configuration (EVENT_STORE). The
 * key vault is always in PostgreSQL (`databaseUrl`): beside the events with the PostgreSQL
 * store, beside the read models with EventStoreDB.
 */
export async function openEventStore(
  config: Config,
  databaseUrl: string,
  masterKey: string,
  options: { connections: number; logger?: Logger; metrics?: Metrics },
): Promise<OpenedEventStore> {
  const { logger, metrics } = options;
  const sealed = (adapter: EventStore, vault: PostgresKeyVault, close: () => Promise<void>): OpenedEventStore => {
    const sealing = new SealingEventStore(adapter, vault, parseMasterKey(masterKey), SEALED_EVENT_FIELDS);
    return { store: withUpcasting(sealing), dataKeys: sealing, keyVault: vault, close };
  };
  if (config.EVENT_STORE === 'eventstoredb') {
    if (!config.EVENTSTORE_CONNECTION_STRING) {
      throw new ConfigError('Invalid configuration:\n  EVENTSTORE_CONNECTION_STRING: required when EVENT_STORE=eventstoredb');
    }
    // Loaded only when chosen: the gRPC client is heavy and the embedded mode never needs it.
    const { EventStoreDbEventStore } = await import('../../event-store/src/eventstoredb/eventstoredb-event-store.js');
    const store = new EventStoreDbEventStore(config.EVENTSTORE_CONNECTION_STRING);
    const vaultPool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    await withMigrationLock(databaseUrl, () => PostgresKeyVault.migrate(vaultPool));
    const vault = new PostgresKeyVault(vaultPool, false);
    return sealed(store, vault, async () => {
      try {
        await store.close();
      } finally {
        await vaultPool.end();
      }
    });
  }
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
  const vault = new PostgresKeyVault(pool, true);
  return sealed(store, vault, async () => {
    try {
      await store.close();
    } finally {
      await pool.end();
    }
  });
}
