/**
 * The browser suite (e2e/*.spec.ts): Debian's Chromium (never a downloaded browser) against the production
 * build, a fresh database and the 2Factor simulator, all started by e2e/support (globalSetup + the `stack`
 * fixture). One worker: the machine has two cores and the flows share one server per worker.
 * `npm test` runs it after Vitest; `npm run e2e` runs it alone.
 */
import { defineConfig } from '@playwright/test';

// Generous: other suites and benchmarks may share the two cores. Waits are on conditions, never fixed.
const TEST_TIMEOUT_MS = 120_000;
const SUITE_TIMEOUT_MS = 15 * 60_000;
const EXPECT_TIMEOUT_MS = 15_000;
const ACTION_TIMEOUT_MS = 20_000;
const NAVIGATION_TIMEOUT_MS = 30_000;
/** A laptop-sized window; the phone-width flow sets its own. */
const DESKTOP_VIEWPORT_PX = { width: 1280, height: 800 };

export default defineConfig({
  testDir: './e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results',
  globalSetup: './e2e/support/globalSetup.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: process.env.CI === 'true',
  timeout: TEST_TIMEOUT_MS,
  globalTimeout: SUITE_TIMEOUT_MS,
  expect: { timeout: EXPECT_TIMEOUT_MS },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    viewport: DESKTOP_VIEWPORT_PX,
    headless: true,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
    },
    locale: 'en-IN',
    timezoneId: 'Asia/Kolkata',
    actionTimeout: ACTION_TIMEOUT_MS,
    navigationTimeout: NAVIGATION_TIMEOUT_MS,
    screenshot: 'only-on-failure',
    // Recording a trace slows every test by about a third on a busy machine; E2E_TRACE=1 keeps one per failure.
    trace: process.env.E2E_TRACE === '1' ? 'retain-on-failure' : 'off',
  },
  projects: [{ name: 'chromium' }],
});
