import type { Message, ProducerRecord, RecordMetadata } from 'kafkajs';
import { type AnalyticsProducer, type ConnectProducer, messageBytes } from '../src/kafka-publisher.js';

/** An error as a Kafka broker reports it (the code names kafkajs uses). */
export class FakeKafkaError extends Error {
  constructor(
    readonly type: 'OUT_OF_ORDER_SEQUENCE_NUMBER' | 'MESSAGE_TOO_LARGE' | 'NOT_LEADER_FOR_PARTITION' | 'REQUEST_TIMED_OUT' | 'CONNECTION_REFUSED',
    readonly retriable: boolean,
  ) {
    super(`fake broker: ${type}`);
    this.name = 'FakeKafkaError';
  }
}

/**
 * What a produce request meets next: `down` (nothing written, connection refused), `lost-ack`
 * (everything written, the answer never arrives: kafkajs reports a timeout), `partial` (the
 * first partition of the request written, the others refused by a leader that moved).
 */
export type FakeBrokerFailure = 'down' | 'lost-ack' | 'partial';

interface PartitionBatch {
  partition: number;
  firstSequence: number;
  messages: Message[];
}

/**
 * NOT Kafka: a fake of the parts of one broker the publisher's correctness depends on, as read
 * in the Kafka and kafkajs sources. Per producer id and partition it expects the next sequence
 * number, acknowledges an exact re-send of the last batch without writing it again (duplicate),
 * and refuses any other gap with the non-retriable OUT_OF_ORDER_SEQUENCE_NUMBER; a partition's
 * batch over `messageMaxBytes` is refused with the non-retriable MESSAGE_TOO_LARGE. Failures are
 * scripted with `failNext`; `onFailure` runs before the failed send's answer reaches the producer.
 */
export class FakeKafkaBroker {
  /** Everything written, in order, per partition. */
  readonly log: { partition: number; producerId: number; id: string }[] = [];
  readonly refusals: FakeKafkaError[] = [];
  messageMaxBytes = 1_048_588;
  onFailure: () => Promise<void> = async () => {};
  private nextProducerId = 1000;
  private readonly sequences = new Map<string, { next: number; lastBatch: [number, number] }>();
  private readonly script: FakeBrokerFailure[] = [];

  constructor(readonly partitions = 3) {}

  failNext(...failures: FakeBrokerFailure[]): void {
    this.script.push(...failures);
  }

  initProducerId(): number {
    return this.nextProducerId++;
  }

  partitionFor(key: string): number {
    let hash = 0;
    for (const char of key) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
    return hash % this.partitions;
  }

  async produce(producerId: number, batches: PartitionBatch[]): Promise<void> {
    const failure = this.script.shift();
    if (failure === 'down') return this.fail(new FakeKafkaError('CONNECTION_REFUSED', true));
    const written = failure === 'partial' ? batches.slice(0, 1) : batches;
    for (const batch of written) {
      const refusal = this.check(producerId, batch);
      if (refusal) return this.fail(refusal);
    }
    for (const batch of written) this.write(producerId, batch);
    if (failure === 'partial' && batches.length > 1) return this.fail(new FakeKafkaError('NOT_LEADER_FOR_PARTITION', true));
    if (failure === 'lost-ack') return this.fail(new FakeKafkaError('REQUEST_TIMED_OUT', true));
  }

  /** The CloudEvent ids written, in log order per partition, all partitions concatenated. */
  writtenIds(): string[] {
    return this.log.map((r) => r.id);
  }

  private check(producerId: number, batch: PartitionBatch): FakeKafkaError | undefined {
    const bytes = batch.messages.reduce((sum, m) => sum + messageBytes(m), 0);
    if (bytes > this.messageMaxBytes) return new FakeKafkaError('MESSAGE_TOO_LARGE', false);
    const state = this.sequences.get(`${producerId}:${batch.partition}`);
    const expected = state?.next ?? 0;
    const last = batch.firstSequence + batch.messages.length - 1;
    if (batch.firstSequence === expected) return undefined;
    if (state && batch.firstSequence === state.lastBatch[0] && last === state.lastBatch[1]) return undefined;
    return new FakeKafkaError('OUT_OF_ORDER_SEQUENCE_NUMBER', false);
  }

  private write(producerId: number, batch: PartitionBatch): void {
    const key = `${producerId}:${batch.partition}`;
    const state = this.sequences.get(key);
    const last = batch.firstSequence + batch.messages.length - 1;
    if (state && batch.firstSequence !== state.next) return; // the duplicate of the last batch: acknowledged, not written again
    this.sequences.set(key, { next: last + 1, lastBatch: [batch.firstSequence, last] });
    for (const m of batch.messages) this.log.push({ partition: batch.partition, producerId, id: JSON.parse(String(m.value)).id });
  }

  private async fail(error: FakeKafkaError): Promise<never> {
    this.refusals.push(error);
    await this.onFailure();
    throw error;
  }
}

/**
 * NOT kafkajs: a fake of its idempotent producer's bookkeeping (src/producer/sendMessages.js,
 * eosManager): a producer id fetched once, at connect; per partition a sequence number taken
 * before the request and rolled back when the request fails, whether or not the broker wrote it.
 */
export class FakeKafkaProducer implements AnalyticsProducer {
  readonly producerId: number;
  private readonly sequences = new Map<number, number>();
  disconnected = false;

  constructor(private readonly broker: FakeKafkaBroker) {
    this.producerId = broker.initProducerId();
  }

  async send(record: ProducerRecord): Promise<RecordMetadata[]> {
    if (this.disconnected) throw new Error('fake producer: disconnected');
    const byPartition = new Map<number, Message[]>();
    for (const message of record.messages) {
      const partition = this.broker.partitionFor(String(message.key));
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), message]);
    }
    const batches = [...byPartition].map(([partition, messages]) => {
      const firstSequence = this.sequences.get(partition) ?? 0;
      this.sequences.set(partition, firstSequence + messages.length);
      return { partition, firstSequence, messages };
    });
    try {
      await this.broker.produce(this.producerId, batches);
    } catch (error) {
      for (const batch of batches) this.sequences.set(batch.partition, batch.firstSequence);
      throw error;
    }
    return [];
  }

  async disconnect(): Promise<void> {
    this.disconnected = true;
  }
}

/** A ConnectProducer over the fake broker, counting connections. */
export function fakeProducers(broker: FakeKafkaBroker): ConnectProducer & { connected: FakeKafkaProducer[] } {
  const connected: FakeKafkaProducer[] = [];
  return Object.assign(async () => {
    const producer = new FakeKafkaProducer(broker);
    connected.push(producer);
    return producer;
  }, { connected });
}
