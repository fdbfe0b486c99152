import { Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuthModule } from '../../auth/src/auth.module.js';
import { CommandHandlersModule } from '../../commands/src/command-handlers.module.js';
import { FeedGateway } from '../../gateway/src/feed.gateway.js';
import { EventLogTail } from '../../gateway/src/event-log-tail.js';
import { LocalSockets } from '../../gateway/src/local-sockets.js';
import { PresenceFanout } from '../../gateway/src/presence-fanout.js';
import { TypingRelay } from '../../gateway/src/typing-relay.js';
import { CallRelay } from '../../gateway/src/call-relay.js';
import { CallsHandler } from '../../commands/src/calls.handler.js';
import { AggregateStore } from '../../commands/src/aggregate-store.js';
import { PeopleQuery } from '../../queries/src/people.query.js';
import { PgNotifications } from '../../platform/src/pg-notifications.js';
import { RUNTIME } from '../../platform/src/platform.module.js';
import type { Runtime } from '../../platform/src/runtime.js';
import { ConversationsQuery } from '../../queries/src/conversations.query.js';
import { GroupsQuery } from '../../queries/src/groups.query.js';
import { PresenceQuery } from '../../queries/src/presence.query.js';
import { ReceiptsQuery } from '../../queries/src/receipts.query.js';
import { ReadFenceModule } from '../../queries/src/read-fence.module.js';
import { ReadYourWrites, ReadYourWritesFence } from '../../queries/src/read-your-writes.js';
import { Clock, CLOCK } from '../../domain/src/clock.js';
import { ConversationsController } from './conversations.controller.js';
import { AuditModule } from './audit/audit.module.js';
import { GroupsController } from './groups.controller.js';
import { PeopleController } from './people.controller.js';
import { WebClientHost } from './web-client.js';
import { MediaController } from './media.controller.js';
import { MediaModule } from '../../media/src/media.module.js';
import { CallsController } from './calls.controller.js';
import { CallsQuery } from '../../queries/src/calls.query.js';

/** Starts following the event log, presence and typing before the socket accepts clients (the fence starts in `ReadFenceModule`). */
class LiveChannelsLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(EventLogTail) private readonly tail: EventLogTail,
    @Inject(PresenceFanout) private readonly presence: PresenceFanout,
    @Inject(TypingRelay) private readonly typing: TypingRelay,
    @Inject(CallRelay) private readonly calls: CallRelay,
    @Inject(PgNotifications) private readonly notifications: PgNotifications,
  ) {}
  async onApplicationBootstrap() {
    await this.tail.start();
    await this.presence.start(this.notifications);
    await this.typing.start(this.notifications);
    await this.calls.start(this.notifications);
  }
  onApplicationShutdown() {
    return this.tail.stop();
  }
}

@Module({
  imports: [AuthModule, CommandHandlersModule, AuditModule, MediaModule, ReadFenceModule],
  controllers: [ConversationsController, GroupsController, PeopleController, MediaController, CallsController],
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
    ReadYourWrites,
    {
      provide: TypingRelay,
      inject: [DataSource, LocalSockets, ReadYourWritesFence, RUNTIME, CLOCK],
      useFactory: (db: DataSource, sockets: LocalSockets, fence: ReadYourWritesFence, runtime: Runtime, clock: Clock) =>
        new TypingRelay(db, sockets, fence, runtime.logger, clock),
    },
    {
      provide: CallRelay,
      inject: [DataSource, LocalSockets, AggregateStore, RUNTIME, CLOCK],
      useFactory: (db: DataSource, sockets: LocalSockets, aggregates: AggregateStore, runtime: Runtime, clock: Clock) =>
        new CallRelay(db, sockets, new CallsHandler(aggregates, clock), runtime.logger, clock),
    },
    { provide: CallsQuery, inject: [DataSource], useFactory: (db: DataSource) => new CallsQuery(db) },
    { provide: GroupsQuery, inject: [DataSource], useFactory: (db: DataSource) => new GroupsQuery(db) },
    { provide: ReceiptsQuery, inject: [DataSource], useFactory: (db: DataSource) => new ReceiptsQuery(db) },
    {
      provide: EventLogTail,
      inject: [RUNTIME],
      useFactory: (runtime: Runtime) => new EventLogTail(runtime.eventStore, runtime.metrics, runtime.logger),
    },
    LiveChannelsLifecycle,
    FeedGateway,
    WebClientHost,
  ],
})
export class QueryApiModule {}
