import type { Message, ProducerRecord, RecordMetadata } from 'kafkajs';
import type { Logger } from 'pino';
import type { EventStore, StoredEvent } from '../../event-store/src/event-store.port.js';
import { LogFollower } from '../../event-store/src/log-follower.js';
import { DEFAULT_SOURCE, isAnalyticsEvent, toCloudEvent } from './cloudevents.js';
import type { PublisherCheckpoints } from './checkpoints.js';

/** What the publisher uses of a connected kafkajs Producer. */
export interface AnalyticsProducer {
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
  disconnect(): Promise<void>;
}

/** Creates and connects a new producer: a new producer id, sequence numbers from 0. */
export type ConnectProducer = () => Promise<AnalyticsProducer>;

export interface KafkaPublisherOptions {
  topic: string;
  /** CloudEvents `source`. */
  source?: string;
  /** Names the checkpoint row; one per topic by default. */
  name?: string;
  maxBatchSize?: number;
  /** Most bytes of records per send; kept under the broker's message.max.bytes (1 MB by default). */
  maxBatchBytes?: number;
  logger?: Logger;
  /** Wait before restarting after a failure (attempt 1, 2, …). */
  retryDelayMs?: (attempt: number) => number;
}

/** Half the broker's default message.max.bytes (1,048,588): room for the protocol's own overhead. */
export const DEFAULT_MAX_BATCH_BYTES = 512 * 1024;
/** Kafka's per-record framing (lengths, offsets, timestamp, attributes), counted generously. */
const RECORD_OVERHEAD_BYTES = 64;

/** CloudEvents Kafka protocol binding, structured content mode. */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=UTF-8';

export function toKafkaMessage(event: StoredEvent, source = DEFAULT_SOURCE): Message {
  const cloudEvent = toCloudEvent(event, source);
  return { key: cloudEvent.partitionkey, value: JSON.stringify(cloudEvent), headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE } };
}

export function messageBytes(message: Message): number {
  const headers = Object.entries(message.headers ?? {}).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(String(value)), 0);
  return Buffer.byteLength(String(message.key ?? '')) + Buffer.byteLength(String(message.value ?? '')) + headers + RECORD_OVERHEAD_BYTES;
}

/** The publisher found the checkpoint moved by another publisher of its name: it resumes from there. */
export class CheckpointMovedError extends Error {
  constructor(readonly publisher: string, readonly expected: bigint) {
    super(`checkpoint ${publisher} is no longer at ${expected}: another publisher of that name moved it`);
    this.name = 'CheckpointMovedError';
  }
}

interface Chunk {
  messages: Message[];
  /** The last event the chunk covers (published or passed over). */
  upTo: bigint;
}

/**
 * Follows the event log from its own checkpoint and publishes each event to Kafka.
 *
 * Per batch: read the checkpoint, send the events past it in sends of at most `maxBatchBytes`
 * (acks = all; the producer is idempotent with one request in flight, so kafkajs' own retries
 * neither duplicate nor reorder within a partition), and after each acknowledged send move the
 * checkpoint if it is still where it was read (compare-and-set). No transaction or lock is held
 * while Kafka is talked to. If another publisher of the same name moved the checkpoint, this
 * one resumes from it; both may have sent the batch, but only one advances past it.
 *
 * A failed send throws the producer away: kafkajs rolls its sequence numbers back even when the
 * broker wrote the batch, and fetches a producer id only when connecting, so the same producer
 * would be refused (OUT_OF_ORDER_SEQUENCE_NUMBER) for ever once the batch re-sent from the
 * checkpoint differs. A new producer starts a new sequence. Any failure restarts from the stored
 * checkpoint after a back-off: delivery is at least once (consumers deduplicate on the CloudEvents `id`).
 */
export class KafkaPublisher {
  private follower?: LogFollower;
  private producer?: AnalyticsProducer;
  readonly name: string;

  constructor(
    private readonly store: EventStore,
    private readonly checkpoints: PublisherCheckpoints,
    private readonly connectProducer: ConnectProducer,
    private readonly options: KafkaPublisherOptions,
  ) {
    this.name = options.name ?? `kafka:${options.topic}`;
  }

  /** Publishes one batch (events in log order), moving the checkpoint after each acknowledged send. */
  async publish(events: StoredEvent[]): Promise<void> {
    let checkpoint = await this.checkpoints.load(this.name);
    for (const chunk of this.chunks(events.filter((e) => e.globalPosition > checkpoint))) {
      if (chunk.messages.length > 0) await this.send(chunk.messages);
      if (!(await this.checkpoints.advance(this.name, checkpoint, chunk.upTo))) throw new CheckpointMovedError(this.name, checkpoint);
      checkpoint = chunk.upTo;
    }
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

  /** Stops following the log and disconnects the producer. */
  async stop(): Promise<void> {
    await this.follower?.stop();
    this.follower = undefined;
    const producer = this.producer;
    this.producer = undefined;
    await producer?.disconnect().catch(() => undefined);
  }

  private async send(messages: Message[]): Promise<void> {
    const producer = (this.producer ??= await this.connectProducer());
    try {
      await producer.send({ topic: this.options.topic, acks: -1, messages });
    } catch (error) {
      this.producer = undefined;
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /** Splits events into sends under the byte cap; a record larger than the cap goes alone. */
  private *chunks(events: StoredEvent[]): Generator<Chunk> {
    const maxBytes = this.options.maxBatchBytes ?? DEFAULT_MAX_BATCH_BYTES;
    let chunk: Chunk | undefined;
    let bytes = 0;
    for (const event of events) {
      const message = isAnalyticsEvent(event) ? toKafkaMessage(event, this.options.source) : undefined;
      const size = message ? messageBytes(message) : 0;
      if (chunk && chunk.messages.length > 0 && bytes + size > maxBytes) {
        yield chunk;
        chunk = undefined;
      }
      if (!chunk) {
        chunk = { messages: [], upTo: event.globalPosition };
        bytes = 0;
      }
      if (message) chunk.messages.push(message);
      chunk.upTo = event.globalPosition;
      bytes += size;
    }
    if (chunk) yield chunk;
  }
}
