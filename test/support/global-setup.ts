import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../libs/platform/src/embedded-postgres.js';
import { freePort } from './ports.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}

/** One throwaway PostgreSQL cluster for the whole run; every test file makes its own database in it. */
export default async function setup(project: TestProject) {
  const dataDir = path.resolve('.data', `test-cluster-${process.pid}`);
  const postgres = await startEmbeddedPostgres({ dataDir, port: await freePort(), password: 'test', durable: false });
  project.provide('postgresAdminUrl', postgres.connectionString('postgres'));
  return async () => {
    await postgres.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
