import { Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PgNotifications } from '../../platform/src/pg-notifications.js';
import { RUNTIME } from '../../platform/src/platform.module.js';
import type { Runtime } from '../../platform/src/runtime.js';
import { AuthGuard } from './auth.guard.js';
import { DeviceRevocations } from './device-revocations.js';
import { TokenService } from './tokens.js';

/** Device tokens and the logged-out devices, shared by every module of an app that checks tokens. */
@Global()
@Module({
  providers: [
    {
      provide: DeviceRevocations,
      inject: [DataSource, PgNotifications],
      useFactory: async (db: DataSource, notifications: PgNotifications) => {
        const revocations = new DeviceRevocations(db);
        await revocations.start(notifications);
        return revocations;
      },
    },
    {
      provide: TokenService,
      inject: [RUNTIME, DeviceRevocations],
      useFactory: (runtime: Runtime, revocations: DeviceRevocations) =>
        new TokenService(runtime.secrets.jwtSecret, runtime.config.TOKEN_TTL, revocations),
    },
    AuthGuard,
  ],
  exports: [DeviceRevocations, TokenService, AuthGuard],
})
export class AuthModule {}
