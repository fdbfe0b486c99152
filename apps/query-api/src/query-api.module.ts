import { Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CommandHandlersModule } from '../../command-api/src/command-api.module.js';
import { Clock, CLOCK } from '../../../libs/domain/src/clock.js';
import { FeedGateway } from '../../../libs/gateway/src/feed.gateway.js';
import { EventLogTail } from '../../../libs/gateway/src/event-log-tail.js';
import { LocalSockets } from '../../../libs/gateway/src/local-sockets.js';
import { PresenceFanout } from '../../../libs/gateway/src/presence-fanout.js';
import { TypingRelay } from '../../../libs/gateway/src/typing-relay.js';
import { PeopleQuery } from '../../../libs/queries/src/people.query.js';
import { PgNotifications } from '../../../libs/platform/src/pg-notifications.js';
import { RUNTIME } from '../../../libs/platform/src/platform.module.js';
import type { Runtime } from '../../../libs/platform/src/runtime.js';
import { ConversationsQuery } from '../../../libs/queries/src/conversations.query.js';
import { GroupsQuery } from '../../../libs/queries/src/groups.query.js';
import { PresenceQuery } from '../../../libs/queries/src/presence.query.js';
import { ReceiptsQuery } from '../../../libs/queries/src/receipts.query.js';
import { ReadYourWrites, ReadYourWritesFence } from '../../../libs/queries/src/read-your-writes.js';
import { ConversationsController } from './conversations.controller.js';
import { AuditModule } from './audit/audit.module.js';
import { GroupsController } from './groups.controller.js';
import { PeopleController } from './people.controller.js';

/** Starts following the event log, the projections' progress, presence and typing before the socket accepts clients. */
class LiveChannelsLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(EventLogTail) private readonly tail: EventLogTail,
    @Inject(ReadYourWritesFence) private readonly fence: ReadYourWritesFence,
    @Inject(PresenceFanout) private readonly presence: PresenceFanout,
    @Inject(TypingRelay) private readonly typing: TypingRelay,
    @Inject(PgNotifications) private readonly notifications: PgNotifications,
  ) {}
  async onApplicationBootstrap() {
    await this.fence.start(this.notifications);
    await this.tail.start();
    await this.presence.start(this.notifications);
    await this.typing.start(this.notifications);
  }
  onApplicationShutdown() {
    this.fence.stop();
    return this.tail.stop();
  }
}

@Module({
  imports: [CommandHandlersModule, AuditModule],
  controllers: [ConversationsController, GroupsController, PeopleController],
  providers: [
    { provide: ConversationsQuery, inject: [DataSource], useFactory: (db: DataSource) => new ConversationsQuery(db) },
    { provide: PresenceQuery, inject: [DataSource], useFactory: (db: DataSource) => new PresenceQuery(db) },
    { provide: PeopleQuery, inject: [DataSource], useFactory: (db: DataSource) => new PeopleQuery(db) },
    { provide: LocalSockets, useValue: new LocalSockets() },
    {
      provide: PresenceFanout,
      inject: [DataSource, LocalSockets, RUNTIME],
      useFactory: (db: DataSource, sockets: LocalSockets, runtime: Runtime) => new PresenceFanout(db, sockets, runtime.logger),
    },
    {
      provide: ReadYourWritesFence,
      inject: [DataSource, RUNTIME],
      useFactory: (db: DataSource, runtime: Runtime) =>
        new ReadYourWritesFence(db, runtime.eventStore, runtime.metrics, runtime.config.READ_FENCE_TIMEOUT_MS),
    },
    ReadYourWrites,
    {
      provide: TypingRelay,
      inject: [DataSource, LocalSockets, ReadYourWritesFence, RUNTIME, CLOCK],
      useFactory: (db: DataSource, sockets: LocalSockets, fence: ReadYourWritesFence, runtime: Runtime, clock: Clock) =>
        new TypingRelay(db, sockets, fence, runtime.logger, clock),
    },
    { provide: GroupsQuery, inject: [DataSource], useFactory: (db: DataSource) => new GroupsQuery(db) },
    { provide: ReceiptsQuery, inject: [DataSource], useFactory: (db: DataSource) => new ReceiptsQuery(db) },
    {
      provide: EventLogTail,
      inject: [RUNTIME],
      useFactory: (runtime: Runtime) => new EventLogTail(runtime.eventStore, runtime.metrics, runtime.logger),
    },
    LiveChannelsLifecycle,
    FeedGateway,
  ],
})
export class QueryApiModule {}
