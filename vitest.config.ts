import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['libs/**/test/**/*.spec.ts', 'apps/**/test/**/*.spec.ts', 'test/**/*.spec.ts', 'bench/**/*.spec.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Eventual conditions (a tick turning blue, a projection catching up) get the time a
    // loaded CI machine needs, as Playwright's own waits do; 1 s (the default) is too tight there.
    expect: { poll: { timeout: 10_000 } },
  },
});
