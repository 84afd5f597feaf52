/**
 * The one answer to "is the build stale?", for `npm start`, the CLIs (run-built.mjs), the bench, the fault
 * suite and the browser suite: an output is stale when it is missing or older than the newest of its sources
 * (test files do not count). Also reads `.env` for the scripts that start the server.
 *
 * Plain JavaScript (typed with JSDoc, checked by `npm run typecheck`): `npm start` runs it with Node alone,
 * after `npm prune --omit=dev` has removed TypeScript and tsx.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitCodeOf, waitForExit } from './processes.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * @typedef {object} BuildTarget
 * @property {string} script   the npm script that builds it
 * @property {string} output   the file whose age stands for the whole build (relative to ROOT, or absolute)
 * @property {string[]} sources files and folders it is built from (relative to ROOT, or absolute)
 * @property {string} what     how to name it in messages
 */

/** @type {Readonly<BuildTarget>} */
export const SERVER_BUILD = Object.freeze({
  script: 'build:server',
  output: 'dist/server/server/index.js',
  sources: ['server', 'common', 'tsconfig.server.json', 'tsconfig.base.json'],
  what: 'the server',
});

/** @type {Readonly<BuildTarget>} */
export const CLIENT_BUILD = Object.freeze({
  script: 'build:client',
  output: 'dist/client/index.html',
  sources: ['src', 'index.html', 'common', 'vite.config.ts', 'tsconfig.client.json', 'public'],
  what: 'the web app',
});

/**
 * Reads `.env` at the project root into this process's environment, if there is one, for the server and
 * CLIs started from here. Variables already set in the environment win over the file.
 */
export function loadDotEnv() {
  const file = path.join(ROOT, '.env');
  if (!existsSync(file)) return;
  process.loadEnvFile(file);
  console.log('> Using settings from .env');
}

const TEST_FILE = /\.test\.[cm]?[jt]sx?$/;

/**
 * Newest modification time (ms) of the files under `paths` (relative to ROOT); tests and node_modules do not count.
 * @param {readonly string[]} paths
 */
function newestSourceMtimeMs(paths) {
  let newest = 0;
  /** @param {string} target */
  const visit = (target) => {
    let stat;
    try {
      stat = statSync(target);
    } catch {
      return; // an optional input that does not exist
    }
    if (stat.isDirectory()) {
      for (const entry of readdirSync(target)) if (entry !== 'node_modules') visit(path.join(target, entry));
    } else if (!TEST_FILE.test(target)) {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  for (const p of paths) visit(path.resolve(ROOT, p));
  return newest;
}

/**
 * Why `target` must be (re)built, or null when it is up to date.
 * @param {Readonly<BuildTarget>} target
 * @returns {string | null}
 */
export function staleReason(target) {
  let outputMtimeMs;
  try {
    outputMtimeMs = statSync(path.resolve(ROOT, target.output)).mtimeMs;
  } catch {
    return `${target.output} is missing`;
  }
  return newestSourceMtimeMs(target.sources) > outputMtimeMs ? `${target.output} is older than its sources` : null;
}

/**
 * Runs `npm run <script>` when `target` is stale, after one line through `log`. Resolves when it is up to
 * date; rejects when the build fails. `quiet` keeps the build's output and puts its end in the error instead
 * of printing it (for test runners, whose own output it would interleave with).
 * @param {Readonly<BuildTarget>} target
 * @param {{ log?: (line: string) => void, quiet?: boolean }} [options]
 * @returns {Promise<void>}
 */
export async function buildIfStale(target, { log = console.log, quiet = false } = {}) {
  const reason = staleReason(target);
  if (!reason) return;
  log(`> Building ${target.what} (${reason})…`);
  const child = spawn(NPM, ['run', '--silent', target.script], {
    cwd: ROOT,
    stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr])
    stream?.on('data', (chunk) => void (output = (output + String(chunk)).slice(-8_000)));
  const { code, signal } = await waitForExit(child);
  if (code !== 0) {
    throw new Error(
      `Building ${target.what} failed (npm run ${target.script}, exit code ${exitCodeOf(code, signal)})${output ? `:\n${output}` : '.'}`,
    );
  }
}

/**
 * What `npm start` and the CLIs do before running the build: outside production, build whatever is stale;
 * under NODE_ENV=production, never build (a production install may have pruned tsc and Vite with the dev
 * dependencies), only refuse a build that is missing. Rejects with a message for the user.
 * @param {ReadonlyArray<Readonly<BuildTarget>>} targets
 */
export async function prepareBuild(targets) {
  if (process.env.NODE_ENV?.trim() !== 'production') {
    for (const target of targets) await buildIfStale(target);
    return;
  }
  const missing = targets
    .filter((target) => !existsSync(path.resolve(ROOT, target.output)))
    .map((target) => target.output);
  if (missing.length > 0) {
    throw new Error(
      `NODE_ENV=production: ${missing.join(' and ')} missing; npm start never builds in production. Build first: npm run build`,
    );
  }
}
