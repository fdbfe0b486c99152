import { Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PgPublisherCheckpoints } from './checkpoints.js';
import { createKafka, idempotentProducerFor, parseBrokers } from './kafka.js';
import { KafkaPublisher } from './kafka-publisher.js';
import { EVENT_STORE, EventStore } from '../../event-store/src/event-store.port.js';
import { RUNTIME } from '../../platform/src/platform.module.js';
import type { Runtime } from '../../platform/src/runtime.js';

/**
 * The analytics stream: when KAFKA_BROKERS is set, follows the event log from its own
 * checkpoint and publishes every event to KAFKA_TOPIC as a CloudEvent (docs/analytics.md).
 * Without KAFKA_BROKERS it does nothing (the embedded mode serves the same envelope on
 * GET /v1/audit/tail?format=cloudevents).
 *
 * Start-up does not wait for the broker: the publisher connects when it first has something
 * to send, and a broker that is away is retried with back-off, so an outage delays analytics
 * but never the projector.
 */
class AnalyticsPublisherLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private publisher?: KafkaPublisher;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(DataSource) private readonly db: DataSource,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  onApplicationBootstrap() {
    const { config, logger } = this.runtime;
    const brokers = parseBrokers(config.KAFKA_BROKERS);
    if (brokers.length === 0) {
      logger.debug('analytics publisher off: KAFKA_BROKERS is not set');
      return;
    }
    const log = logger.child({ component: 'analytics-publisher' });
    const kafka = createKafka({ brokers, clientId: config.KAFKA_CLIENT_ID, logger: log });
    this.publisher = new KafkaPublisher(this.store, new PgPublisherCheckpoints(this.db), idempotentProducerFor(kafka, config.KAFKA_TOPIC), {
      topic: config.KAFKA_TOPIC,
      logger: log,
    });
    this.publisher.start();
    log.info({ brokers, topic: config.KAFKA_TOPIC }, 'analytics publisher started');
  }

  async onApplicationShutdown() {
    await this.publisher?.stop();
  }
}

@Module({ providers: [AnalyticsPublisherLifecycle] })
export class AnalyticsPublisherModule {}
