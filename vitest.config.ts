import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Three projects:
 * - `server`: Node, real databases and HTTP; `client`: the React client in jsdom. Together they are the tier a
 *   developer runs often (`npm run test:unit`, under a minute on two cores).
 * - `slow`: files named `*.slow.test.ts`: checks that need real wall-clock time or a whole build (the client
 *   bundle scan, timing medians, a real terminal). `npm test` and CI run them after the others have finished, one
 *   file at a time, so no other test competes with their clocks.
 */
const SLOW_TESTS = '**/*.slow.test.ts';
const SERVER_TESTS = ['server/**/*.test.ts', 'common/**/*.test.ts', 'test/**/*.test.ts'];

const serverLike = {
  environment: 'node' as const,
  globals: false,
  globalSetup: ['test/support/globalSetup.ts'],
  setupFiles: ['test/support/propertyRuns.ts', 'test/support/realTimers.ts'],
  testTimeout: 30_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    // Most test time is waiting (HTTP round trips, databases, simulated 2Factor delays), so one worker more than
    // half again the cores keeps them busy: 39 s instead of 60 s for test:unit on two cores.
    maxWorkers: '150%',
    projects: [
      {
        test: {
          ...serverLike,
          name: 'server',
          include: SERVER_TESTS,
          exclude: [...configDefaults.exclude, SLOW_TESTS],
          sequence: { groupOrder: 0 },
          // The server's files share one module graph per worker instead of importing it again for each file
          // (their state lives in what each test builds: apps, databases, simulators). Halves the CPU time.
          isolate: false,
        },
      },
      {
        plugins: [react()],
        resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
        test: {
          name: 'client',
          environment: 'jsdom',
          include: ['src/**/*.test.{ts,tsx}'],
          setupFiles: ['src/test/setup.ts'],
          // Vitest blanks CSS by default; the theme's own file stays readable (`?raw`) for the colour-contrast tests.
          css: { include: [/\/src\/index\.css/] },
          globals: false,
          sequence: { groupOrder: 0 },
          // The client's files share one jsdom and one module graph per worker (each test renders its own tree
          // and the setup file cleans up after it): 12 s instead of 31 s for the same 246 tests.
          isolate: false,
        },
      },
      {
        test: {
          ...serverLike,
          name: 'slow',
          include: [SLOW_TESTS],
          sequence: { groupOrder: 1 },
          fileParallelism: false,
        },
      },
    ],
  },
});
