import pg from 'pg';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { Clock, systemClock } from '../../domain/src/clock.js';
import type { EventStore } from '../../event-store/src/event-store.port.js';
import { PostgresEventStore } from '../../event-store/src/postgres/postgres-event-store.js';
import { createReadModelDataSource } from '../../read-models/src/data-source.js';
import { DeviceRevocations } from '../../auth/src/device-revocations.js';
import { Config, ConfigError } from './config.js';
import { withUpcasting } from './event-upcasting.js';
import { CoalescingPool } from '../../net/src/coalesced-writes.js';
import { isConnectionLoss, isServerShutdown } from '../../net/src/pg-errors.js';
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
  /** This process's LISTEN connection (feed, presence, typing, revocations). */
  notifications: PgNotifications;
  revocations: DeviceRevocations;
  secrets: { jwtSecret: string; idSecret: string };
  /** The time of every handler and socket (tests move it by hand). */
  clock: Clock;
  close(): Promise<void>;
}

export async function connectRuntime(options: {
  config: Config;
  logger: Logger;
  databaseUrl: string;
  secrets: { jwtSecret: string; idSecret: string };
  clock?: Clock;
}): Promise<Runtime> {
  const { config, logger, databaseUrl } = options;
  const metrics = new Metrics(config.METRICS_PREFIX);
  const readModels = createReadModelDataSource(databaseUrl);
  await readModels.initialize();
  await withMigrationLock(databaseUrl, () => readModels.runMigrations({ transaction: 'each' }));

  let eventStore: EventStore;
  let eventPool: pg.Pool | undefined;
  if (config.EVENT_STORE === 'eventstoredb') {
    if (!config.EVENTSTORE_CONNECTION_STRING) {
      throw new ConfigError('Invalid configuration:\n  EVENTSTORE_CONNECTION_STRING: required when EVENT_STORE=eventstoredb');
    }
    // Loaded only when chosen: the gRPC client is heavy and the embedded mode never needs it.
    const { EventStoreDbEventStore } = await import('../../event-store/src/eventstoredb/eventstoredb-event-store.js');
    eventStore = new EventStoreDbEventStore(config.EVENTSTORE_CONNECTION_STRING);
  } else {
    eventPool = new CoalescingPool({ connectionString: databaseUrl, max: 10 });
    // The error of an idle client carries the client itself: log what happened, not the connection's internals.
    eventPool.on('error', (error) =>
      isServerShutdown(error)
        ? logger.debug('event store connection closed by the database shutting down')
        : logger.warn({ code: (error as { code?: string }).code, reason: error.message }, 'idle event store connection failed'),
    );
    await withMigrationLock(databaseUrl, () => PostgresEventStore.migrate(eventPool!));
    eventStore = new PostgresEventStore(eventPool, undefined, {
      onCommit: (waitedMs, commitMs) => {
        for (const ms of waitedMs) metrics.observeStage('append_wait', ms);
        metrics.observeStage('append_commit', commitMs);
      },
    });
  }
  // Every reader sees current event shapes; every append is stamped with its schema version.
  eventStore = withUpcasting(eventStore);
  logger.info({ eventStore: config.EVENT_STORE }, 'event store and read models ready');
  const notifications = new PgNotifications(databaseUrl, logger);
  const revocations = new DeviceRevocations(readModels);
  await revocations.start(notifications);

  return {
    config,
    logger,
    metrics,
    databaseUrl,
    readModels,
    eventStore,
    notifications,
    revocations,
    secrets: options.secrets,
    clock: options.clock ?? systemClock,
    // Closing connections to a database that is already gone (it got Ctrl-C too) is not a failure.
    close: async () => {
      const unlessGone = (error: unknown) => {
        if (!isConnectionLoss(error)) throw error;
      };
      await notifications.close().catch(unlessGone);
      await eventStore.close().catch(unlessGone);
      await eventPool?.end().catch(unlessGone);
      await readModels.destroy().catch(unlessGone);
    },
  };
}

/** Replicas start together; one at a time may change the schema. */
async function withMigrationLock<T>(databaseUrl: string, migrate: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(7310442002)');
    return await migrate();
  } finally {
    await client.end();
  }
}
