/**
 * Every process the bench starts goes through here, so it can stop exactly those (by pid, and the process
 * group it gave each one, which holds a cluster's workers) on success, on error and on Ctrl-C.
 * Nothing here ever signals a process it did not start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

export interface Managed {
  name: string;
  child: ChildProcess;
  pid: number;
  /** The last lines it printed (stdout and stderr), for error messages. */
  tail: string[];
  /** Called with every later output line until it returns true. */
  watch: (listener: (line: string) => boolean) => void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited: () => boolean;
}

const TAIL_LINES = 40;

export class Processes {
  private readonly running = new Map<number, Managed>();

  /** Starts `command args` in its own process group; its output is kept, not printed. */
  start(name: string, command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd: string }): Managed {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    return this.adopt(name, child);
  }

  /** Takes charge of a child started elsewhere (it must have been started `detached`). */
  adopt(name: string, child: ChildProcess): Managed {
    if (child.pid === undefined) throw new Error(`${name} could not be started`);
    const tail: string[] = [];
    let watchers: Array<(line: string) => boolean> = [];
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        watchers = watchers.filter((watcher) => !watcher(line));
      });
    }
    let done = false;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.once('exit', (code, signal) => {
        done = true;
        this.running.delete(child.pid!);
        resolve({ code, signal });
      });
    });
    const watch = (listener: (line: string) => boolean) => void watchers.push(listener);
    const managed: Managed = { name, child, pid: child.pid, tail, watch, exited, hasExited: () => done };
    this.running.set(child.pid, managed);
    return managed;
  }

  /** Resolves with the first output line matching `pattern`; rejects if the process exits or time runs out. */
  waitForLine(managed: Managed, pattern: RegExp, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (error: Error | undefined, line?: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(line!);
      };
      const timer = setTimeout(() => finish(new Error(`${managed.name}: no line matching ${pattern} within ${timeoutMs} ms\n${managed.tail.join('\n')}`)), timeoutMs);
      const seen = managed.tail.find((line) => pattern.test(line));
      if (seen) return finish(undefined, seen);
      managed.watch((line) => {
        if (settled) return true;
        if (!pattern.test(line)) return false;
        finish(undefined, line);
        return true;
      });
      void managed.exited.then(({ code, signal }) => finish(new Error(`${managed.name} exited (${signal ?? code}) before it was ready\n${managed.tail.join('\n')}`)));
    });
  }

  /** SIGTERM, then SIGKILL to its process group after `graceMs`. Resolves once it has exited. */
  async stop(managed: Managed, graceMs = 12_000): Promise<void> {
    if (managed.hasExited()) return;
    try {
      process.kill(managed.pid, 'SIGTERM');
    } catch {
      return; // already gone
    }
    const timer = setTimeout(() => this.killGroup(managed), graceMs);
    await managed.exited;
    clearTimeout(timer);
    // A cluster primary stops its workers itself; anything of its group still alive is ended here.
    this.killGroup(managed);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.values()].map((managed) => this.stop(managed, 5_000)));
  }

  /** Last resort when this process is exiting and cannot wait: SIGKILL every group it started. */
  killAllNow(): void {
    for (const managed of this.running.values()) this.killGroup(managed);
  }

  private killGroup(managed: Managed): void {
    try {
      process.kill(-managed.pid, 'SIGKILL');
    } catch {
      // the group is empty
    }
  }
}

/** A free TCP port on 127.0.0.1 (asked from the kernel, then released). */
export function freePort(): Promise<number> {
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

/** Polls `url` until it answers 200, or throws after `timeoutMs` (or when `managed` exits). */
export async function waitForHttp(url: string, timeoutMs: number, managed?: Managed): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (managed?.hasExited()) throw new Error(`${managed.name} exited while starting\n${managed.tail.join('\n')}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms${managed ? `\n${managed.tail.join('\n')}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
