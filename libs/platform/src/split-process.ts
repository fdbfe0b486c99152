import { Type } from '@nestjs/common';
import { ConfigError, requireSecrets } from './config.js';
import { connectRuntime, runProcess, startApp } from './bootstrap.js';

/** One app of the split deployment: its own process against a shared PostgreSQL (DATABASE_URL). */
export function runSplitApp(name: string, modules: Type[], websocket: boolean): Promise<void> {
  return runProcess(name, async (config, logger) => {
    if (!config.DATABASE_URL) throw new ConfigError('Invalid configuration:\n  DATABASE_URL: required when running apps as separate processes');
    const runtime = await connectRuntime({ config, logger, databaseUrl: config.DATABASE_URL, secrets: requireSecrets(config) });
    const app = await startApp(runtime, { name, modules, websocket }).catch(async (error) => {
      await runtime.close();
      throw error;
    });
    process.stdout.write(`${name} listening on http://localhost:${config.PORT}\n`);
    return async () => {
      await app.close();
      await runtime.close();
    };
  });
}
