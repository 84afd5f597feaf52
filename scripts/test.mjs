/**
 * `npm test`: every Vitest project (server, client and the slow tier; `npm run test:unit` leaves the slow tier
 * out), then the browser suite (Playwright, e2e/*.spec.ts) when there is one. Extra arguments go to Vitest
 * (`npm test -- server/config.test.ts`).
 *
 * What runs depends on the machine, and this says so instead of passing quietly:
 * - the PostgreSQL suites run only with TEST_DATABASE_URL, the Redis ones only with TEST_REDIS_URL
 *   (under CI=true the suites themselves require them);
 * - the browser suite needs Debian's Chromium at /usr/bin/chromium: without it, CI=true fails, and a
 *   developer's run skips it with a note;
 * - the process-level fault suite (vitest.faults.config.ts, a few minutes) runs under CI=true or with
 *   RUN_FAULTS=1, and is skipped with a note otherwise (`npm run test:faults` runs it alone).
 * Exits non-zero if anything failed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './lib/build.mjs';
import { exitCodeOf, waitForExit } from './lib/processes.mjs';

const CHROMIUM = '/usr/bin/chromium';
const isCi = process.env.CI === 'true';
const bin = (/** @type {string} */ name) =>
  path.join(ROOT, 'node_modules', '.bin', process.platform === 'win32' ? `${name}.cmd` : name);

if (!isCi) {
  if (!process.env.TEST_DATABASE_URL) {
    console.log(
      'Note: the PostgreSQL suite runs only with TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres); this run uses PGlite only.',
    );
  }
  if (!process.env.TEST_REDIS_URL) {
    console.log(
      'Note: the Redis suite runs only with TEST_REDIS_URL (e.g. redis://127.0.0.1:6379); this run skips it.',
    );
  }
}

/**
 * Runs a command with this terminal; on Ctrl-C the child (same process group) stops by itself.
 * @param {string} command
 * @param {string[]} args
 */
async function run(command, args, env = process.env) {
  const { code, signal } = await waitForExit(spawn(command, args, { cwd: ROOT, stdio: 'inherit', env }));
  return exitCodeOf(code, signal);
}

/** @param {string} dir */
function hasSpecs(dir) {
  if (!existsSync(dir)) return false;
  return readdirSync(dir, { recursive: true }).some((name) => String(name).endsWith('.spec.ts'));
}

/**
 * Vitest's counts from its JSON report, for a plain closing line; null when it wrote none.
 * @param {string} file
 */
function readVitestCounts(file) {
  try {
    const report = JSON.parse(readFileSync(file, 'utf8'));
    return {
      passed: report.numPassedTests,
      failed: report.numFailedTests,
      skipped: report.numPendingTests + report.numTodoTests,
      // Files that failed without a failing test: they could not load or a hook failed.
      brokenFiles: report.testResults.filter(
        (/** @type {{ status: string, assertionResults: Array<{ status: string }> }} */ file) =>
          file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed'),
      ).length,
    };
  } catch {
    return null;
  }
}

const failures = [];

const reportDir = mkdtempSync(path.join(tmpdir(), 'sms-otp-test-'));
const reportFile = path.join(reportDir, 'vitest.json');
const vitestCode = await run(bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${reportFile}`,
  ...process.argv.slice(2),
]);
const counts = readVitestCounts(reportFile);
rmSync(reportDir, { recursive: true, force: true });
if (counts) {
  console.log(`vitest: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  if (counts.brokenFiles > 0)
    console.log(`vitest: ${counts.brokenFiles} test files failed outside their tests (import or hook errors)`);
}
if (vitestCode !== 0) failures.push(`Vitest (exit code ${vitestCode})`);

if (process.argv.length > 2) {
  // Only some Vitest files were asked for: the fault suite is not part of that.
} else if (isCi || process.env.RUN_FAULTS === '1') {
  const faultsCode = await run(bin('vitest'), ['run', '--config', 'vitest.faults.config.ts']);
  if (faultsCode !== 0) failures.push(`fault suite (exit code ${faultsCode})`);
} else {
  console.log('Fault suite skipped (slow; runs under CI=true or RUN_FAULTS=1): npm run test:faults');
}

if (process.argv.length > 2) {
  // Only some Vitest files were asked for: the browser suite is not part of that.
} else if (!hasSpecs(path.join(ROOT, 'e2e'))) {
  console.log('Browser suite: no e2e/*.spec.ts yet, nothing to run.');
} else if (!existsSync(CHROMIUM)) {
  if (isCi) {
    console.error(
      `Browser suite: ${CHROMIUM} is missing, and CI=true requires the browser suite. Install it with: apt-get install -y chromium`,
    );
    failures.push('browser suite (Chromium missing)');
  } else {
    console.log(
      `Browser suite skipped: ${CHROMIUM} is missing (install Debian's chromium: apt-get install -y chromium).`,
    );
  }
} else {
  const playwrightCode = await run(bin('playwright'), ['test']);
  if (playwrightCode !== 0) failures.push(`browser suite (Playwright exit code ${playwrightCode})`);
}

if (failures.length > 0) {
  console.error(`Failed: ${failures.join('; ')}.`);
  process.exit(1);
}
