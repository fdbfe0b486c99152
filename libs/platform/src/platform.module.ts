import { Controller, DynamicModule, Get, Global, Header, Inject, Module } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { CLOCK } from '../../domain/src/clock.js';
import { EVENT_STORE } from '../../event-store/src/event-store.port.js';
import { DomainError } from '../../domain/src/errors.js';
import type { SqlRunner } from '../../read-models/src/data-source.js';
import { ApiErrors } from '../../protocol/src/openapi/errors.js';
import { HealthResponse } from '../../protocol/src/openapi/responses.js';
import { Metrics } from './metrics.js';
import { PgNotifications } from './pg-notifications.js';
import { Runtime } from './runtime.js';

export const RUNTIME = Symbol('Runtime');

@ApiTags('operations')
@Controller()
export class OperationsController {
  constructor(
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(DataSource) private readonly db: SqlRunner,
  ) {}

  /** Liveness and readiness: the process runs and its database answers. */
  @Get('health')
  @ApiOperation({ summary: 'Liveness and readiness: the process runs and its database answers' })
  @ApiOkResponse({ type: HealthResponse, description: 'the process runs and its database answers' })
  @ApiErrors(503)
  async health() {
    // Not ready is 503, so a load balancer takes the process out rather than reading it as a crash.
    await this.db.query('SELECT 1').catch(() => {
      throw new DomainError('unavailable', 'database_unavailable', 'the database does not answer');
    });
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
