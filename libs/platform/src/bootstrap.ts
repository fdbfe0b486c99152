import 'reflect-metadata';
import { DynamicModule, INestApplication, Module, Type, WebSocketAdapter } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ValidationPipe } from '@nestjs/common';
import type { Logger } from 'pino';
import { InputGuardPipe } from '../../protocol/src/input-guard.js';
import { validationFailed } from '../../protocol/src/validation.js';
import { Config, ConfigError, loadConfig } from './config.js';
import { configureHttpApp } from './http-app.js';
import { createLogger, PinoNestLogger } from './logger.js';
import { PlatformModule } from './platform.module.js';
import { connectRuntime, Runtime } from './runtime.js';

export interface AppDefinition {
  name: string;
  modules: Type[];
  /** The WebSocket adapter, for an app that serves sockets (the live feed at /v1/ws). */
  websocket?: (nest: INestApplication, runtime: Runtime) => WebSocketAdapter;
}

@Module({})
class AppModule {
  static compose(runtime: Runtime, modules: Type[]): DynamicModule {
    return { module: AppModule, imports: [PlatformModule.forRuntime(runtime), ...modules] };
  }
}

/** Builds and starts one Nest app on a connected runtime. */
export async function startApp(runtime: Runtime, app: AppDefinition): Promise<INestApplication> {
  const { config, logger } = runtime;
  const nest = await NestFactory.create(AppModule.compose(runtime, app.modules), {
    bodyParser: false,
    logger: new PinoNestLogger(logger.child({ component: 'nest' })),
  });
  configureHttpApp(nest, config, logger, `Messenger ${app.name}`);
  nest.useGlobalPipes(new InputGuardPipe(), new ValidationPipe({ whitelist: true, transform: true, exceptionFactory: validationFailed }));
  if (app.websocket) nest.useWebSocketAdapter(app.websocket(nest, runtime));
  await nest.listen(config.PORT);
  return nest;
}

const SHUTDOWN_DEADLINE_MS = 10_000;

/**
 * Runs a process: validates the configuration, starts, and on SIGINT/SIGTERM closes in
 * order (Nest app first, so sockets and the projector stop before their stores).
 */
export async function runProcess(name: string, start: (config: Config, logger: Logger) => Promise<() => Promise<void>>): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.LOG_LEVEL, name);
  let stop: (() => Promise<void>) | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // Whatever holds the stop up (a client that never finishes its request), the process ends.
    setTimeout(() => {
      logger.warn({ seconds: SHUTDOWN_DEADLINE_MS / 1000 }, 'shutdown took too long; exiting now');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    try {
      await stop?.();
    } catch (error) {
      logger.error({ err: error }, 'error during shutdown');
      process.exitCode = 1;
    }
    process.exit();
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  try {
    stop = await start(config, logger);
  } catch (error) {
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else logger.fatal({ err: error }, 'failed to start');
    process.exitCode = 1;
    await shutdown('startup-failure');
  }
}

export { connectRuntime };
