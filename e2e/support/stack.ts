/**
 * The system under test, as production runs it: the built server (`node dist/server/server/index.js`,
 * NODE_ENV=production) on a fresh PGlite database, pointed at the 2Factor simulator running as its own
 * process. Used by globalSetup (build, snapshot, seeded template database) and by the `stack` fixture.
 *
 * - `prepareRun()` (once per run) builds the server and the web app when missing or older than their
 *   sources (as `npm start` does), then copies the build into a private release folder, so another build
 *   of the working tree during the run (other people test on this machine too) cannot swap files under
 *   the running suite. It then creates one user per role with the users CLI in a template database.
 * - `startStack()` copies that template into a new DATA_DIR and starts the simulator and the server; the
 *   server can be restarted on the same database and port (`restartServer`), and `stop()` ends both by pid.
 */
import { createHash } from 'node:crypto';
import {
  cpSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIfStale, CLIENT_BUILD, SERVER_BUILD } from '../../scripts/lib/build.mjs';
import { FAILURE_OUTPUT_TAIL_CHARS, startProcess, type ProcessHandle } from '../../scripts/lib/processes.mjs';
import { SimulatorClient } from './simulator.js';
import { USERS } from './users.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHROMIUM = '/usr/bin/chromium';

/** Set by globalSetup for the workers: the folder holding `release/` and `template/`. */
const RUN_DIR_VARIABLE = 'E2E_RUN_DIR';

const SERVER_ENTRY = SERVER_BUILD.output;
const SIMULATOR_ENTRY = 'dist/server/server/providers/twoFactor/simulatorCli.js';
const USER_CLI_ENTRY = 'dist/server/server/auth/userCli.js';
const CLIENT_ENTRY = CLIENT_BUILD.output;

/** Long enough for a cold start on a busy 2-core machine. */
const START_TIMEOUT_MS = 90_000;
/** A one-shot command past its time gets this long after SIGTERM before it is killed. */
const RUN_STOP_GRACE_MS = 2_000;
/** user:add hashes a password with argon2id; on a busy machine that can take a while. */
const SEED_USER_TIMEOUT_MS = 120_000;

export const APP_SECRET = 'e2e-app-secret-not-for-production-0123456789';
/** The key in the server's environment; the simulator accepts it and the one flow 1 saves. */
export const ENV_API_KEY = 'e2e-env-key-0000-1111';
export const SAVED_API_KEY = 'e2e-saved-key-7f3a-9c41';

/**
 * Limits for the shared stack: everything comes from 127.0.0.1, so per-IP, per-hour and per-day limits are raised;
 * the shortest resend cooldown, not growing, so specs that log the same person in by phone never wait for each
 * other; three verify attempts keep flow 4 short. A spec needing other limits passes `env` overrides (and gets its
 * own stack).
 */
const DEFAULT_SERVER_ENV: Readonly<Record<string, string>> = {
  SMS_RESEND_COOLDOWN_S: '1',
  SMS_RESEND_COOLDOWN_MAX_S: '1',
  SMS_MAX_SENDS_PER_PHONE_PER_DAY: '1000',
  SMS_RATE_LIMIT_PER_MIN: '1000',
  SMS_VERIFY_LIMIT_PER_MIN: '1000',
  SMS_MAX_SENDS_PER_HOUR: '1000',
  SMS_MAX_VERIFY_ATTEMPTS: '3',
  LOGIN_RATE_LIMIT_PER_15_MIN: '1000',
};

/** The variables every child gets: nothing from the developer's shell except where binaries live. */
export function baseEnv(): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' };
}

/** Runs a command to completion; rejects with its output when it fails or outlives `timeoutMs`. */
async function runToCompletion(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; timeoutMs: number },
): Promise<void> {
  const handle = startProcess(name, command, args, options);
  const timer = setTimeout(() => void handle.stop(RUN_STOP_GRACE_MS), options.timeoutMs);
  const { code, signal } = await handle.exited;
  clearTimeout(timer);
  if (code !== 0)
    throw new Error(
      `${name} failed (code ${code}, signal ${signal}):\n${handle.output().slice(-FAILURE_OUTPUT_TAIL_CHARS)}`,
    );
}

function runDir(): string {
  const dir = process.env[RUN_DIR_VARIABLE];
  if (!dir || !existsSync(dir))
    throw new Error(
      `${RUN_DIR_VARIABLE} is not set: run the browser suite with \`npx playwright test\` (its globalSetup prepares the build and the users).`,
    );
  return dir;
}

/** Once per run (globalSetup): build when stale, snapshot the build, seed the template database. Returns a cleanup. */
export async function prepareRun(): Promise<() => void> {
  const log = (line: string) => console.log(`e2e: ${line}`);
  await buildIfStale(SERVER_BUILD, { log, quiet: true });
  await buildIfStale(CLIENT_BUILD, { log, quiet: true });

  const dir = mkdtempSync(path.join(tmpdir(), 'sms-otp-e2e-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const release = path.join(dir, 'release');
    cpSync(path.join(ROOT, 'dist'), path.join(release, 'dist'), { recursive: true });
    cpSync(path.join(ROOT, 'supabase', 'migrations'), path.join(release, 'supabase', 'migrations'), {
      recursive: true,
    });
    copyFileSync(path.join(ROOT, 'package.json'), path.join(release, 'package.json'));
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(release, 'node_modules'), 'dir');
    if (!existsSync(path.join(release, CLIENT_ENTRY)))
      throw new Error(`e2e: the build has no ${CLIENT_ENTRY} (was it being rebuilt?); run the suite again.`);
    // A copy taken while someone else rebuilds could be incomplete: check the entries and the page's assets.
    const assets = [
      ...readFileSync(path.join(release, CLIENT_ENTRY), 'utf8').matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g),
    ].map((m) => `dist/client/${m[1]}`);
    if (assets.length === 0)
      throw new Error(`e2e: ${CLIENT_ENTRY} loads no assets; run the suite again after the build.`);
    for (const entry of [SERVER_ENTRY, SIMULATOR_ENTRY, USER_CLI_ENTRY, ...assets]) {
      if (!existsSync(path.join(release, entry)))
        throw new Error(`e2e: the build has no ${entry} (was it being rebuilt?); run the suite again.`);
    }

    cpSync(await seededTemplate(release, dir), path.join(dir, 'template'), { recursive: true });
    process.env[RUN_DIR_VARIABLE] = dir;
    return cleanup;
  } catch (error) {
    cleanup();
    throw error;
  }
}

/** Where seeded templates are kept between runs (like the Vitest suites' test databases). */
const TEMPLATE_CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'e2e-templates');

/** Every file under `dir` (relative path and content) into `hash`; missing folders add nothing. */
function hashTree(hash: ReturnType<typeof createHash>, dir: string, base = dir): void {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) hashTree(hash, full, base);
    else if (!entry.endsWith('.map'))
      hash
        .update(`${path.relative(base, full)}\0`)
        .update(readFileSync(full))
        .update('\0');
  }
}

/**
 * A database with one user per role, created by the users CLI (it migrates first). Creating it takes a CLI
 * run per user (tens of seconds on a busy machine), so it is kept between runs under TEMPLATE_CACHE_DIR,
 * keyed by everything that decides its content: migrations, the built database and auth code, PGlite's
 * version and the users. Every stack starts from a copy, never from the cached folder itself.
 */
async function seededTemplate(release: string, runDir: string): Promise<string> {
  const hash = createHash('sha256');
  hashTree(hash, path.join(release, 'supabase', 'migrations'));
  for (const folder of ['server/db', 'server/auth', 'common'])
    hashTree(hash, path.join(release, 'dist', 'server', folder));
  hash.update(readFileSync(path.join(ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json')));
  hash.update(JSON.stringify(USERS)).update(APP_SECRET);
  const key = hash.digest('hex').slice(0, 16);
  const cached = path.join(TEMPLATE_CACHE_DIR, key);
  if (existsSync(path.join(cached, 'complete'))) return cached;

  // PGlite allows one process at a time: users are created before any server opens the database.
  const fresh = path.join(runDir, 'seeding');
  for (const user of Object.values(USERS)) {
    await runToCompletion(
      `user:add ${user.role}`,
      process.execPath,
      [USER_CLI_ENTRY, '--email', user.email, '--password', user.password, '--role', user.role, '--phone', user.phone],
      {
        cwd: release,
        env: { ...baseEnv(), NODE_ENV: 'production', APP_SECRET, DATA_DIR: fresh },
        timeoutMs: SEED_USER_TIMEOUT_MS,
      },
    );
  }
  writeFileSync(path.join(fresh, 'complete'), `${new Date().toISOString()}\n`);
  // Replace older templates; a concurrent run that got there first is fine (same content).
  mkdirSync(TEMPLATE_CACHE_DIR, { recursive: true });
  for (const entry of readdirSync(TEMPLATE_CACHE_DIR)) {
    if (!entry.startsWith(key)) rmSync(path.join(TEMPLATE_CACHE_DIR, entry), { recursive: true, force: true });
  }
  const staging = mkdtempSync(path.join(TEMPLATE_CACHE_DIR, `${key}.staging-`));
  cpSync(fresh, staging, { recursive: true });
  try {
    renameSync(staging, cached);
  } catch {
    rmSync(staging, { recursive: true, force: true });
  }
  return fresh;
}

export interface Stack {
  /** `http://127.0.0.1:<port>`: the app, as the browser opens it. */
  readonly url: string;
  readonly simulator: SimulatorClient;
  readonly dataDir: string;
  /** The running server's pid (changes on restart). */
  readonly serverPid: number;
  /** Stops the server (SIGTERM: it drains and commits pending log rows) and starts it again on the same database and port. */
  restartServer(): Promise<void>;
  /** What the running server has printed since it (re)started. */
  serverOutput(): string;
  /** Server and simulator output, for failure reports. */
  diagnostics(): string;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Extra or overriding server variables (limits, mostly). */
  env?: Readonly<Record<string, string>>;
  label?: string;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = runDir();
  const release = path.join(dir, 'release');
  const stacksDir = path.join(dir, 'stacks');
  mkdirSync(stacksDir, { recursive: true });
  const startedAt = performance.now();
  const dataDir = mkdtempSync(path.join(stacksDir, `${options.label ?? 'stack'}-`));
  cpSync(path.join(dir, 'template'), dataDir, { recursive: true });

  let simulatorProcess: ProcessHandle | undefined;
  let server: ProcessHandle | undefined;
  const previousServers: ProcessHandle[] = [];

  const stopAll = async () => {
    await server?.stop().catch(() => undefined);
    await simulatorProcess?.stop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  };

  try {
    simulatorProcess = startProcess(
      'simulator',
      process.execPath,
      [SIMULATOR_ENTRY, '--port', '0', '--host', '127.0.0.1', '--valid-key', ENV_API_KEY, '--valid-key', SAVED_API_KEY],
      { cwd: release, env: baseEnv() },
    );
    const [, simulatorUrl] = await simulatorProcess.waitForOutput(
      /2Factor simulator listening on (http:\/\/\S+)/,
      START_TIMEOUT_MS,
    );
    const simulator = new SimulatorClient(simulatorUrl!);

    const serverEnv = (port: number): Record<string, string> => ({
      ...baseEnv(),
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      APP_SECRET,
      LOG_LEVEL: 'info',
      TWO_FACTOR_BASE_URL: simulatorUrl!,
      TWO_FACTOR_API_KEY: ENV_API_KEY,
      ...DEFAULT_SERVER_ENV,
      ...options.env,
    });
    const startServer = async (port: number): Promise<{ handle: ProcessHandle; port: number }> => {
      const handle = startProcess('server', process.execPath, [SERVER_ENTRY], { cwd: release, env: serverEnv(port) });
      const [, listeningPort] = await handle.waitForOutput(/listening on http:\/\/[^:"\s]+:(\d+)/, START_TIMEOUT_MS);
      return { handle, port: Number(listeningPort) };
    };

    // Port 0 the first time (the kernel picks a free one); the same port on restarts, so the browser's
    // base URL and its host-only session cookie stay valid.
    const first = await startServer(0);
    server = first.handle;
    const port = first.port;
    const url = `http://127.0.0.1:${port}`;
    const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
    console.log(
      `e2e: stack up in ${seconds} s: server ${url} (pid ${server.pid}), simulator ${simulatorUrl} (pid ${simulatorProcess.pid})`,
    );

    return {
      url,
      simulator,
      dataDir,
      get serverPid() {
        return server!.pid;
      },
      async restartServer() {
        const restartedAt = performance.now();
        await server!.stop();
        previousServers.push(server!);
        server = (await startServer(port)).handle;
        console.log(
          `e2e: server restarted in ${((performance.now() - restartedAt) / 1000).toFixed(1)} s (pid ${server.pid})`,
        );
      },
      serverOutput: () => server?.output() ?? '',
      diagnostics() {
        const earlier = previousServers.map(
          (handle, index) => `--- server run ${index + 1} (pid ${handle.pid}) ---\n${handle.output()}`,
        );
        return [
          ...earlier,
          `--- server (pid ${server?.pid}) ---\n${server?.output() ?? ''}`,
          `--- simulator (pid ${simulatorProcess?.pid}) ---\n${simulatorProcess?.output() ?? ''}`,
        ].join('\n');
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
