import { formatFigures, LiveFigures } from '../../../libs/analytics/src/figures.js';
import { createKafka, parseBrokers } from '../../../libs/analytics/src/kafka.js';
import type { AnalyticsCloudEvent } from '../../../libs/analytics/src/cloudevents.js';
import { parseSse } from '../../../libs/analytics/src/sse.js';
import { ConfigError, loadConfig } from '../../../libs/platform/src/config.js';

/**
 * `npm run analytics`: an example consumer of the analytics stream. Follows Kafka when
 * KAFKA_BROKERS is set (consumer group ANALYTICS_GROUP_ID), otherwise the live tail of a
 * running server (ANALYTICS_URL, default http://localhost:PORT) with an analytics or auditor
 * token (ANALYTICS_TOKEN; make one with `npm run admin -- create-analytics NAME`).
 * Prints figures every ANALYTICS_INTERVAL_SECONDS (default 5). `--from-beginning` replays
 * the whole stream first.
 */
const fromBeginning = process.argv.includes('--from-beginning');
const intervalMs = Number(process.env.ANALYTICS_INTERVAL_SECONDS ?? 5) * 1000;
const figures = new LiveFigures();
let stopping = false;

function accept(raw: string): void {
  try {
    const event = JSON.parse(raw) as AnalyticsCloudEvent;
    if (event?.specversion === '1.0' && typeof event.type === 'string') figures.add(event);
  } catch {
    // not a CloudEvent: ignore
  }
}

async function followKafka(brokers: string[], topic: string, clientId: string): Promise<() => Promise<void>> {
  const kafka = createKafka({ brokers, clientId: `${clientId}-analytics-example` });
  const consumer = kafka.consumer({ groupId: process.env.ANALYTICS_GROUP_ID ?? 'messenger-analytics-example' });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning });
  await consumer.run({ eachMessage: async ({ message }) => {
      if (message.value) accept(message.value.toString('utf8'));
    },
  });
  process.stderr.write(`following Kafka topic ${topic} on ${brokers.join(',')}\n`);
  return () => consumer.disconnect();
}

async function followTail(baseUrl: string, token: string): Promise<() => Promise<void>> {
  const abort = new AbortController();
  let lastEventId: string | undefined = fromBeginning ? '0' : undefined;
  const loop = async () => {
    for (let attempt = 0; !stopping; attempt++) {
      try {
        const response = await fetch(`${baseUrl}/v1/audit/tail?format=cloudevents`, {
          headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
          signal: abort.signal,
        });
        if (response.status === 401 || response.status === 403) {
          process.stderr.write(`the server refused the token (${response.status}): ${await response.text()}\n`);
          process.exit(2);
        }
        if (!response.ok || !response.body) throw new Error(`tail answered ${response.status}`);
        process.stderr.write(`following the live tail of ${baseUrl}${lastEventId ? ` after ${lastEventId}` : ''}\n`);
        attempt = 0;
        for await (const message of parseSse(response.body as AsyncIterable<Uint8Array>, (id) => (lastEventId = id))) accept(message.data);
      } catch (error) {
        if (stopping) return;
        const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error instanceof Error ? error.message : String(error));
        process.stderr.write(`cannot follow ${baseUrl}/v1/audit/tail (${cause}); retrying\n`);
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** attempt)));
    }
  };
  void loop();
  return async () => abort.abort();
}

async function main(): Promise<void> {
  const config = loadConfig();
  const brokers = parseBrokers(config.KAFKA_BROKERS);
  let stop: () => Promise<void>;
  if (brokers.length > 0) {
    stop = await followKafka(brokers, config.KAFKA_TOPIC, config.KAFKA_CLIENT_ID);
  } else {
    const token = process.env.ANALYTICS_TOKEN;
    if (!token) {
      process.stderr.write(
        'KAFKA_BROKERS is not set, so this follows the live tail of a running server, which needs a token:\n' +
          '  npm run admin -- create-analytics my-dashboard\n' +
          '  ANALYTICS_TOKEN=<that token> npm run analytics\n',
      );
      process.exit(2);
    }
    stop = await followTail((process.env.ANALYTICS_URL ?? `http://localhost:${config.PORT}`).replace(/\/$/, ''), token);
  }
  const timer = setInterval(() => process.stdout.write(formatFigures(figures.snapshot()) + '\n'), intervalMs);
  const shutdown = async () => {
    stopping = true;
    clearInterval(timer);
    await stop().catch(() => undefined);
    process.stdout.write(formatFigures(figures.snapshot()) + '\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((error) => {
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `analytics: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
