/**
 * PostgreSQL and Redis instances owned by the fault suite: started on spare loopback ports in temporary
 * directories, so the suite can stop and restart them at will without touching the shared services on
 * 5432/6379. Every instance is stopped and its directory removed by `stop()`, and (best effort) when the
 * test process exits.
 *
 * PostgreSQL: `initdb` (trust auth) and `pg_ctl` from /usr/lib/postgresql/<newest>/bin. initdb refuses to run
 * as root, so as root they run as the `postgres` OS user (runuser) in a directory that user owns.
 * Redis: `redis-server --port <port> --save "" --appendonly no`, a child process of the tests.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const cleanups = new Set<() => void>();
process.once('exit', () => {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // best effort: the process is going away
    }
  }
});

/** A free TCP port on 127.0.0.1 at or above `from` (bind test; the caller binds it right after). */
export async function freePort(from: number): Promise<number> {
  const start = from + Math.floor(Math.random() * 500);
  for (let port = start; port < start + 2000; port += 1) {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port found from ${start}`);
}

function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((name) => existsSync(path.join(root, name, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0)
    throw new Error(`PostgreSQL server binaries not found under ${root}/*/bin (apt-get install postgresql).`);
  return path.join(root, versions[0]!, 'bin');
}

export function requireFaultSuiteTools(): void {
  postgresBinDir();
  if (!['/usr/bin/redis-server', '/usr/local/bin/redis-server'].some((file) => existsSync(file))) {
    throw new Error('redis-server not found (apt-get install redis-server).');
  }
}

const isRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL tool as the `postgres` OS user when we are root (initdb and pg_ctl refuse root). */
function pgTool(bin: string, args: string[]) {
  return isRoot ? run('runuser', ['-u', 'postgres', '--', bin, ...args]) : run(bin, args);
}

export interface PostgresInstance {
  port: number;
  /** Superuser URL of `database` (default `postgres`); trust auth: any password is accepted, and none is checked. */
  url: (password?: string, database?: string) => string;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT to the postmaster and every backend: a database that holds connections but answers nothing. */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

export async function startPostgres(): Promise<PostgresInstance> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(path.join(tmpdir(), 'sms-otp-faults-pg-'));
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  if (isRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    chownSync(dir, uid, gid);
  }
  const forceStop = () => {
    // Synchronous fallback for process exit: the postmaster's pid is the first line of postmaster.pid.
    try {
      const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (pid > 0) process.kill(pid, 'SIGQUIT');
    } catch {
      // not running
    }
    rmSync(dir, { recursive: true, force: true });
  };
  cleanups.add(forceStop);

  await pgTool(path.join(bin, 'initdb'), [
    '-D',
    dataDir,
    '-A',
    'trust',
    '-U',
    'postgres',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  const port = await freePort(55432);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  const pgCtl = (args: string[]) => pgTool(path.join(bin, 'pg_ctl'), ['-D', dataDir, ...args]);

  let frozen: number[] = [];
  const postmasterPid = () => Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const instance: PostgresInstance = {
    port,
    async freeze() {
      const postmaster = postmasterPid();
      const { stdout } = await run('pgrep', ['-P', String(postmaster)]).catch(() => ({ stdout: '' }));
      frozen = [postmaster, ...stdout.split('\n').filter(Boolean).map(Number)];
      for (const pid of frozen) process.kill(pid, 'SIGSTOP');
    },
    async thaw() {
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
      frozen = [];
    },
    url: (password, database = 'postgres') =>
      `postgres://postgres${password ? `:${password}` : ''}@127.0.0.1:${port}/${database}`,
    async start() {
      await pgCtl(['-l', logFile, '-o', options, '-w', '-t', '60', 'start']);
    },
    async stop(mode = 'fast') {
      await pgCtl(['-m', mode, '-w', '-t', '60', 'stop']).catch((error: unknown) => {
        // Already stopped is fine.
        if (!/Is server running\?|not running/i.test(String((error as { stderr?: string }).stderr ?? error)))
          throw error;
      });
    },
    async destroy() {
      await instance.thaw().catch(() => undefined);
      await instance.stop('immediate').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      cleanups.delete(forceStop);
    },
  };
  await instance.start();
  return instance;
}

export interface RedisInstance {
  port: number;
  url: string;
  readonly running: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startRedis(): Promise<RedisInstance> {
  const port = await freePort(56379);
  let child: ChildProcess | undefined;
  const kill = () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  cleanups.add(kill);

  const instance: RedisInstance = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get running() {
      return Boolean(child && child.exitCode === null && child.signalCode === null);
    },
    async start() {
      const proc = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child = proc;
      let output = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`redis-server did not start within 15 s:\n${output}`)), 15_000);
        proc.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('Ready to accept connections')) {
            clearTimeout(timer);
            resolve();
          }
        });
        proc.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`redis-server exited with ${code}:\n${output}`));
        });
      });
    },
    async stop() {
      const proc = child;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      await exited;
    },
    async destroy() {
      await instance.stop();
      cleanups.delete(kill);
    },
  };
  await instance.start();
  return instance;
}

/**
 * The environment of a server on these services and the given 2Factor (simulator), with the per-IP and hourly
 * limits raised so a load test measures the fault, not the abuse limits.
 */
export function loadTestEnv(
  postgres: PostgresInstance,
  redis: RedisInstance,
  twoFactor: { url: string; apiKey: string },
): Record<string, string> {
  return {
    DATABASE_URL: postgres.url(),
    REDIS_URL: redis.url,
    TWO_FACTOR_API_KEY: twoFactor.apiKey,
    TWO_FACTOR_BASE_URL: twoFactor.url,
    SMS_RATE_LIMIT_PER_MIN: '1000000',
    SMS_MAX_SENDS_PER_HOUR: '1000000',
    SMS_MAX_SENDS_PER_PHONE_PER_DAY: '1000000',
    SMS_DAILY_BUDGET: '1000000',
  };
}
