import { defineConfig } from 'vitest/config';

/**
 * The process-level fault suite (`npm run test:faults`): the built server as a child process against its
 * own PostgreSQL and Redis instances, which the tests stop and restart. Slow (a few minutes) and
 * sequential by design; `npm test` runs it under CI=true.
 */
export default defineConfig({
  test: {
    name: 'faults',
    environment: 'node',
    include: ['test/faults/**/*.fault.ts'],
    globals: false,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
