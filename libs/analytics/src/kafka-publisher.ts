import type { Message, ProducerRecord, RecordMetadata } from 'kafkajs';
import type { Logger } from 'pino';
import type { EventStore, StoredEvent } from '../../event-store/src/event-store.port.js';
import { LogFollower } from '../../event-store/src/log-follower.js';
import { DEFAULT_SOURCE, isAnalyticsEvent, toCloudEvent } from './cloudevents.js';
import type { PublisherCheckpoints } from './checkpoints.js';

/** The one method of a kafkajs Producer the publisher uses. */
export interface AnalyticsProducer {
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
}

export interface KafkaPublisherOptions {
  topic: string;
  /** CloudEvents `source`. */
  source?: string;
  /** Names the checkpoint row; one per topic by default. */
  name?: string;
  maxBatchSize?: number;
  logger?: Logger;
  /** Wait before restarting after a failure (attempt 1, 2, …). */
  retryDelayMs?: (attempt: number) => number;
}

/** CloudEvents Kafka protocol binding, structured content mode. */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=UTF-8';

export function toKafkaMessage(event: StoredEvent, source = DEFAULT_SOURCE): Message {
  const cloudEvent = toCloudEvent(event, source);
  return { key: cloudEvent.partitionkey, value: JSON.stringify(cloudEvent), headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE } };
}

/**
 * Follows the event log from its own checkpoint and publishes each event to Kafka.
 *
 * Per batch, with the checkpoint row locked: send every event past the checkpoint (acks = all;
 * the producer is idempotent with one request in flight, so a retried send neither duplicates
 * nor reorders within a partition), and only when the broker has acknowledged, move the
 * checkpoint. A failure restarts from the stored checkpoint after a back-off: delivery is
 * at least once (a crash between the acknowledgement and the commit re-sends that batch;
 * consumers deduplicate on the CloudEvents `id`).
 */
export class KafkaPublisher {
  private follower?: LogFollower;
  readonly name: string;

  constructor(
    private readonly store: EventStore,
    private readonly checkpoints: PublisherCheckpoints,
    private readonly producer: AnalyticsProducer,
    private readonly options: KafkaPublisherOptions,
  ) {
    this.name = options.name ?? `kafka:${options.topic}`;
  }

  /** Publishes one batch (events in log order) and moves the checkpoint once the broker acknowledged it. */
  async publish(events: StoredEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.checkpoints.advance(this.name, async (checkpoint) => {
      const fresh = events.filter((e) => e.globalPosition > checkpoint);
      if (fresh.length === 0) return checkpoint;
      const messages = fresh.filter(isAnalyticsEvent).map((e) => toKafkaMessage(e, this.options.source));
      if (messages.length > 0) await this.producer.send({ topic: this.options.topic, acks: -1, messages });
      return fresh[fresh.length - 1].globalPosition;
    });
  }

  /** Starts following the log; failures are logged and retried from the checkpoint until stop(). */
  start(): void {
    if (this.follower) return;
    this.follower = new LogFollower(this.store, {
      resumeAfter: () => this.checkpoints.load(this.name),
      maxBatchSize: this.options.maxBatchSize ?? 500,
      handle: (events) => this.publish(events),
      retryDelayMs: this.options.retryDelayMs ?? ((attempt) => Math.min(30_000, 250 * 2 ** attempt)),
      onRetry: (error, attempt, retryInMs) =>
        this.options.logger?.warn({ err: error, attempt, retryInMs, publisher: this.name }, 'analytics publishing failed; retrying from the checkpoint'),
    });
    this.follower.start();
  }

  async stop(): Promise<void> {
    await this.follower?.stop();
    this.follower = undefined;
  }
}
