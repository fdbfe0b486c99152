import { Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { PgPublisherCheckpoints } from './checkpoints.js';
import { createIdempotentProducer, createKafka, ensureTopic, parseBrokers } from './kafka.js';
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
 * Start-up does not wait for the broker: the publisher connects and retries in the
 * background, so a broker outage delays analytics but never the projector.
 */
class AnalyticsPublisherLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private publisher?: KafkaPublisher;
  private producer?: Producer;
  private connecting?: Promise<void>;
  private stopped = false;
  private wake?: () => void;

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
    const producer = createIdempotentProducer(kafka);
    this.producer = producer;
    this.connecting = (async () => {
      for (let attempt = 1; !this.stopped; attempt++) {
        try {
          await ensureTopic(kafka, config.KAFKA_TOPIC);
          await producer.connect();
          break;
        } catch (error) {
          log.warn({ err: error, attempt, brokers }, 'Kafka not reachable; retrying');
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.min(30_000, 1_000 * attempt));
            this.wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
      }
      if (this.stopped) return;
      this.publisher = new KafkaPublisher(this.store, new PgPublisherCheckpoints(this.db), producer, { topic: config.KAFKA_TOPIC, logger: log });
      this.publisher.start();
      log.info({ brokers, topic: config.KAFKA_TOPIC }, 'analytics publisher started');
    })();
  }

  async onApplicationShutdown() {
    this.stopped = true;
    this.wake?.();
    await this.connecting?.catch(() => undefined);
    await this.publisher?.stop();
    await this.producer?.disconnect().catch(() => undefined);
  }
}

@Module({ providers: [AnalyticsPublisherLifecycle] })
export class AnalyticsPublisherModule {}
