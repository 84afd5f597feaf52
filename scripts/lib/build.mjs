/**
 * Helpers for the npm scripts: read `.env`, rebuild what is missing or older than its sources, and run a
 * child process as if it were this one (same stdio, signals forwarded, same exit code).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

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

/** Newest modification time (ms) of the files under `paths` (files or folders, relative to ROOT); tests do not count. */
function newestSourceMtimeMs(paths) {
  let newest = 0;
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
  for (const p of paths) visit(path.join(ROOT, p));
  return newest;
}

/** Why `output` must be (re)built from `sources`, or null when it is up to date. */
function staleReason(output, sources) {
  let outputMtimeMs;
  try {
    outputMtimeMs = statSync(path.join(ROOT, output)).mtimeMs;
  } catch {
    return `${output} is missing`;
  }
  return newestSourceMtimeMs(sources) > outputMtimeMs ? `${output} is older than its sources` : null;
}

export const SERVER_SOURCES = ['server', 'common', 'tsconfig.server.json', 'tsconfig.base.json'];
export const CLIENT_SOURCES = ['src', 'index.html', 'common', 'vite.config.ts', 'tsconfig.client.json', 'public'];

/**
 * Runs `npm run <script>` when `output` is stale, printing one line first. Resolves when up to date;
 * exits this process with the build's exit code when the build fails.
 */
export async function buildIfStale({ script, output, sources, what }) {
  const reason = staleReason(output, sources);
  if (!reason) return;
  console.log(`> Building ${what} (${reason})…`);
  const { code, signal } = await waitForExit(spawn(NPM, ['run', '--silent', script], { cwd: ROOT, stdio: 'inherit' }));
  if (code !== 0) {
    console.error(`Building ${what} failed (npm run ${script}).`);
    process.exit(exitCodeOf(code, signal));
  }
}

export function waitForExit(child) {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/** A child's exit status as a shell reports it: its code, or 128 + the number of the signal that ended it. */
export function exitCodeOf(code, signal) {
  if (code !== null) return code;
  return 128 + (constants.signals[signal] ?? 1);
}

const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * Runs `command args` in its own process group with this process's stdio, forwards the first
 * SIGINT/SIGTERM/SIGHUP to it, and exits with its exit code.
 *
 * Its own process group, and one forwarded signal: Ctrl-C reaches this process both from the terminal and
 * from `npm run` (which forwards signals to its script), and a server that drains on the first SIGINT
 * must not be killed by a second one.
 */
export async function runInPlaceOf(command, args, options = {}) {
  const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit', detached: true, ...options });
  let forwarded = false;
  const forward = (signal) => {
    if (forwarded || child.exitCode !== null || child.signalCode !== null) return;
    forwarded = true;
    child.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  // If this process goes away for another reason, do not leave the child running on its own.
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.on('exit', killOnExit);
  try {
    const { code, signal } = await waitForExit(child);
    process.exitCode = exitCodeOf(code, signal);
  } finally {
    process.off('exit', killOnExit);
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
  }
}
