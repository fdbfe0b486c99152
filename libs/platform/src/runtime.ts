import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { Clock, systemClock } from '../../domain/src/clock.js';
import type { EventStore } from '../../event-store/src/event-store.port.js';
import { createReadModelDataSource } from '../../read-models/src/data-source.js';
import { isConnectionLoss } from '../../net/src/pg-errors.js';
import type { DataKeys } from '../../event-store/src/sealing/sealing-event-store.js';
import { KEYS_DESTROYED_CHANNEL, type KeyVault } from '../../event-store/src/sealing/key-vault.js';
import type { Config, ProcessSecrets } from './config.js';
import { openEventStore } from './event-store-selection.js';
import { withMigrationLock } from './migration-lock.js';
import { Metrics } from './metrics.js';
import { PgNotifications } from './pg-notifications.js';

/** What every app needs, connected and migrated, before Nest builds its modules. */
export interface Runtime {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  /** PostgreSQL of the read models (and of the events with the PostgreSQL event store). */
  databaseUrl: string;
  readModels: DataSource;
  eventStore: EventStore;
  /** This process's LISTEN connection (feed progress, presence, typing, revocations). */
  notifications: PgNotifications;
  secrets: ProcessSecrets;
  /** Erases sealed items by destroying their data keys. */
  dataKeys: DataKeys;
  /** The vault of data keys (media objects keep theirs there too). */
  keyVault: KeyVault;
  /** The time of every handler and socket (tests move it by hand). */
  clock: Clock;
  close(): Promise<void>;
}

export async function connectRuntime(options: {
  config: Config;
  logger: Logger;
  databaseUrl: string;
  secrets: ProcessSecrets;
  clock?: Clock;
}): Promise<Runtime> {
  const { config, logger, databaseUrl } = options;
  const metrics = new Metrics(config.METRICS_PREFIX);
  const readModels = createReadModelDataSource(databaseUrl);
  await readModels.initialize();
  await withMigrationLock(databaseUrl, () => readModels.runMigrations({ transaction: 'each' }));

  const eventStore = await openEventStore(config, databaseUrl, options.secrets.masterKey, { connections: 10, logger, metrics });
  logger.info({ eventStore: config.EVENT_STORE }, 'event store and read models ready');
  const notifications = new PgNotifications(databaseUrl, logger);
  // A key destroyed by another process: this one must stop opening what it sealed at once.
  await notifications.listen(KEYS_DESTROYED_CHANNEL, (ids) => eventStore.dataKeys.forget(ids.split(',')));

  return {
    config,
    logger,
    metrics,
    databaseUrl,
    readModels,
    eventStore: eventStore.store,
    dataKeys: eventStore.dataKeys,
    keyVault: eventStore.keyVault,
    notifications,
    secrets: options.secrets,
    clock: options.clock ?? systemClock,
    // Closing connections to a database that is already gone (it got Ctrl-C too) is not a failure.
    close: async () => {
      const unlessGone = (error: unknown) => {
        if (!isConnectionLoss(error)) throw error;
      };
      await notifications.close().catch(unlessGone);
      await eventStore.close().catch(unlessGone);
      await readModels.destroy().catch(unlessGone);
    },
  };
}
