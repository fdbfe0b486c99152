import { Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EVENT_STORE, EventStore } from '../../event-store/src/event-store.port.js';
import { Metrics } from '../../platform/src/metrics.js';
import { RUNTIME } from '../../platform/src/platform.module.js';
import type { Runtime } from '../../platform/src/runtime.js';
import { isServerShutdown } from '../../net/src/pg-errors.js';
import { Projector } from './projector.js';

const LAG_SAMPLE_MS = 1_000;

class ProjectorLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private lagSampler?: NodeJS.Timeout;

  constructor(
    @Inject(Projector) private readonly projector: Projector,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(RUNTIME) private readonly runtime: Runtime,
  ) {}

  async onApplicationBootstrap() {
    await this.projector.start(this.runtime.config.PROJECTOR_BATCH_SIZE, this.runtime.config.PROJECTOR_LINGER_MS);
    // How far reads may lag behind writes: the log head minus what the projector has applied.
    this.lagSampler = setInterval(() => {
      this.store
        .headPosition()
        .then((head) => this.metrics.projectorLag.set(Math.max(0, Number(head - this.projector.position))))
        .catch(() => undefined);
    }, LAG_SAMPLE_MS);
    this.lagSampler.unref();
    this.projector.failed.catch((error) => {
      // A projection that cannot apply an event must not be skipped past: stop, loudly.
      this.runtime.logger.fatal({ err: error }, 'projector stopped');
      process.exitCode = 1;
      process.kill(process.pid, 'SIGTERM');
    });
  }

  onApplicationShutdown() {
    clearInterval(this.lagSampler);
    return this.projector.stop();
  }
}

@Module({
  providers: [
    {
      provide: Projector,
      inject: [DataSource, EVENT_STORE, Metrics, RUNTIME],
      useFactory: (db: DataSource, store: EventStore, metrics: Metrics, runtime: Runtime) =>
        new Projector(db, store, undefined, {
          onBatch: (count, position) => {
            metrics.eventsProjected.inc(count);
            metrics.projectorPosition.set(Number(position));
          },
          // The database stopping (with us, on Ctrl-C) is no news; one lost connection is routine (a failover); a loss that lasts is not.
          onRetry: (error, attempt, retryInMs) => {
            const { code, message } = error as { code?: string; message?: string };
            const level = isServerShutdown(error) ? 'debug' : attempt === 1 ? 'info' : 'warn';
            runtime.logger[level]({ code, reason: message, attempt, retryInMs }, 'projector lost the database or the event log; resuming from its checkpoints');
          },
        }, runtime.dataKeys),
    },
    ProjectorLifecycle,
  ],
})
export class ProjectorModule {}
