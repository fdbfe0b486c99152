import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataSource } from 'typeorm';
import type { EventStore } from '../../event-store/src/event-store.port.js';
import { createReadModelDataSource } from '../../read-models/src/data-source.js';
import { testEventStore } from '../../../test/support/audit-events.js';
import { PgPublisherCheckpoints } from '../src/checkpoints.js';
import { createKafka, ensureTopic, idempotentProducerFor, parseBrokers } from '../src/kafka.js';
import { CLOUDEVENTS_CONTENT_TYPE, KafkaPublisher } from '../src/kafka-publisher.js';

/** Against a real broker: runs when KAFKA_BROKERS is set. */
const brokers = parseBrokers(process.env.KAFKA_BROKERS);
if (brokers.length === 0) console.warn('Kafka publisher conformance suite skipped: KAFKA_BROKERS is not set');

describe.skipIf(brokers.length === 0)('Kafka publisher against the broker at KAFKA_BROKERS', () => {
  const topic = `messenger-conformance-${randomUUID()}`;
  let env: Awaited<ReturnType<typeof testEventStore>>;
  let store: EventStore;
  let db: DataSource;

  beforeAll(async () => {
    env = await testEventStore();
    store = env.store;
    db = createReadModelDataSource(env.url, 5);
    await db.initialize();
    await db.runMigrations();
    await ensureTopic(createKafka({ brokers, clientId: 'conformance' }), topic, 3);
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
    await env?.close();
  });

  it('publishes every event once as a CloudEvent keyed by conversation, in order per key, redacted, and checkpoints after the ack', async () => {
    const conversations = ['dk1', 'dk2', 'dk3'];
    for (let seq = 1; seq <= 5; seq++) {
      for (const c of conversations) {
        await store.append(`conversation-${c}`, [{ type: 'MessageSent', data: { messageId: `${c}-${seq}`, conversationId: c, seq, senderId: 'a', recipientIds: ['b'], kind: 'text', body: 'TOP SECRET BODY', sentAt: new Date().toISOString() } }], 'any');
      }
    }
    const head = await store.headPosition();
    const kafka = createKafka({ brokers, clientId: 'conformance' });
    const checkpoints = new PgPublisherCheckpoints(db);
    const publisher = new KafkaPublisher(store, checkpoints, idempotentProducerFor(kafka, topic), { topic, name: `conformance-${topic}` });
    publisher.start();

    const consumer = kafka.consumer({ groupId: `conformance-${randomUUID()}` });
    const received: { key: string; value: any; contentType: string }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push({ key: String(message.key), value: JSON.parse(String(message.value)), contentType: String(message.headers?.['content-type']) });
      },
    });
    try {
      const deadline = Date.now() + 30_000;
      while (received.length < 15 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(received).toHaveLength(15);
      expect(new Set(received.map((r) => r.value.id)).size).toBe(15);
      for (const c of conversations) {
        const mine = received.filter((r) => r.key === c);
        expect(mine.map((r) => r.value.data.seq)).toEqual([1, 2, 3, 4, 5]);
      }
      expect(received.every((r) => r.value.specversion === '1.0' && r.contentType === CLOUDEVENTS_CONTENT_TYPE)).toBe(true);
      expect(JSON.stringify(received)).not.toContain('TOP SECRET BODY');
      expect(await checkpoints.load(`conformance-${topic}`)).toBe(head);
    } finally {
      await consumer.disconnect();
      await publisher.stop();
    }
  }, 60_000);

  it('publishes a backlog bigger than message.max.bytes (1,500 group messages to 1,023 recipients) without MESSAGE_TOO_LARGE', async () => {
    const name = `conformance-big-${topic}`;
    const checkpoints = new PgPublisherCheckpoints(db);
    await checkpoints.advance(name, await checkpoints.load(name), await store.headPosition());
    const recipientIds = Array.from({ length: 1023 }, (_, i) => `member-${String(i).padStart(20, '0')}`);
    const events = Array.from({ length: 1500 }, (_, i) => ({
      type: 'MessageSent',
      data: { messageId: `big-${i}`, conversationId: 'gbig', conversationType: 'group', seq: i + 1, senderId: 'a', recipientIds, kind: 'text', body: 'x', sentAt: new Date().toISOString() },
    }));
    for (let i = 0; i < events.length; i += 100) await store.append('conversation-gbig', events.slice(i, i + 100), 'any');
    const head = await store.headPosition();
    const publisher = new KafkaPublisher(store, checkpoints, idempotentProducerFor(createKafka({ brokers, clientId: 'conformance' }), topic), { topic, name, maxBatchSize: 2_000 });
    publisher.start();
    try {
      const deadline = Date.now() + 45_000;
      while ((await checkpoints.load(name)) < head && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(await checkpoints.load(name)).toBe(head);
    } finally {
      await publisher.stop();
    }
  }, 60_000);
});
