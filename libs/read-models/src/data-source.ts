import { DataSource } from 'typeorm';
import { coalescingPg } from '../../net/src/coalesced-writes.js';
import { AuthCodeRequestRow, AuthCodeRow } from './entities/auth-code.entity.js';
import { ConversationMemberRow } from './entities/conversation-member.entity.js';
import { FeedEventRow, FeedItemRow } from './entities/feed-item.entity.js';
import { GroupMemberRow, GroupMembershipRow, GroupRow, ReceiptHistoryRow } from './entities/group.entity.js';
import { MessageRow } from './entities/message.entity.js';
import { PresenceRow } from './entities/presence.entity.js';
import { ProjectionCheckpointRow } from './entities/projection-checkpoint.entity.js';
import { DeviceRow, UserRow } from './entities/user.entity.js';
import { InitialReadModels1764000000000 } from './migrations/1764000000000-initial-read-models.js';
import { AnalyticsCheckpoints1765000000000 } from './migrations/1765000000000-analytics-checkpoints.js';
import { FeedFramesAsText1766000000000 } from './migrations/1766000000000-feed-frames-as-text.js';
import { GroupAddPrivacy1766000000001 } from './migrations/1766000000001-group-add-privacy.js';
import { People1764000000001 } from './migrations/1764000000001-people.js';
import { BlockRow, ContactRow, DeviceActivityRow, PrivacySettingsRow, ProfileRow } from './entities/people.entity.js';

export const READ_MODEL_ENTITIES = [
  UserRow,
  DeviceRow,
  ConversationMemberRow,
  MessageRow,
  FeedEventRow,
  FeedItemRow,
  GroupRow,
  GroupMemberRow,
  GroupMembershipRow,
  ReceiptHistoryRow,
  ProfileRow,
  PrivacySettingsRow,
  BlockRow,
  ContactRow,
  DeviceActivityRow,
  PresenceRow,
  ProjectionCheckpointRow,
  AuthCodeRow,
  AuthCodeRequestRow,
];

export const READ_MODEL_MIGRATIONS = [InitialReadModels1764000000000, People1764000000001, AnalyticsCheckpoints1765000000000, FeedFramesAsText1766000000000, GroupAddPrivacy1766000000001];

/** `searchPath` lets a rebuild write a shadow copy of the read models in another schema. */
export function createReadModelDataSource(url: string, poolSize = 20, searchPath?: string): DataSource {
  return new DataSource({
    type: 'postgres',
    driver: coalescingPg,
    url,
    entities: READ_MODEL_ENTITIES,
    migrations: READ_MODEL_MIGRATIONS,
    migrationsTableName: 'read_model_migrations',
    synchronize: false,
    extra: { max: poolSize, ...(searchPath ? { options: `-c search_path=${searchPath}` } : {}) },
  });
}
