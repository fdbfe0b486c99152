import { ConfigError, requireSecrets } from './config.js';
import { AppDefinition, connectRuntime, runProcess, startApp } from './bootstrap.js';

/** One app of the split deployment: its own process against a shared PostgreSQL (DATABASE_URL). */
export function runSplitApp(app: AppDefinition): Promise<void> {
  const { name } = app;
  return runProcess(name, async (config, logger) => {
    if (!config.DATABASE_URL) throw new ConfigError('Invalid configuration:\n  DATABASE_URL: required when running apps as separate processes');
    const runtime = await connectRuntime({ config, logger, databaseUrl: config.DATABASE_URL, secrets: requireSecrets(config) });
    const nest = await startApp(runtime, app).catch(async (error) => {
      await runtime.close();
      throw error;
    });
    process.stdout.write(`${name} listening on http://localhost:${config.PORT}\n`);
    return async () => {
      await nest.close();
      await runtime.close();
    };
  });
}
