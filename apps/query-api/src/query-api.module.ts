import { Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CommandHandlersModule } from '../../command-api/src/command-api.module.js';
import { FeedGateway } from '../../../libs/gateway/src/feed.gateway.js';
import { FeedTail } from '../../../libs/gateway/src/feed-tail.js';
import { RUNTIME } from '../../../libs/platform/src/platform.module.js';
import type { Runtime } from '../../../libs/platform/src/runtime.js';
import { ConversationsQuery } from '../../../libs/queries/src/conversations.query.js';
import { GroupsQuery } from '../../../libs/queries/src/groups.query.js';
import { PresenceQuery } from '../../../libs/queries/src/presence.query.js';
import { ReceiptsQuery } from '../../../libs/queries/src/receipts.query.js';
import { ConversationsController } from './conversations.controller.js';
import { GroupsController } from './groups.controller.js';

class FeedTailLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(FeedTail) private readonly tail: FeedTail) {}
  onApplicationBootstrap() {
    return this.tail.start();
  }
  onApplicationShutdown() {
    return this.tail.stop();
  }
}

@Module({
  imports: [CommandHandlersModule],
  controllers: [ConversationsController, GroupsController],
  providers: [
    { provide: ConversationsQuery, inject: [DataSource], useFactory: (db: DataSource) => new ConversationsQuery(db) },
    { provide: PresenceQuery, inject: [DataSource], useFactory: (db: DataSource) => new PresenceQuery(db) },
    { provide: GroupsQuery, inject: [DataSource], useFactory: (db: DataSource) => new GroupsQuery(db) },
    { provide: ReceiptsQuery, inject: [DataSource], useFactory: (db: DataSource) => new ReceiptsQuery(db) },
    {
      provide: FeedTail,
      inject: [DataSource, RUNTIME],
      useFactory: (db: DataSource, runtime: Runtime) => new FeedTail(db, runtime.databaseUrl, runtime.logger),
    },
    FeedTailLifecycle,
    FeedGateway,
  ],
})
export class QueryApiModule {}
