/**
 * The browser suite (e2e/*.spec.ts): Debian's Chromium (never a downloaded browser) against the production
 * build, a fresh database and the 2Factor simulator, all started by e2e/support (globalSetup + the `stack`
 * fixture). One worker: the machine has two cores and the flows share one server per worker.
 * `npm test` runs it after Vitest; `npm run e2e` runs it alone.
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results',
  globalSetup: './e2e/support/globalSetup.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: process.env.CI === 'true',
  // Generous: other suites and benchmarks may share the two cores. Waits are on conditions, never fixed.
  timeout: 120_000,
  globalTimeout: 15 * 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    headless: true,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    },
    locale: 'en-IN',
    timezoneId: 'Asia/Kolkata',
    actionTimeout: 20_000,
    navigationTimeout: 30_000,
    screenshot: 'only-on-failure',
    // Recording a trace slows every test by about a third on a busy machine; E2E_TRACE=1 keeps one per failure.
    trace: process.env.E2E_TRACE === '1' ? 'retain-on-failure' : 'off',
  },
  projects: [{ name: 'chromium' }],
});
