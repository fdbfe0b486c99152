import { loadConfig } from '../../libs/platform/src/config.js';
import { openEventStore, type OpenedEventStore } from '../../libs/platform/src/event-store-selection.js';
import { TEST_SECRETS } from './system.js';

/** The PostgreSQL event store on `databaseUrl`, composed as the apps compose it (sealing, upcasting). */
export function openTestEventStore(databaseUrl: string, connections = 5): Promise<OpenedEventStore> {
  return openEventStore(loadConfig({ LOG_LEVEL: 'error' }), databaseUrl, TEST_SECRETS.masterKey, { connections });
}
