/**
 * The suite's `test`: a stack per worker (server + simulator on a fresh database; a spec that needs other
 * limits sets `stackEnv` and gets its own), the browser pointed at it, and on failure the page's console
 * output, uncaught page errors and the server's and simulator's output attached to the report.
 * Uncaught errors in the page fail the test: the app must not throw, whatever the server answers.
 */
import { writeFile } from 'node:fs/promises';
import { test as base, expect } from '@playwright/test';
import { startStack, type Stack } from './stack.js';
import type { SimulatorClient } from './simulator.js';

/** A worker's stack: a build when the sources changed, a seeded database, the simulator and the server. */
const STACK_TIMEOUT_MS = 180_000;

interface WorkerFixtures {
  /** Server variables for this spec's stack (limits); a spec that sets it runs on its own stack. */
  stackEnv: Record<string, string>;
  stack: Stack;
}

interface TestFixtures {
  simulator: SimulatorClient;
  /** Console lines and page errors of every page in the test's browser context. */
  browserLog: { lines: string[]; pageErrors: string[] };
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  stackEnv: [{}, { scope: 'worker', option: true }],

  stack: [
    async ({ stackEnv }, use, workerInfo) => {
      const stack = await startStack({ env: stackEnv, label: `worker${workerInfo.workerIndex}` });
      try {
        await use(stack);
      } finally {
        await stack.stop();
      }
    },
    { scope: 'worker', timeout: STACK_TIMEOUT_MS },
  ],

  baseURL: async ({ stack }, use) => {
    await use(stack.url);
  },

  simulator: async ({ stack }, use) => {
    await use(stack.simulator);
  },

  browserLog: [
    async ({ context, stack }, use, testInfo) => {
      const log = { lines: [] as string[], pageErrors: [] as string[] };
      const stamp = () => new Date().toISOString().slice(11, 23);
      context.on('console', (message) => {
        const location = message.location();
        const where = location.url ? ` (${location.url}:${location.lineNumber})` : '';
        log.lines.push(`${stamp()} [${message.type()}] ${message.text()}${where}`);
      });
      context.on('weberror', (error) => {
        const text = error.error().stack ?? error.error().message;
        log.pageErrors.push(text);
        log.lines.push(`${stamp()} [pageerror] ${text}`);
      });

      await use(log);

      if (testInfo.status !== testInfo.expectedStatus || log.pageErrors.length > 0) {
        // Files next to the failure screenshot (test-results/<test>/), and attached to the report.
        const files = {
          'browser-console.txt': log.lines.join('\n') || '(no console output)',
          'server-and-simulator.log': stack.diagnostics(),
        };
        for (const [name, text] of Object.entries(files)) {
          const file = testInfo.outputPath(name);
          await writeFile(file, `${text}\n`);
          await testInfo.attach(name, { path: file, contentType: 'text/plain' });
        }
      }
      expect(log.pageErrors, 'uncaught errors in the page').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
