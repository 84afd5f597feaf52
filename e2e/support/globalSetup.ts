/**
 * Once per `playwright test` run: check the browser is there, build what is stale, snapshot the build and
 * create the users (see stack.ts). Returns the teardown that removes the run's temporary folder.
 */
import { existsSync } from 'node:fs';
import { CHROMIUM, prepareRun } from './stack.js';

export default async function globalSetup(): Promise<() => void> {
  if (!existsSync(CHROMIUM)) {
    // Same rule as scripts/test.mjs: the suite drives Debian's Chromium and never downloads a browser.
    throw new Error(`The browser suite needs Debian's Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  }
  const startedAt = performance.now();
  const cleanup = await prepareRun();
  console.log(`e2e: build and seeded database ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  return cleanup;
}
