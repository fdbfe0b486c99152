import type { ProducerRecord, RecordMetadata } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import type { EventStore } from '../../event-store/src/event-store.port.js';
import { createReadModelDataSource } from '../../read-models/src/data-source.js';
import { testEventStore } from '../../../test/support/audit-events.js';
import { PgPublisherCheckpoints } from '../src/checkpoints.js';
import { createIdempotentProducer, createKafka } from '../src/kafka.js';
import { AnalyticsProducer, KafkaPublisher } from '../src/kafka-publisher.js';

/**
 * The publisher's checkpoint logic against the real PostgreSQL event store and checkpoint
 * table. The Kafka producer here is NOT Kafka: `ControlledFakeProducer` is an in-test fake
 * with kafkajs' `send` shape whose acknowledgements the test releases or fails by hand, to
 * check when the checkpoint moves. What a broker does is checked only by
 * kafka.conformance.spec.ts (when KAFKA_BROKERS is set); the real kafkajs client without a
 * broker is checked at the end of this file.
 */
class ControlledFakeProducer implements AnalyticsProducer {
  readonly calls: ProducerRecord[] = [];
  private pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  /** When set, sends acknowledge at once (true) or fail at once (an error). */
  auto: true | Error | undefined;

  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    this.calls.push(record);
    if (this.auto === true) return Promise.resolve([]);
    if (this.auto) return Promise.reject(this.auto);
    return new Promise((resolve, reject) => this.pending.push({ resolve: () => resolve([]), reject }));
  }

  get waiting() {
    return this.pending.length;
  }

  acknowledge() {
    this.pending.shift()!.resolve();
  }

  fail(error = new Error('broker said no')) {
    this.pending.shift()!.reject(error);
  }

  sentIds(): string[] {
    return this.calls.flatMap((c) => c.messages.map((m) => JSON.parse(String(m.value)).id));
  }
}

let env: Awaited<ReturnType<typeof testEventStore>>;
let store: EventStore;
let db: DataSource;
let checkpoints: PgPublisherCheckpoints;

beforeAll(async () => {
  env = await testEventStore();
  store = env.store;
  db = createReadModelDataSource(env.url, 5);
  await db.initialize();
  await db.runMigrations();
  checkpoints = new PgPublisherCheckpoints(db);
});

afterAll(async () => {
  await db?.destroy();
  await env?.close();
});

async function until(condition: () => boolean | Promise<boolean>, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met');
    await new Promise((r) => setTimeout(r, 10));
  }
}

let streamNo = 0;
async function appendMessages(count: number) {
  const stream = `conversation-dpub${++streamNo}`;
  const events = Array.from({ length: count }, (_, i) => ({
    type: 'MessageSent',
    data: { messageId: `m${streamNo}-${i}`, conversationId: `dpub${streamNo}`, seq: i + 1, senderId: 'a', recipientIds: ['b'], body: 'secret', sentAt: new Date().toISOString() },
  }));
  const { positions } = await store.append(stream, events, 'any');
  return { positions, events: await store.readAll(positions[0] - 1n, count) };
}

describe('KafkaPublisher checkpoint (fake producer standing in for the broker\'s acknowledgement)', () => {
  it('moves the checkpoint only after send resolves', async () => {
    const producer = new ControlledFakeProducer();
    const publisher = new KafkaPublisher(store, checkpoints, producer, { topic: 't', name: 'ack-test' });
    const { positions, events } = await appendMessages(3);
    const publishing = publisher.publish(events);
    await until(() => producer.waiting === 1);
    expect(producer.calls[0]).toMatchObject({ topic: 't', acks: -1 });
    expect(await checkpoints.load('ack-test')).toBe(0n);
    producer.acknowledge();
    await publishing;
    expect(await checkpoints.load('ack-test')).toBe(positions[2]);
  });

  it('a failed send leaves the checkpoint; the running publisher retries from it and re-sends, skipping nothing', async () => {
    const producer = new ControlledFakeProducer();
    const { positions, events } = await appendMessages(4);
    await checkpoints.advance('retry-test', async () => positions[0] - 1n);
    const publisher = new KafkaPublisher(store, checkpoints, producer, { topic: 't', name: 'retry-test', retryDelayMs: () => 10 });
    publisher.start();
    try {
      await until(() => producer.waiting === 1);
      producer.fail();
      await until(() => producer.waiting === 1);
      expect(await checkpoints.load('retry-test')).toBe(positions[0] - 1n);
      producer.acknowledge();
      await until(async () => (await checkpoints.load('retry-test')) >= positions[3]);
    } finally {
      producer.auto = true;
      await publisher.stop();
    }
    const ids = events.map((e) => e.id);
    const sent = producer.sentIds();
    expect(sent.slice(0, 4)).toEqual(ids);
    expect(sent.slice(4, 8)).toEqual(ids);
  });

  it('two publishers of one name publishing the same batch send it once (the checkpoint row is locked per batch)', async () => {
    const producer = new ControlledFakeProducer();
    producer.auto = true;
    const { positions, events } = await appendMessages(5);
    await checkpoints.advance('pair-test', async () => positions[0] - 1n);
    const one = new KafkaPublisher(store, checkpoints, producer, { topic: 't', name: 'pair-test' });
    const two = new KafkaPublisher(store, checkpoints, producer, { topic: 't', name: 'pair-test' });
    await Promise.all([one.publish(events), two.publish(events)]);
    expect(producer.sentIds()).toEqual(events.map((e) => e.id));
  });

  it('operational records (auditors, audit log) are passed over but the checkpoint moves past them', async () => {
    const producer = new ControlledFakeProducer();
    producer.auto = true;
    const { positions } = await store.append('audit-log', [{ type: 'AuditRead', data: { auditor: 'x' } }], 'any');
    await checkpoints.advance('ops-test', async () => positions[0] - 1n);
    await new KafkaPublisher(store, checkpoints, producer, { topic: 't', name: 'ops-test' }).publish(await store.readAll(positions[0] - 1n, 1));
    expect(producer.calls).toEqual([]);
    expect(await checkpoints.load('ops-test')).toBe(positions[0]);
  });
});

describe('KafkaPublisher with the real kafkajs client and no broker', () => {
  it('connect fails within seconds, and publishing fails without moving the checkpoint', async () => {
    const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'no-broker-test', retries: 1 });
    const producer = createIdempotentProducer(kafka);
    const started = Date.now();
    await expect(producer.connect()).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
    const { positions, events } = await appendMessages(2);
    await checkpoints.advance('no-broker', async () => positions[0] - 1n);
    await expect(new KafkaPublisher(store, checkpoints, producer, { topic: 't', name: 'no-broker' }).publish(events)).rejects.toThrow();
    expect(await checkpoints.load('no-broker')).toBe(positions[0] - 1n);
    await producer.disconnect();
  }, 20_000);
});
