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
import { Clock, CLOCK } from '../../../libs/domain/src/clock.js';
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
      inject: [AggregateStore, UserDirectory, CLOCK],
      useFactory: (a: AggregateStore, users: UserDirectory, clock: Clock) => new SendMessageHandler(a, users, clock),
    },
    {
      provide: AcknowledgeReceiptHandler,
      inject: [AggregateStore, CLOCK],
      useFactory: (a: AggregateStore, clock: Clock) => new AcknowledgeReceiptHandler(a, clock),
    },
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
      inject: [AggregateStore, DataSource, TokenService, RUNTIME, CLOCK],
      useFactory: (aggregates: AggregateStore, db: DataSource, tokens: TokenService, runtime: Runtime, clock: Clock) =>
        new LogInHandler(
          aggregates,
          new LoginCodes(db, {
            ttlSeconds: runtime.config.CODE_TTL_SECONDS,
            perPhonePerHour: runtime.config.CODES_PER_PHONE_PER_HOUR,
            maxAttempts: runtime.config.CODE_ATTEMPTS,
          }, clock),
          tokens,
          runtime.secrets.idSecret,
          clock,
        ),
    },
    {
      provide: PeopleHandler,
      inject: [AggregateStore, UserDirectory, RUNTIME, CLOCK],
      useFactory: (aggregates: AggregateStore, users: UserDirectory, runtime: Runtime, clock: Clock) =>
        new PeopleHandler(aggregates, users, runtime.secrets.idSecret, clock),
    },
    {
      provide: GroupCommandsHandler,
      inject: [AggregateStore, UserDirectory, RUNTIME, CLOCK],
      useFactory: (aggregates: AggregateStore, users: UserDirectory, runtime: Runtime, clock: Clock) =>
        new GroupCommandsHandler(aggregates, users, runtime.config.GROUP_MAX_MEMBERS, clock),
    },
  ],
})
export class CommandApiModule {}
