import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['libs/**/test/**/*.spec.ts', 'apps/**/test/**/*.spec.ts', 'test/**/*.spec.ts', 'bench/**/*.spec.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
