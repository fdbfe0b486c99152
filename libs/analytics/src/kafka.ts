import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { ConnectProducer } from './kafka-publisher.js';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  /** Connection retries (kafkajs default 5: ~7 s against a dead broker). */
  retries?: number;
  logger?: Logger;
}

export function parseBrokers(value: string | undefined): string[] {
  return (value ?? '').split(',').map((b) => b.trim()).filter((b) => b.length > 0);
}

/** kafkajs logs through pino. */
function logCreator(logger: Logger | undefined) {
  return () => ({ level, log }: { level: logLevel; log: { message: string } & Record<string, unknown> }) => {
    if (!logger) return;
    const { message, ...extra } = log;
    if (level === logLevel.ERROR) logger.error({ kafka: extra }, message);
    else if (level === logLevel.WARN) logger.warn({ kafka: extra }, message);
    else logger.debug({ kafka: extra }, message);
  };
}

export function createKafka(settings: KafkaSettings): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    logLevel: logLevel.WARN,
    logCreator: logCreator(settings.logger),
    retry: settings.retries === undefined ? undefined : { retries: settings.retries },
  });
}

/** The publisher's producer: idempotent, one request in flight (order per partition holds across retries). */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
}

/**
 * The publisher's way to a producer: the topic made sure of, then a new idempotent producer
 * connected (the publisher calls it again after a failed send, for a new producer id).
 * No `retry` is passed: any retry object replaces the idempotent producer's unlimited retries.
 */
export function idempotentProducerFor(kafka: Kafka, topic: string): ConnectProducer {
  return async () => {
    await ensureTopic(kafka, topic);
    const producer = createIdempotentProducer(kafka);
    try {
      await producer.connect();
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
    return producer;
  };
}

/** Creates the topic if it is missing (a no-op when it exists). */
export async function ensureTopic(kafka: Kafka, topic: string, numPartitions = 6): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}
