import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Integration files each start servers and share one MongoDB backend;
    // two cores do not gain from more parallelism than this.
    fileParallelism: true,
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: {
          // Pure code: no MongoDB is chosen or started for these.
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/support/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'mongo',
          include: ['test/conformance/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/interop/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
