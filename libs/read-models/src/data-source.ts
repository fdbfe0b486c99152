import { DataSource } from 'typeorm';
import { coalescingPg } from '../../net/src/coalesced-writes.js';
import { InitialReadModels1764000000000 } from './migrations/1764000000000-initial-read-models.js';
import { AnalyticsCheckpoints1765000000000 } from './migrations/1765000000000-analytics-checkpoints.js';
import { FeedFramesAsText1766000000000 } from './migrations/1766000000000-feed-frames-as-text.js';
import { GroupAddPrivacy1766000000001 } from './migrations/1766000000001-group-add-privacy.js';
import { People1764000000001 } from './migrations/1764000000001-people.js';
import { MessageLifecycle1767000000000 } from './migrations/1767000000000-message-lifecycle.js';
import { Disappearing1767000000003 } from './migrations/1767000000003-disappearing.js';
import { ReactionsStars1767000000001 } from './migrations/1767000000001-reactions-stars.js';
import { Forwards1767000000002 } from './migrations/1767000000002-forwards.js';
import { Media1768000000000 } from './migrations/1768000000000-media.js';
import { CallHistory1768000000100 } from './migrations/1768000000100-call-history.js';

export const READ_MODEL_MIGRATIONS = [
  InitialReadModels1764000000000,
  People1764000000001,
  AnalyticsCheckpoints1765000000000,
  FeedFramesAsText1766000000000,
  GroupAddPrivacy1766000000001,
  MessageLifecycle1767000000000,
  ReactionsStars1767000000001,
  Forwards1767000000002,
  Disappearing1767000000003,
  Media1768000000000,
  CallHistory1768000000100,
];

/** `searchPath` lets a rebuild write a shadow copy of the read models in another schema. */
export function createReadModelDataSource(url: string, poolSize = 20, searchPath?: string): DataSource {
  return new DataSource({
    type: 'postgres',
    driver: coalescingPg,
    url,
    migrations: READ_MODEL_MIGRATIONS,
    migrationsTableName: 'read_model_migrations',
    synchronize: false,
    extra: { max: poolSize, ...(searchPath ? { options: `-c search_path=${searchPath}` } : {}) },
  });
}

/** What code over the read models needs of the database: to run SQL (a DataSource, a transaction, or a test's stand-in). */
export interface SqlRunner {
  query(sql: string, parameters?: unknown[]): Promise<any>;
}
