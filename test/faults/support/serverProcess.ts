/**
 * The built server as a child process (`node dist/server/server/index.js`, NODE_ENV=production), an HTTP
 * client that reports transport failures instead of throwing, and a paced load generator.
 */
import { execFile } from 'node:child_process';
import { request, type IncomingHttpHeaders } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildIfStale, SERVER_BUILD } from '../../../scripts/lib/build.mjs';
import { startProcess } from '../../../scripts/lib/processes.mjs';
import { PROJECT_ROOT } from '../../../server/paths.js';
import { freePort } from './services.js';

export const SERVER_ENTRY = path.join(PROJECT_ROOT, SERVER_BUILD.output);

/** `npm run build:server` when dist/server is missing or older than the server sources (as `npm start` does). */
export async function ensureServerBuilt(): Promise<void> {
  await buildIfStale(SERVER_BUILD, { quiet: true, log: () => undefined });
}

export interface ServerProcess {
  url: string;
  pid: number;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** JSON log lines parsed (non-JSON lines skipped). */
  logLines(): Array<Record<string, unknown>>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; afterMs: number }>;
  readonly alive: boolean;
  signal(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Environment every server run shares; tests add DATABASE_URL, REDIS_URL and overrides. */
export function baseServerEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    APP_SECRET: 'fault-suite-app-secret-0123456789abcdef-xyz',
  };
}

/**
 * Spawns the built server. With `waitUntilListening` it resolves once the server logged "listening on"
 * (and rejects if it exits first); otherwise at once (startup-failure tests wait for `exited`).
 */
export async function spawnServer(
  env: Record<string, string>,
  options: { waitUntilListening?: boolean } = {},
): Promise<ServerProcess> {
  const port = await freePort(43100);
  const startedAt = performance.now();
  const handle = startProcess('server', process.execPath, [SERVER_ENTRY], {
    cwd: PROJECT_ROOT,
    env: { ...baseServerEnv(), PORT: String(port), ...env },
    // Tests count log lines over the whole run (workers listening, one row per request).
    outputLimitChars: Infinity,
  });
  const server: ServerProcess = {
    url: `http://127.0.0.1:${port}`,
    pid: handle.pid,
    output: () => handle.output(),
    logLines: () =>
      handle
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    exited: handle.exited.then((status) => ({ ...status, afterMs: performance.now() - startedAt })),
    get alive() {
      return handle.alive;
    },
    signal: (signal) => handle.signal(signal),
    stop: (graceMs = 15_000) => handle.stop(graceMs),
  };

  if (options.waitUntilListening) {
    try {
      await handle.waitForOutput(/"listening on /, 60_000);
    } catch (error) {
      await handle.stop();
      throw error;
    }
  }
  return server;
}

const run = promisify(execFile);

/** The process ids of `pid`'s children: a cluster primary's workers. */
export async function childPids(pid: number): Promise<number[]> {
  const { stdout } = await run('ps', ['-o', 'pid=', '--ppid', String(pid)]).catch(() => ({ stdout: '' }));
  return stdout
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((n) => n > 0);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface HttpResult {
  startedAtMs: number;
  durationMs: number;
  /** Set when an answer arrived. */
  status?: number;
  body?: Record<string, unknown> | string;
  /** Set when an answer arrived (httpJson only). */
  headers?: IncomingHttpHeaders;
  /** Transport failure (ECONNREFUSED, ECONNRESET, timeout…) when no answer arrived. */
  error?: string;
}

/** One request on a fresh connection (no keep-alive pool), never throwing: failures are reported in the result. */
export function httpJson(
  method: string,
  url: string,
  body?: unknown,
  options: { timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const startedAtMs = performance.now();
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: Omit<HttpResult, 'startedAtMs' | 'durationMs'>) => {
      if (settled) return;
      settled = true;
      resolve({ startedAtMs, durationMs: performance.now() - startedAtMs, ...result });
    };
    const req = request(
      url,
      {
        method,
        agent: false,
        headers: {
          accept: 'application/json',
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          ...options.headers,
        },
        timeout: options.timeoutMs ?? 20_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => void (text += chunk));
        res.on('end', () => {
          let parsed: Record<string, unknown> | string = text;
          try {
            parsed = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // not JSON: keep the text
          }
          done({ status: res.statusCode, body: parsed, headers: res.headers });
        });
        res.on('error', (error: NodeJS.ErrnoException) => done({ error: error.code ?? error.message }));
      },
    );
    req.on('timeout', () => {
      done({ error: 'client timeout' });
      req.destroy();
    });
    req.on('error', (error: NodeJS.ErrnoException) => done({ error: error.code ?? error.message }));
    req.end(payload);
  });
}

/** Signs in through /api/auth/login, as the login page does; returns the `Cookie` header of the new session. */
export async function signIn(serverUrl: string, email: string, password: string): Promise<string> {
  const result = await httpJson('POST', `${serverUrl}/api/auth/login`, { email, password });
  const sessionCookie = result.headers?.['set-cookie']?.[0]?.split(';')[0];
  if (result.status !== 200 || !sessionCookie)
    throw new Error(`sign-in failed: ${result.status} ${JSON.stringify(result.body)}`);
  return sessionCookie;
}

export interface LoadRecord extends HttpResult {
  phone: string;
}

export interface Load {
  readonly records: LoadRecord[];
  /** Stops starting requests and waits for those in flight. */
  stop(): Promise<LoadRecord[]>;
}

/**
 * The same request over Node's fetch, which keeps connections alive in a pool (as a reverse proxy does);
 * transport failures are reported by their code (ECONNRESET, UND_ERR_SOCKET, ECONNREFUSED…).
 */
export async function keepAliveJson(
  method: string,
  url: string,
  body?: unknown,
  timeoutMs = 20_000,
): Promise<HttpResult> {
  const startedAtMs = performance.now();
  try {
    const res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: Record<string, unknown> | string = text;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // not JSON: keep the text
    }
    return { startedAtMs, durationMs: performance.now() - startedAtMs, status: res.status, body: parsed };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    const name = (error as { name?: string }).name;
    return {
      startedAtMs,
      durationMs: performance.now() - startedAtMs,
      error: cause?.code ?? (name === 'TimeoutError' ? 'client timeout' : String(error)),
    };
  }
}

/**
 * Starts `ratePerSecond` login sendOtp requests per second (at most `maxInFlight` at once), each to the next
 * phone of `phones` in turn, until stopped. `keepAlive` sends them over pooled keep-alive connections instead
 * of one fresh connection each.
 */
export function startSendOtpLoad(
  serverUrl: string,
  phones: readonly string[],
  options: { ratePerSecond: number; maxInFlight: number; keepAlive?: boolean; timeoutMs?: number },
): Load {
  const records: LoadRecord[] = [];
  const inFlight = new Set<Promise<void>>();
  let next = 0;
  let stopped = false;
  const intervalMs = 1000 / options.ratePerSecond;
  const tick = () => {
    if (stopped) return;
    if (inFlight.size < options.maxInFlight) {
      const phone = phones[next % phones.length]!;
      next += 1;
      const url = `${serverUrl}/api/sms/sendOtp`;
      const body = { phone, purpose: 'login' };
      const sent = options.keepAlive
        ? keepAliveJson('POST', url, body, options.timeoutMs)
        : httpJson('POST', url, body, { timeoutMs: options.timeoutMs });
      const pending = sent.then((result) => {
        records.push({ ...result, phone });
        inFlight.delete(pending);
      });
      inFlight.add(pending);
    }
    timer = setTimeout(tick, intervalMs);
  };
  let timer = setTimeout(tick, 0);
  return {
    records,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.all(inFlight);
      return records;
    },
  };
}

/** Polls `check` every `everyMs` until it returns true; throws with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 100,
): Promise<number> {
  const startedAt = performance.now();
  while (!(await check())) {
    if (performance.now() - startedAt > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
  return performance.now() - startedAt;
}
