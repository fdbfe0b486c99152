import { Controller, DynamicModule, Get, Global, Header, Inject, Module } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { CLOCK } from '../../domain/src/clock.js';
import { EVENT_STORE } from '../../event-store/src/event-store.port.js';
import { HealthResponse } from '../../protocol/src/openapi/responses.js';
import { Metrics } from './metrics.js';
import { PgNotifications } from './pg-notifications.js';
import { Runtime } from './runtime.js';

export const RUNTIME = Symbol('Runtime');

@ApiTags('operations')
@Controller()
class OperationsController {
  constructor(
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(DataSource) private readonly db: DataSource,
  ) {}

  /** Liveness and readiness: the process runs and its database answers. */
  @Get('health')
  @ApiOperation({ summary: 'Liveness and readiness: the process runs and its database answers' })
  @ApiOkResponse({ type: HealthResponse, description: 'the process runs and its database answers' })
  async health() {
    await this.db.query('SELECT 1');
    return { status: 'ok' };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4')
  @ApiOperation({ summary: 'Metrics in the Prometheus text exposition format' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus exposition (text/plain; version=0.0.4)', content: { 'text/plain': { schema: { type: 'string' } } } })
  metricsText() {
    return this.metrics.registry.metrics();
  }
}

/** Shares the connected runtime (config, stores, notifications, metrics) with every module of an app. */
@Global()
@Module({})
export class PlatformModule {
  static forRuntime(runtime: Runtime): DynamicModule {
    const metrics = runtime.metrics;
    return {
      module: PlatformModule,
      controllers: [OperationsController],
      providers: [
        { provide: RUNTIME, useValue: runtime },
        { provide: CLOCK, useValue: runtime.clock },
        { provide: DataSource, useValue: runtime.readModels },
        { provide: EVENT_STORE, useValue: runtime.eventStore },
        { provide: Metrics, useValue: metrics },
        { provide: PgNotifications, useValue: runtime.notifications },
      ],
      exports: [RUNTIME, CLOCK, DataSource, EVENT_STORE, Metrics, PgNotifications],
    };
  }
}
