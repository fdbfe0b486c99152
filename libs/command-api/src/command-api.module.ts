import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { DataSource } from 'typeorm';
import { AuthModule } from '../../auth/src/auth.module.js';
import { CODE_DELIVERY, developmentDelivery, SmsWebhookDelivery } from '../../auth/src/code-delivery.js';
import { LoginCodes } from '../../auth/src/login-codes.js';
import { TokenService } from '../../auth/src/tokens.js';
import { AggregateStore } from '../../commands/src/aggregate-store.js';
import { GroupCommandsHandler } from '../../commands/src/group-commands.handler.js';
import { LogInHandler } from '../../commands/src/log-in.handler.js';
import { MessageLifecycleHandler } from '../../commands/src/message-lifecycle.handler.js';
import { CommandHandlersModule } from '../../commands/src/command-handlers.module.js';
import { UserDirectory } from '../../commands/src/user-directory.js';
import { RUNTIME } from '../../platform/src/platform.module.js';
import type { Runtime } from '../../platform/src/runtime.js';
import { Clock, CLOCK } from '../../domain/src/clock.js';
import { AuthController } from './auth.controller.js';
import { GroupsController } from './groups.controller.js';
import { PeopleController } from './people.controller.js';
import { PeopleHandler } from '../../commands/src/people.handler.js';
import { MessagesController } from './messages.controller.js';
import { DisappearingHandler } from '../../commands/src/disappearing.handler.js';
import { ExpiryJob } from '../../commands/src/expiry-job.js';
import { MediaUploadsModule } from '../../media/src/media.module.js';
import { MediaUploadController } from './media.controller.js';


@Module({
  imports: [
    AuthModule,
    CommandHandlersModule,
    MediaUploadsModule,
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
  controllers: [AuthController, MessagesController, GroupsController, PeopleController, MediaUploadController],
  providers: [
    {
      provide: CODE_DELIVERY,
      inject: [RUNTIME],
      useFactory: ({ config }: Runtime) =>
        config.CODE_DELIVERY === 'sms' ? new SmsWebhookDelivery({ url: config.SMS_WEBHOOK_URL!, token: config.SMS_WEBHOOK_TOKEN }) : developmentDelivery,
    },
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
      provide: MessageLifecycleHandler,
      inject: [AggregateStore, RUNTIME, CLOCK],
      useFactory: (aggregates: AggregateStore, runtime: Runtime, clock: Clock) =>
        new MessageLifecycleHandler(aggregates, runtime.dataKeys, { editMs: runtime.config.EDIT_WINDOW_MS, deleteMs: runtime.config.DELETE_WINDOW_MS }, clock),
    },
    {
      provide: DisappearingHandler,
      inject: [AggregateStore, CLOCK],
      useFactory: (aggregates: AggregateStore, clock: Clock) => new DisappearingHandler(aggregates, clock),
    },
    {
      // Erases disappearing messages when their time comes; in every command-api (replicas are safe).
      provide: ExpiryJob,
      inject: [DataSource, MessageLifecycleHandler, RUNTIME, CLOCK],
      useFactory: (db: DataSource, lifecycle: MessageLifecycleHandler, runtime: Runtime, clock: Clock) =>
        new ExpiryJob(db, lifecycle, clock, runtime.config.EXPIRY_POLL_MS, runtime.logger),
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
