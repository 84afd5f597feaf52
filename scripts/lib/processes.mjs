/**
 * The one process supervisor of the scripts and test harnesses (bench, fault suite, browser suite,
 * `npm start`): start a child in its own process group, keep what it prints, wait for a line or an HTTP
 * answer, and stop it (SIGTERM to it, SIGKILL to its whole group after a grace period, and to whatever of
 * its group outlives it: a cluster's workers, the node under `npm run` or `tsx watch`).
 *
 * Only processes started or adopted here are ever signalled, by their own pid or process group. When this
 * process exits, every group still running is killed, so an aborted run leaves nothing behind.
 *
 * Plain JavaScript (typed with JSDoc, checked by `npm run typecheck`): `npm start` runs it with Node alone.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { constants } from 'node:os';

/** How much of a child's output is kept for waits and failure reports (the newest part), by default. */
const DEFAULT_OUTPUT_LIMIT_CHARS = 200_000;
/** After 'exit', how long to wait for its output streams to close before reporting the exit anyway. */
const CLOSE_AFTER_EXIT_MS = 2_000;
/** The newest output quoted in an error about a process: enough for its last stack trace. */
export const FAILURE_OUTPUT_TAIL_CHARS = 4_000;
/** What stop() gives a process between SIGTERM and SIGKILL: a server drains and closes its pools in that time. */
const STOP_GRACE_MS = 15_000;
/** The same for everything at once, when a run ends. */
const STOP_ALL_GRACE_MS = 5_000;
/** One readiness probe may take this long; a server still booting often holds the connection. */
const READINESS_PROBE_TIMEOUT_MS = 1_000;
const READINESS_POLL_MS = 150;

/**
 * @typedef {{ code: number | null, signal: NodeJS.Signals | null }} ExitStatus
 *
 * @typedef {object} ProcessHandle
 * @property {string} name
 * @property {number} pid
 * @property {import('node:child_process').ChildProcess} child
 * @property {boolean} alive
 * @property {() => string} output  what it printed (stdout and stderr interleaved), the newest part
 * @property {(pattern: RegExp, timeoutMs: number) => Promise<RegExpMatchArray>} waitForOutput
 *   the first match of `pattern` in its output; rejects if it exits first or after `timeoutMs`
 * @property {Promise<ExitStatus>} exited  resolves once it has exited and its output has been read
 * @property {(signal: NodeJS.Signals) => void} signal  sends `signal` to it (not to its group)
 * @property {(graceMs?: number) => Promise<void>} stop
 *   SIGTERM, SIGKILL to its group after `graceMs` (default 15 s); resolves once it and its group are gone
 */

/** @type {Map<number, ProcessHandle>} */
const live = new Map();
let exitHookInstalled = false;

/** @param {number} pid */
function killGroup(pid) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // the group is empty
  }
}

/**
 * Starts `command args` in its own process group, its output kept (not printed) unless `stdio` is 'inherit'.
 * `outputLimitChars` bounds what is kept (the newest part; Infinity keeps all, for tests that read every log line).
 * @param {string} name  for messages
 * @param {string} command
 * @param {readonly string[]} args
 * @param {{ cwd: string, env: NodeJS.ProcessEnv, stdio?: 'pipe' | 'inherit', outputLimitChars?: number }} options
 * @returns {ProcessHandle}
 */
export function startProcess(name, command, args, { cwd, env, stdio = 'pipe', outputLimitChars }) {
  const child = spawn(command, args, {
    cwd,
    env,
    stdio: stdio === 'pipe' ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    detached: true,
  });
  return adoptProcess(name, child, { outputLimitChars });
}

/**
 * Takes charge of a child started elsewhere (e.g. with `fork`); it must have been started `detached`, so it
 * leads its own process group.
 * @param {string} name
 * @param {import('node:child_process').ChildProcess} child
 * @param {{ outputLimitChars?: number | undefined }} [options]
 * @returns {ProcessHandle}
 */
export function adoptProcess(name, child, { outputLimitChars = DEFAULT_OUTPUT_LIMIT_CHARS } = {}) {
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: could not be started`);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', killAllProcessesNow);
  }

  let output = '';
  /** @type {Set<() => void>} */
  const listeners = new Set();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  /** @param {Buffer} chunk */
  const append = (chunk) => {
    output += chunk.toString('utf8');
    if (output.length > outputLimitChars * 2) output = output.slice(-outputLimitChars);
    notify();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);

  let done = false;
  /** @type {Promise<ExitStatus>} */
  const exitEvent = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  /** @type {Promise<ExitStatus>} */
  const exited = new Promise((resolve) => {
    const finish = (/** @type {ExitStatus} */ status) => {
      if (done) return;
      done = true;
      live.delete(pid);
      resolve(status);
      notify();
    };
    // 'close' comes once everything it printed has been read; a grandchild holding its pipes open must not
    // keep that from ever happening.
    child.once('close', (code, signal) => finish({ code, signal }));
    void exitEvent.then((status) => setTimeout(() => finish(status), CLOSE_AFTER_EXIT_MS).unref());
  });
  const isAlive = () => child.exitCode === null && child.signalCode === null;

  /** @type {ProcessHandle} */
  const handle = {
    name,
    pid,
    child,
    get alive() {
      return isAlive();
    },
    output: () => (output.length > outputLimitChars ? output.slice(-outputLimitChars) : output),
    exited,
    signal(signal) {
      if (isAlive()) child.kill(signal);
    },
    waitForOutput(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (match) return finish(() => resolve(match));
          if (done) {
            const status = `code ${child.exitCode}, signal ${child.signalCode}`;
            finish(() =>
              reject(
                new Error(
                  `${name} exited (${status}) before printing ${pattern}:\n${output.slice(-FAILURE_OUTPUT_TAIL_CHARS)}`,
                ),
              ),
            );
          }
        };
        const timer = setTimeout(
          () =>
            finish(() =>
              reject(
                new Error(
                  `${name} did not print ${pattern} within ${timeoutMs} ms:\n${output.slice(-FAILURE_OUTPUT_TAIL_CHARS)}`,
                ),
              ),
            ),
          timeoutMs,
        );
        /** @param {() => void} settle */
        const finish = (settle) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    async stop(graceMs = STOP_GRACE_MS) {
      if (isAlive()) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => killGroup(pid), graceMs);
        await exitEvent;
        clearTimeout(timer);
      }
      // Whatever of its group outlived it (workers, a child of npm or tsx) is ended here.
      killGroup(pid);
      await exited;
    },
  };
  live.set(pid, handle);
  return handle;
}

/**
 * Stops every process started here that is still running.
 * @param {number} [graceMs]
 */
export async function stopAllProcesses(graceMs = STOP_ALL_GRACE_MS) {
  await Promise.all([...live.values()].map((handle) => handle.stop(graceMs)));
}

/** Last resort when this process is exiting and cannot wait: SIGKILL every group started here. */
export function killAllProcessesNow() {
  for (const pid of live.keys()) killGroup(pid);
}

/**
 * Polls `url` until it answers 200; throws after `timeoutMs`, or as soon as `handle` (the process that
 * should answer) has exited.
 * @param {string} url
 * @param {number} timeoutMs
 * @param {ProcessHandle} [handle]
 */
export async function waitForHttp(url, timeoutMs, handle) {
  const deadline = Date.now() + timeoutMs;
  const last = () => (handle ? `\n${handle.output().slice(-FAILURE_OUTPUT_TAIL_CHARS)}` : '');
  for (;;) {
    if (handle && !handle.alive) throw new Error(`${handle.name} exited while starting${last()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(READINESS_PROBE_TIMEOUT_MS) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms${last()}`);
    await new Promise((resolve) => setTimeout(resolve, READINESS_POLL_MS));
  }
}

/**
 * A free TCP port on 127.0.0.1 (the kernel's choice, released before this resolves).
 * @returns {Promise<number>}
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * @param {import('node:child_process').ChildProcess} child
 * @returns {Promise<ExitStatus>}
 */
export function waitForExit(child) {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

/**
 * A child's exit status as a shell reports it: its code, or 128 + the number of the signal that ended it.
 * @param {number | null} code
 * @param {NodeJS.Signals | null} signal
 */
export function exitCodeOf(code, signal) {
  if (code !== null) return code;
  return 128 + (signal ? constants.signals[signal] : 1);
}

/** @type {NodeJS.Signals[]} */
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** How often runInPlaceOf checks that the process which started it is still there. */
const PARENT_CHECK_MS = 500;

/**
 * Runs `command args` as if it were this process: its own process group, this process's stdio, the first
 * SIGINT/SIGTERM/SIGHUP forwarded, and this process's exit code set to its own.
 *
 * One forwarded signal: Ctrl-C reaches this process both from the terminal and from `npm run` (which
 * forwards signals to its script), and a server that drains on the first SIGINT must not be killed by a
 * second one.
 *
 * When the process that started this one goes away, the child gets SIGTERM as well. That is how a SIGTERM
 * to `npm start` arrives here: npm passes it to the shell that runs the script, the shell dies of it, and
 * this process is left behind under a new parent without ever receiving a signal (a process manager that
 * signals npm's pid alone, as Docker does, would otherwise leave the server running).
 * @param {string} command
 * @param {readonly string[]} args
 * @param {{ cwd: string }} options
 */
export async function runInPlaceOf(command, args, { cwd }) {
  const handle = startProcess(command, command, args, { cwd, env: process.env, stdio: 'inherit' });
  let forwarded = false;
  /** @param {NodeJS.Signals} signal */
  const forward = (signal) => {
    if (forwarded) return;
    forwarded = true;
    handle.signal(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  const parentPid = process.ppid;
  const parentCheck = setInterval(() => {
    if (process.ppid !== parentPid) forward('SIGTERM');
  }, PARENT_CHECK_MS);
  try {
    const { code, signal } = await handle.exited;
    process.exitCode = exitCodeOf(code, signal);
  } finally {
    clearInterval(parentCheck);
    for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
  }
}
