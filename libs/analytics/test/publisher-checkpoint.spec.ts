import type { ProducerRecord, RecordMetadata } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import type { EventStore, SubscribeOptions } from '../../event-store/src/event-store.port.js';
import { createReadModelDataSource } from '../../read-models/src/data-source.js';
import { messageSent, testEventStore } from '../../../test/support/audit-events.js';
import { PgPublisherCheckpoints, type PublisherCheckpoints } from '../src/checkpoints.js';
import { createIdempotentProducer, createKafka, idempotentProducerFor } from '../src/kafka.js';
import { AnalyticsProducer, CheckpointMovedError, KafkaPublisher, messageBytes, toKafkaMessage } from '../src/kafka-publisher.js';
import { FakeKafkaBroker, fakeProducers } from './fake-kafka.js';

/**
 * The publisher's logic against the real PostgreSQL event store and checkpoint table. The Kafka
 * side here is NOT Kafka: `ControlledFakeProducer` is an in-test fake with kafkajs' `send` shape
 * whose acknowledgements the test releases or fails by hand; `FakeKafkaBroker` and
 * `FakeKafkaProducer` (fake-kafka.ts) fake the idempotent producer's sequence numbers and the
 * broker's checks on them and on batch size, which is what the publisher's recovery depends on.
 * What a broker does is checked only by kafka.conformance.spec.ts (when KAFKA_BROKERS is set);
 * the real kafkajs client without a broker is checked at the end of this file.
 */
class ControlledFakeProducer implements AnalyticsProducer {
  readonly calls: ProducerRecord[] = [];
  private pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  /** When set, sends acknowledge at once (true) or fail at once (an error). */
  auto: true | Error | undefined;
  connections = 0;
  /** Connects to this same fake (a ConnectProducer). */
  readonly connect = async () => (this.connections++, this);

  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    this.calls.push(record);
    if (this.auto === true) return Promise.resolve([]);
    if (this.auto) return Promise.reject(this.auto);
    return new Promise((resolve, reject) => this.pending.push({ resolve: () => resolve([]), reject }));
  }

  async disconnect() {}

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

async function setCheckpoint(publisher: string, position: bigint) {
  await checkpoints.advance(publisher, await checkpoints.load(publisher), position);
}

let streamNo = 0;
async function appendMessages(count: number, conversation = `dpub${++streamNo}`, recipientIds = ['b']) {
  const events = Array.from({ length: count }, (_, i) => messageSent(conversation, i + 1, 'a', recipientIds, new Date().toISOString(), 'secret'));
  const { positions } = await store.append(`conversation-${conversation}`, events, 'any');
  return { positions, events: await store.readAll(positions[0] - 1n, count) };
}

describe('KafkaPublisher checkpoint (fake producer standing in for the broker\'s acknowledgement)', () => {
  it('moves the checkpoint only after send resolves', async () => {
    const producer = new ControlledFakeProducer();
    const publisher = new KafkaPublisher(store, checkpoints, producer.connect, { topic: 't', name: 'ack-test' });
    const { positions, events } = await appendMessages(3);
    const publishing = publisher.publish(events);
    await until(() => producer.waiting === 1);
    expect(producer.calls[0]).toMatchObject({ topic: 't', acks: -1 });
    expect(await checkpoints.load('ack-test')).toBe(0n);
    producer.acknowledge();
    await publishing;
    expect(await checkpoints.load('ack-test')).toBe(positions[2]);
  });

  it('a failed send leaves the checkpoint; the running publisher reconnects, retries from it and re-sends, skipping nothing', async () => {
    const producer = new ControlledFakeProducer();
    const { positions, events } = await appendMessages(4);
    await setCheckpoint('retry-test', positions[0] - 1n);
    const publisher = new KafkaPublisher(store, checkpoints, producer.connect, { topic: 't', name: 'retry-test', retryDelayMs: () => 10 });
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
    expect(producer.connections).toBe(2);
    const ids = events.map((e) => e.id);
    const sent = producer.sentIds();
    expect(sent.slice(0, 4)).toEqual(ids);
    expect(sent.slice(4, 8)).toEqual(ids);
  });

  it('holds no transaction or row lock while the broker has not answered', async () => {
    const producer = new ControlledFakeProducer();
    const { positions, events } = await appendMessages(2);
    await setCheckpoint('lock-test', positions[0] - 1n);
    const publishing = new KafkaPublisher(store, checkpoints, producer.connect, { topic: 't', name: 'lock-test' }).publish(events);
    await until(() => producer.waiting === 1);
    await db.transaction(async (tx) => {
      await tx.query('SELECT position FROM analytics_checkpoints WHERE publisher = $1 FOR UPDATE NOWAIT', ['lock-test']);
    });
    producer.acknowledge();
    await publishing;
    expect(await checkpoints.load('lock-test')).toBe(positions[1]);
  });

  it('two publishers of one name sending the same batch: both may send, only one advances; the other finds the checkpoint moved', async () => {
    const slow = new ControlledFakeProducer();
    const fast = new ControlledFakeProducer();
    fast.auto = true;
    const { positions, events } = await appendMessages(5);
    await setCheckpoint('pair-test', positions[0] - 1n);
    const one = new KafkaPublisher(store, checkpoints, slow.connect, { topic: 't', name: 'pair-test' }).publish(events);
    await until(() => slow.waiting === 1);
    await new KafkaPublisher(store, checkpoints, fast.connect, { topic: 't', name: 'pair-test' }).publish(events);
    expect(await checkpoints.load('pair-test')).toBe(positions[4]);
    slow.acknowledge();
    await expect(one).rejects.toBeInstanceOf(CheckpointMovedError);
    expect(await checkpoints.load('pair-test')).toBe(positions[4]);
    // Once it has seen the moved checkpoint, the second publisher sends nothing again.
    await new KafkaPublisher(store, checkpoints, slow.connect, { topic: 't', name: 'pair-test' }).publish(events);
    expect(slow.calls).toHaveLength(1);
  });

  it('operational records (auditors, audit log) are passed over but the checkpoint moves past them', async () => {
    const producer = new ControlledFakeProducer();
    producer.auto = true;
    const { positions } = await store.append('audit-log', [{ type: 'AuditRead', data: { auditor: 'x' } }], 'any');
    await setCheckpoint('ops-test', positions[0] - 1n);
    await new KafkaPublisher(store, checkpoints, producer.connect, { topic: 't', name: 'ops-test' }).publish(await store.readAll(positions[0] - 1n, 1));
    expect(producer.calls).toEqual([]);
    expect(await checkpoints.load('ops-test')).toBe(positions[0]);
  });

  it('stopped while the checkpoint is being read, it never subscribes nor sends, and stop resolves', async () => {
    let release = () => {};
    const held: PublisherCheckpoints = {
      load: (name) => new Promise<void>((resolve) => (release = resolve)).then(() => checkpoints.load(name)),
      advance: (name, from, to) => checkpoints.advance(name, from, to),
    };
    let subscriptions = 0;
    const counting: EventStore = { ...store, subscribeToAll: (options: SubscribeOptions) => (subscriptions++, store.subscribeToAll(options)) };
    await appendMessages(1);
    const producer = new ControlledFakeProducer();
    producer.auto = true;
    const publisher = new KafkaPublisher(counting, held, producer.connect, { topic: 't', name: 'stop-test' });
    publisher.start();
    const stopping = publisher.stop();
    release();
    await stopping;
    await new Promise((r) => setTimeout(r, 50));
    expect(subscriptions).toBe(0);
    expect(producer.calls).toEqual([]);
  });
});

describe('KafkaPublisher against a broker that has bad days (FakeKafkaBroker, FakeKafkaProducer: fakes, not Kafka)', () => {
  async function publishUntilCaughtUp(broker: FakeKafkaBroker, name: string, upTo: bigint, options: { maxBatchBytes?: number } = {}) {
    const connect = fakeProducers(broker);
    const publisher = new KafkaPublisher(store, checkpoints, connect, { topic: 't', name, retryDelayMs: () => 20, ...options });
    publisher.start();
    try {
      await until(async () => (await checkpoints.load(name)) >= upTo, 3_000);
    } finally {
      await publisher.stop();
    }
    return connect.connected;
  }

  for (const failure of ['lost-ack', 'partial'] as const) {
    it(`a ${failure === 'lost-ack' ? 'lost acknowledgement' : 'partial acknowledgement'}, then a different batch from the checkpoint: a new producer gets it through (the old one is refused for ever)`, async () => {
      const broker = new FakeKafkaBroker();
      const first = await appendMessages(3, `lost-${failure}-a`);
      await appendMessages(3, `lost-${failure}-b`);
      const name = `lost-${failure}`;
      await setCheckpoint(name, first.positions[0] - 1n);
      broker.failNext(failure);
      // Before the publisher hears of the failure, more events arrive: the batch re-sent from the checkpoint is larger.
      let more: Awaited<ReturnType<typeof appendMessages>> | undefined;
      broker.onFailure = async () => {
        broker.onFailure = async () => {};
        more = await appendMessages(2, `lost-${failure}-a`);
      };
      const producers = await publishUntilCaughtUp(broker, name, (await store.headPosition()));
      expect(broker.refusals.map((r) => r.type)).not.toContain('OUT_OF_ORDER_SEQUENCE_NUMBER');
      expect(producers.length).toBeGreaterThanOrEqual(2);
      const written = new Set(broker.writtenIds());
      for (const event of [...first.events, ...more!.events]) expect(written.has(event.id)).toBe(true);
    });
  }

  it('a group of 1,024 members: its messages carry a recipient count, not 1,023 ids, and publish under the broker\'s message.max.bytes', async () => {
    const broker = new FakeKafkaBroker();
    const members = Array.from({ length: 1023 }, (_, i) => `member-${String(i).padStart(20, '0')}`);
    const { positions, events } = await appendMessages(60, 'gbig', members);
    await setCheckpoint('big-group', positions[0] - 1n);
    const record = JSON.parse(String(toKafkaMessage(events[0]).value));
    expect(record.data.recipientCount).toBe(1023);
    expect(record.data).not.toHaveProperty('recipientIds');
    expect(messageBytes(toKafkaMessage(events[0]))).toBeLessThan(2_000);
    await publishUntilCaughtUp(broker, 'big-group', positions[59]);
    expect(broker.refusals).toEqual([]);
  });

  it('sends are capped by bytes: a batch larger than the broker accepts goes in several sends, each moving the checkpoint', async () => {
    const broker = new FakeKafkaBroker(1);
    broker.messageMaxBytes = 64 * 1024;
    const { positions, events } = await appendMessages(400, 'dmany');
    const total = events.reduce((sum, e) => sum + messageBytes(toKafkaMessage(e)), 0);
    expect(total).toBeGreaterThan(broker.messageMaxBytes * 2);
    await setCheckpoint('byte-cap', positions[0] - 1n);
    await publishUntilCaughtUp(broker, 'byte-cap', positions[399], { maxBatchBytes: 48 * 1024 });
    expect(broker.refusals).toEqual([]);
    expect(broker.writtenIds()).toEqual(events.map((e) => e.id));
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
    await setCheckpoint('no-broker', positions[0] - 1n);
    await expect(new KafkaPublisher(store, checkpoints, idempotentProducerFor(kafka, 't'), { topic: 't', name: 'no-broker' }).publish(events)).rejects.toThrow();
    expect(await checkpoints.load('no-broker')).toBe(positions[0] - 1n);
    await producer.disconnect();
  }, 20_000);
});
