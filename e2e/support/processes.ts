/**
 * Child processes for the browser suite: spawned with a clean environment, their output kept (bounded) for
 * failure reports, waited for by what they print, and stopped by their own pid (SIGTERM, then SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';

const OUTPUT_LIMIT_CHARS = 200_000;

export interface ChildHandle {
  readonly name: string;
  readonly pid: number;
  readonly alive: boolean;
  /** What it printed (stdout and stderr interleaved), the newest OUTPUT_LIMIT_CHARS at most. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects if the process exits first or after `timeoutMs`. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Every live child, so a worker that dies abruptly still takes them down with it. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** The variables every child gets: nothing from the developer's shell except where binaries live. */
export function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };
}

export function startChild(name: string, command: string, args: string[], options: { cwd: string; env: Record<string, string> }): ChildHandle {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  live.add(child);
  let output = '';
  let closed = false;
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > OUTPUT_LIMIT_CHARS * 2) output = output.slice(-OUTPUT_LIMIT_CHARS);
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    // 'close', not 'exit': by then everything it printed has been read.
    child.once('close', (code, signal) => {
      closed = true;
      live.delete(child);
      resolve({ code, signal });
      for (const listener of listeners) listener();
    });
  });
  const isAlive = () => child.exitCode === null && child.signalCode === null;

  return {
    name,
    pid: child.pid,
    get alive() {
      return isAlive();
    },
    output: () => output.slice(-OUTPUT_LIMIT_CHARS),
    exited,
    waitForOutput(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (match) return finish(() => resolve(match));
          if (closed) {
            return finish(() => reject(new Error(`${name} exited (code ${child.exitCode}, signal ${child.signalCode}) before printing ${pattern}:\n${output.slice(-4000)}`)));
          }
        };
        const timer = setTimeout(
          () => finish(() => reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${output.slice(-4000)}`))),
          timeoutMs,
        );
        const finish = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    async stop(graceMs = 15_000) {
      if (!isAlive()) return;
      process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => {
        if (isAlive()) process.kill(child.pid!, 'SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs a command to completion; rejects with its output when it fails. */
export async function runToCompletion(name: string, command: string, args: string[], options: { cwd: string; env: Record<string, string>; timeoutMs: number }): Promise<string> {
  const handle = startChild(name, command, args, options);
  const timer = setTimeout(() => void handle.stop(2_000), options.timeoutMs);
  const { code, signal } = await handle.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${name} failed (code ${code}, signal ${signal}):\n${handle.output().slice(-4000)}`);
  return handle.output();
}
