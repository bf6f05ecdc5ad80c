import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests of pure logic, and integration tests that talk to the real local
// stack (three Kafka brokers, PostgreSQL, stripe-mock, Mailpit), which the global setup brings up
// when it is not already running.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{packages,services,scripts,infra,deploy}/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.int.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{packages,services,scripts,infra}/**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: ['./infra/tests/global-setup.ts'],
          // One shared cluster and database on a 2-core machine: files run one after another.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
