import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { AnalyticsPublisherModule } from '../../libs/analytics/src/analytics-publisher.module.js';
import { CommandApiModule } from '../../libs/command-api/src/command-api.module.js';
import { protocolWebSocket } from '../../libs/gateway/src/protocol-ws-adapter.js';
import { ProjectorModule } from '../../libs/projections/src/projector.module.js';
import { QueryApiModule } from '../../libs/query-api/src/query-api.module.js';
import type { Clock } from '../../libs/domain/src/clock.js';
import { connectRuntime, startApp } from '../../libs/platform/src/bootstrap.js';
import { loadConfig } from '../../libs/platform/src/config.js';
import { createLogger } from '../../libs/platform/src/logger.js';
import type { Runtime } from '../../libs/platform/src/runtime.js';
import { createTestDatabase } from './database.js';
import { freePort } from './ports.js';

export const TEST_SECRETS = {
  jwtSecret: 'test-jwt-secret-that-is-long-enough-0123456789',
  idSecret: 'test-id-secret-that-is-long-enough-0123456789',
  masterKey: Buffer.alloc(32, 7).toString('base64'),
};

export interface TestSystem {
  baseUrl: string;
  wsUrl: string;
  databaseUrl: string;
  /** The media folder (a fresh temporary one unless MEDIA_DIR was given; removed on close). */
  mediaDir: string;
  runtime: Runtime;
  close(): Promise<void>;
}

/**
 * The whole system in this process (as `npm start` runs it) on a fresh database of the test
 * cluster, over real HTTP and WebSockets on a free port. A test that checks a time window
 * passes a `ManualClock` and moves time itself; one that restarts the system passes the first
 * one's `DATABASE_URL` and `port`.
 */
export async function startTestSystem(env: Record<string, string> = {}, options: { clock?: Clock; port?: number } = {}): Promise<TestSystem> {
  const databaseUrl = env.DATABASE_URL ?? (await createTestDatabase());
  const port = options.port ?? (await freePort());
  const ownMediaDir = env.MEDIA_DIR === undefined ? await mkdtemp(path.join(tmpdir(), 'test-media-')) : undefined;
  const mediaDir = env.MEDIA_DIR ?? ownMediaDir!;
  const config = loadConfig({ LOG_LEVEL: 'error', ...env, MEDIA_DIR: mediaDir, PORT: String(port) });
  const logger = createLogger(config.LOG_LEVEL, 'test');
  const runtime = await connectRuntime({ config, logger, databaseUrl, secrets: TEST_SECRETS, clock: options.clock });
  let app: INestApplication;
  try {
    app = await startApp(runtime, { name: 'test', modules: [CommandApiModule, QueryApiModule, ProjectorModule, AnalyticsPublisherModule], websocket: protocolWebSocket });
  } catch (error) {
    await runtime.close();
    throw error;
  }
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/v1/ws`,
    databaseUrl,
    mediaDir,
    runtime,
    close: async () => {
      await app.close();
      await runtime.close();
      if (ownMediaDir) await rm(ownMediaDir, { recursive: true, force: true });
    },
  };
}
