import { Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PgNotifications } from '../../platform/src/pg-notifications.js';
import { RUNTIME } from '../../platform/src/platform.module.js';
import type { Runtime } from '../../platform/src/runtime.js';
import { ReadYourWritesFence } from './read-your-writes.js';

class FenceLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(ReadYourWritesFence) private readonly fence: ReadYourWritesFence,
    @Inject(PgNotifications) private readonly notifications: PgNotifications,
  ) {}
  onApplicationBootstrap() {
    return this.fence.start(this.notifications);
  }
  onApplicationShutdown() {
    this.fence.stop();
  }
}

/**
 * The process's one read-your-writes fence, for every module that waits on the projections
 * (query-api reads, media checks in either api); imported by each, made and started once.
 */
@Module({
  providers: [
    {
      provide: ReadYourWritesFence,
      inject: [DataSource, RUNTIME],
      useFactory: (db: DataSource, runtime: Runtime) =>
        new ReadYourWritesFence(db, runtime.eventStore, runtime.metrics, runtime.config.READ_FENCE_TIMEOUT_MS),
    },
    FenceLifecycle,
  ],
  exports: [ReadYourWritesFence],
})
export class ReadFenceModule {}
