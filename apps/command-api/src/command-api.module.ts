import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { DataSource } from 'typeorm';
import { AuthGuard } from '../../../libs/auth/src/auth.guard.js';
import { LoginCodes } from '../../../libs/auth/src/login-codes.js';
import { TokenService } from '../../../libs/auth/src/tokens.js';
import { AcknowledgeReceiptHandler } from '../../../libs/commands/src/acknowledge-receipt.handler.js';
import { AggregateStore } from '../../../libs/commands/src/aggregate-store.js';
import { GroupCommandsHandler } from '../../../libs/commands/src/group-commands.handler.js';
import { LogInHandler } from '../../../libs/commands/src/log-in.handler.js';
import { SendMessageHandler } from '../../../libs/commands/src/send-message.handler.js';
import { UserDirectory } from '../../../libs/commands/src/user-directory.js';
import { EVENT_STORE, EventStore } from '../../../libs/event-store/src/event-store.port.js';
import { RUNTIME } from '../../../libs/platform/src/platform.module.js';
import type { Runtime } from '../../../libs/platform/src/runtime.js';
import { AuthController } from './auth.controller.js';
import { GroupsController } from './groups.controller.js';
import { PeopleController } from './people.controller.js';
import { PeopleHandler } from '../../../libs/commands/src/people.handler.js';
import { MessagesController } from './messages.controller.js';

/** Command handlers, shared with the query-api's socket (which accepts `send` and `receipt` frames). */
@Module({
  providers: [
    AuthGuard,
    { provide: UserDirectory, inject: [EVENT_STORE, DataSource], useFactory: (store: EventStore, db: DataSource) => new UserDirectory(store, db) },
    {
      provide: SendMessageHandler,
      inject: [AggregateStore, UserDirectory],
      useFactory: (a: AggregateStore, users: UserDirectory) => new SendMessageHandler(a, users),
    },
    { provide: AcknowledgeReceiptHandler, inject: [AggregateStore], useFactory: (a: AggregateStore) => new AcknowledgeReceiptHandler(a) },
  ],
  exports: [SendMessageHandler, AcknowledgeReceiptHandler, UserDirectory, AuthGuard],
})
export class CommandHandlersModule {}

@Module({
  imports: [
    CommandHandlersModule,
    // Per-address limit on the auth routes (per-phone limits live in LoginCodes); 0 turns it off,
    // which the development default does so one machine can register thousands of devices.
    // Contact discovery is limited per user, so nobody can enumerate phone numbers in bulk.
    ThrottlerModule.forRootAsync({
      inject: [RUNTIME],
      useFactory: (runtime: Runtime) => {
        const authLimit = runtime.config.AUTH_REQUESTS_PER_IP_PER_MINUTE;
        return {
          setHeaders: false,
          throttlers: [
            { name: 'auth', ttl: 60_000, limit: Math.max(authLimit, 1), skipIf: () => authLimit === 0 },
            {
              name: 'contacts',
              ttl: 60_000,
              limit: runtime.config.CONTACT_SYNCS_PER_MINUTE,
              getTracker: (request: Record<string, unknown>) => (request.principal as { userId?: string } | undefined)?.userId ?? String(request.ip),
            },
          ],
        };
      },
    }),
  ],
  controllers: [AuthController, MessagesController, GroupsController, PeopleController],
  providers: [
    {
      provide: LogInHandler,
      inject: [AggregateStore, DataSource, TokenService, RUNTIME],
      useFactory: (aggregates: AggregateStore, db: DataSource, tokens: TokenService, runtime: Runtime) =>
        new LogInHandler(
          aggregates,
          new LoginCodes(db, {
            ttlSeconds: runtime.config.CODE_TTL_SECONDS,
            perPhonePerHour: runtime.config.CODES_PER_PHONE_PER_HOUR,
            maxAttempts: runtime.config.CODE_ATTEMPTS,
          }),
          tokens,
          runtime.secrets.idSecret,
        ),
    },
    {
      provide: PeopleHandler,
      inject: [AggregateStore, UserDirectory, RUNTIME],
      useFactory: (aggregates: AggregateStore, users: UserDirectory, runtime: Runtime) =>
        new PeopleHandler(aggregates, users, runtime.secrets.idSecret),
    },
    {
      provide: GroupCommandsHandler,
      inject: [AggregateStore, UserDirectory, RUNTIME],
      useFactory: (aggregates: AggregateStore, users: UserDirectory, runtime: Runtime) =>
        new GroupCommandsHandler(aggregates, users, runtime.config.GROUP_MAX_MEMBERS),
    },
  ],
})
export class CommandApiModule {}
