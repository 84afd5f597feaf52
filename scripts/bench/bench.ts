/**
 * `npm run bench`: throughput, provider-rate compliance and scale-out, measured (issue 6).
 *
 * Builds what is stale, creates a throw-away PostgreSQL database (seeded with users that own phones),
 * uses its own logical Redis database, starts the 2Factor simulator (fast, and one answering after 300 ms),
 * the production server in the configurations the scenarios need, and a load driver process (autocannon)
 * that only talks to 127.0.0.1. Prints a table, PASS/FAIL per target and one final JSON line; stops
 * everything it started and drops the database, also on Ctrl-C and on errors.
 *
 * Environment (all optional):
 *   BENCH_DATABASE_URL  admin URL; a database is created next to it  (postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_REDIS_URL     (redis://127.0.0.1:6379); without a database index the bench uses BENCH_REDIS_DB
 *   BENCH_REDIS_DB      logical database for the app's keys during the bench (5); only the app's own keys
 *                       there (`rl:*`, `sms-book:*`, `fail:*`, `provider-rate:*`) are removed, never anything else
 *   BENCH_DURATION_S    measured seconds per full-speed and paced run (10)
 *   BENCH_WARMUP_S      warm-up seconds before each measured run (3)
 *   BENCH_CONNECTIONS   connections of the full-speed runs (50)
 *   BENCH_USERS         registered users (phones) seeded in PostgreSQL (100000)
 *   BENCH_PROFILE=1     run every server with --cpu-prof (profiles under bench-results/profiles/)
 *   BENCH_TIMING_SAMPLES probes of each kind (registered / nobody's number) in the timing scenario (500)
 *   BENCH_MEMORY_REQUESTS  requests of the memory scenario (35000)
 *   BENCH_MEMORY_IDLE_S    seconds the memory scenario lets the server idle before its last reading (60)
 *   BENCH_ONLY          comma-separated subset: baseline,pg,cluster,fixed,betterauth,slow,ceiling,shared,timing,pglite
 *                       (the default), and memory (about 5 minutes, so only when named; alone it needs
 *                       neither PostgreSQL nor Redis); betterauth runs the PostgreSQL + Redis phase with
 *                       Better Auth beside it
 *
 * Better Auth (scenario `betterauth`): the target is that sendOtp and verifyOtp stay at least twice as fast
 * as Better Auth's phoneNumber plugin on the same machine. Its server (betterAuthServer.mjs) is measured inside the
 * PostgreSQL + Redis phase, its runs interleaved with the product's (send, Better Auth, Better Auth, send; then the
 * same for verifies), with these fairness choices:
 *   - same machine, same load driver process, same connections (BENCH_CONNECTIONS), same run lengths and warm-ups;
 *   - one process each, both plain `node` with NODE_ENV=production, Express 5 in front of both;
 *   - same PostgreSQL server and database (Better Auth in a schema of its own, through its Kysely support given a
 *     `pg` pool of 10 connections, the product's DATABASE_POOL_SIZE default), the same seeded users and phones;
 *   - same 2Factor simulator process: Better Auth's sendOTP texts its own code with 2Factor's custom-OTP route
 *     (fetch, awaited, checked), as the product awaits 2Factor's AUTOGEN answer;
 *   - rate limits off on both (Better Auth's limiter disabled; the product's raised as in every throughput run).
 * What still differs is what each one does per request: the product also books its Redis limits, writes an
 * otp_logs row per provider call, and has 2Factor check the code (one more provider call per verify); Better Auth
 * checks its own stored code. Its verify logs the user in (a session row and a cookie), as the product's does.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { buildIfStale, CLIENT_BUILD, SERVER_BUILD } from '../lib/build.mjs';
import { freePort, killAllProcessesNow, startProcess, stopAllProcesses } from '../lib/processes.mjs';
import {
  benchRedisUrl,
  clearAppKeys,
  connectRedis,
  countLogs,
  countPgliteLogs,
  createBenchDatabase,
  preparePglite,
  ROOT,
  SIMULATOR_ENTRY,
  simulatorControl,
  type BenchDatabase,
  SIMULATOR_START_TIMEOUT_MS,
} from './infra.js';
import { startLoadClient } from './loadClient.js';
import { embeddedMemory } from './memory.js';
import { evaluateTargets, renderReport, type BenchResults } from './report.js';
import { forReport } from './stats.js';
import {
  checkNoLoss,
  ledger,
  providerCeiling,
  slowProvider,
  SLOW_PROVIDER_LATENCY_MS,
  startApp,
  startBaseline,
  startBetterAuth,
  betterAuthProviderCalls,
  BASELINE_BODY,
  BASELINE_PATH,
  THROUGHPUT_LIMITS,
  throughputPhase,
  twoInstances,
  type BenchContext,
  type Settings,
} from './scenarios.js';
import { timingProbes } from './timing.js';

const SCENARIOS = [
  'baseline',
  'pg',
  'fixed',
  'betterauth',
  'cluster',
  'slow',
  'ceiling',
  'shared',
  'timing',
  'pglite',
  'memory',
] as const;
const DEFAULT_SCENARIOS = SCENARIOS.filter((name) => name !== 'memory');
/** Scenarios that run without PostgreSQL, Redis and the external simulator. */
const SELF_CONTAINED = new Set<string>(['memory']);

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} must be an integer from ${min} to ${max}`);
  return value;
}

const startedAtMs = Date.now();
const log = (line: string) =>
  console.log(`[bench ${((Date.now() - startedAtMs) / 1000).toFixed(0).padStart(3)} s] ${line}`);

const cleanups: Array<() => Promise<unknown>> = [];
let cleaning: Promise<void> | undefined;
let interrupted = false;

/** Stops every process it started (by pid), then drops the database and removes temp files. */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    await stopAllProcesses().catch(() => killAllProcessesNow());
    for (const step of cleanups.reverse())
      await step().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    interrupted = true;
    console.error(`\n${signal}: stopping everything the bench started…`);
    void cleanUp().finally(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  const only = new Set((process.env.BENCH_ONLY ?? DEFAULT_SCENARIOS.join(',')).split(',').map((s) => s.trim()));
  for (const name of only)
    if (!(SCENARIOS as readonly string[]).includes(name)) throw new Error(`BENCH_ONLY: unknown scenario ${name}`);
  const profileDir =
    process.env.BENCH_PROFILE === '1'
      ? path.join(ROOT, 'bench-results', 'profiles', new Date().toISOString().replace(/[:.]/g, '-'))
      : undefined;
  const settings: Settings = {
    durationS: intFromEnv('BENCH_DURATION_S', 10, 2, 120),
    warmupS: intFromEnv('BENCH_WARMUP_S', 3, 1, 60),
    slowDurationS: 20,
    connections: intFromEnv('BENCH_CONNECTIONS', 50, 1, 1000),
    users: intFromEnv('BENCH_USERS', 100_000, 1_000, 1_000_000),
    pgliteUsers: 40_000,
    verifyMax: 20_000,
    profileDir,
  };
  const memorySettings = {
    requests: intFromEnv('BENCH_MEMORY_REQUESTS', 35_000, 1_000, 1_000_000),
    idleS: intFromEnv('BENCH_MEMORY_IDLE_S', 60, 0, 3600),
    users: settings.pgliteUsers,
    connections: settings.connections,
  };
  const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const redisUrl = benchRedisUrl(
    process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    intFromEnv('BENCH_REDIS_DB', 5, 0, 15),
  );

  const results: BenchResults = {
    startedAt: new Date(startedAtMs).toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
    },
    settings: {
      ...settings,
      memory: memorySettings,
      profileDir: profileDir ? path.relative(ROOT, profileDir) : undefined,
      redisDb: new URL(redisUrl).pathname.slice(1),
      scenarios: [...only],
    },
    throughput: [],
    ceiling: [],
    errors: [],
  };

  // The server must build; the web app is not used by the bench, so a failing client build is reported and skipped.
  await buildIfStale(SERVER_BUILD, { log });
  await buildIfStale(CLIENT_BUILD, { log }).catch((error: unknown) =>
    log(
      `warning: ${error instanceof Error ? error.message : String(error)}; the bench only uses the API, so it goes on`,
    ),
  );

  const tmpDir = mkdtempSync(path.join(tmpdir(), 'sms-otp-bench-'));
  // eslint-disable-next-line @typescript-eslint/require-await -- the cleanup loop catches rejections, not throws
  cleanups.push(async () => rmSync(tmpDir, { recursive: true, force: true }));
  const load = await startLoadClient();
  const attempt = async (name: string, work: () => Promise<void>) => {
    if (interrupted) return;
    try {
      await work();
    } catch (error) {
      if (interrupted) return;
      const message = `${name}: ${error instanceof Error ? error.message : String(error)}`;
      results.errors.push(message.split('\n')[0]!);
      console.error(message);
    }
  };

  if (only.has('memory')) {
    await attempt('8 memory', async () => {
      log('8 memory of the embedded defaults (development mode: PGlite, memory store, sandbox simulator in process)');
      results.memory = await embeddedMemory({ settings: memorySettings, load, tmpDir, log });
    });
  }
  if ([...only].every((name) => SELF_CONTAINED.has(name))) return finish(results);

  log(
    `PostgreSQL: creating a bench database next to ${new URL(adminUrl).host}, seeding ${settings.users} users with phones`,
  );
  const pg: BenchDatabase = await createBenchDatabase(adminUrl, settings.users);
  cleanups.push(() => pg.drop());

  const redis = connectRedis(redisUrl);
  cleanups.push(async () => {
    await clearAppKeys(redis).catch(() => undefined);
    redis.disconnect();
  });
  await clearAppKeys(redis);
  log(`Redis: ${new URL(redisUrl).host} database ${new URL(redisUrl).pathname.slice(1)}`);

  const startSimulator = async (name: string, extra: string[]) => {
    const port = await freePort();
    const managed = startProcess(
      name,
      process.execPath,
      [SIMULATOR_ENTRY, '--port', String(port), '--host', '127.0.0.1', ...extra],
      {
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' },
        cwd: ROOT,
      },
    );
    const [, url] = await managed.waitForOutput(/listening on (http:\/\/\S+)/, SIMULATOR_START_TIMEOUT_MS);
    return simulatorControl(url!, managed.pid);
  };
  const sim = await startSimulator('simulator', []);
  const slowSim = await startSimulator(`simulator-${SLOW_PROVIDER_LATENCY_MS}ms`, [
    '--latency-ms',
    String(SLOW_PROVIDER_LATENCY_MS),
  ]);

  const ctx: BenchContext = {
    settings,
    load,
    pg,
    redis,
    redisUrl,
    sim,
    slowSim,
    tmpDir,
    appSecret: randomBytes(32).toString('base64url'),
    log,
  };

  // The bare Express route runs for the whole bench (idle between its runs): each throughput phase
  // measures it interleaved with its own sends.
  let baselineUrl: string | undefined;
  let baselinePid: number | undefined;
  if (only.has('baseline')) {
    await attempt('1 baseline', async () => {
      log('1 baseline: bare Express 5 JSON route (warm-up)');
      const app = await startBaseline(ctx);
      const job = { targets: [app.url], method: 'POST' as const, path: BASELINE_PATH, body: BASELINE_BODY };
      await load.load({
        ...job,
        mode: { kind: 'closed', connections: settings.connections, durationS: settings.warmupS },
      });
      baselineUrl = app.url;
      baselinePid = app.managed.pid;
      if (!only.has('pg')) {
        results.baseline = forReport(
          await load.load({
            ...job,
            mode: { kind: 'closed', connections: settings.connections, durationS: settings.durationS },
          }),
        );
      }
    });
  }

  const pgRows = () => countLogs(pg.db);
  if (only.has('pg') || only.has('fixed') || only.has('betterauth')) {
    await attempt('2 PostgreSQL + Redis', async () => {
      log(
        `2 sendOtp / verifyOtp on PostgreSQL + Redis, one process${only.has('betterauth') ? ", with Better Auth's phone plugin beside it" : ''}`,
      );
      await clearAppKeys(redis);
      const app = await startApp(ctx, 'pg-redis', { limits: THROUGHPUT_LIMITS });
      const betterAuth = only.has('betterauth') ? await startBetterAuth(ctx) : undefined;
      try {
        const phase = await throughputPhase(ctx, 'PostgreSQL + Redis, 1 process', [app.url], {
          users: settings.users,
          countRows: pgRows,
          baselineUrl,
          fixedRate: only.has('fixed'),
          serverPid: app.managed.pid,
          baselinePid,
          ...(betterAuth
            ? {
                rival: {
                  label: 'Better Auth phoneNumber plugin, PostgreSQL, 1 process',
                  url: betterAuth.url,
                  pid: betterAuth.managed.pid,
                  // Its own phones (seeded for both): the product's sends of this phase stay below them.
                  phoneStart: Math.floor(settings.users * 0.4),
                  phoneCount: Math.floor(settings.users * 0.3),
                  providerCalls: () => betterAuthProviderCalls(betterAuth),
                },
              }
            : {}),
        });
        results.throughput.push(phase);
        results.baseline = phase.baseline;
      } finally {
        if (betterAuth) await betterAuth.managed.stop();
        await app.managed.stop();
      }
    });
  }

  if (only.has('cluster')) {
    await attempt('2 cluster', async () => {
      log('2 sendOtp / verifyOtp on PostgreSQL + Redis, WEB_CONCURRENCY=2 (node:cluster)');
      await clearAppKeys(redis);
      const app = await startApp(ctx, 'pg-redis-cluster', { limits: THROUGHPUT_LIMITS, webConcurrency: 2 });
      try {
        results.throughput.push(
          await throughputPhase(ctx, 'PostgreSQL + Redis, WEB_CONCURRENCY=2', [app.url], {
            users: settings.users,
            countRows: pgRows,
            baselineUrl,
            baselinePid,
            serverPid: app.managed.pid,
          }),
        );
      } finally {
        await app.managed.stop();
      }
    });
  }

  if (only.has('slow')) {
    await attempt('3 slow provider', async () => {
      log('3 slow provider');
      results.slowProvider = await slowProvider(ctx);
    });
  }

  if (only.has('ceiling')) {
    for (const instances of [1, 2]) {
      await attempt(`4 ceiling ×${instances}`, async () => {
        log(`4 provider ceiling, ${instances} instance(s) sharing Redis`);
        results.ceiling.push(await providerCeiling(ctx, instances));
      });
    }
  }

  if (only.has('shared')) {
    await attempt('6 two instances', async () => {
      log('6 two instances sharing PostgreSQL and Redis, default limits');
      results.twoInstances = await twoInstances(ctx);
    });
  }

  if (only.has('timing')) {
    await attempt('7 timing', async () => {
      const samples = intFromEnv('BENCH_TIMING_SAMPLES', 500, 20, 5_000);
      log(
        `7 timing: ${samples} login sends and wrong-code checks each for registered numbers and numbers nobody owns, one at a time`,
      );
      results.timing = await timingProbes(ctx, samples);
    });
  }

  if (only.has('pglite')) {
    await attempt('2 embedded defaults', async () => {
      log(
        `2 sendOtp / verifyOtp on the embedded defaults (PGlite, memory store): seeding ${settings.pgliteUsers} users`,
      );
      const dataDir = path.join(tmpDir, 'embedded');
      mkdirSync(dataDir, { recursive: true });
      await preparePglite(dataDir, settings.pgliteUsers);
      const before = await ledger(() => Promise.resolve(0), [sim]);
      const app = await startApp(ctx, 'pglite-memory', { limits: THROUGHPUT_LIMITS, embeddedDataDir: dataDir });
      let stopped = false;
      const stop = async () => {
        if (!stopped) await app.managed.stop();
        stopped = true;
      };
      try {
        results.throughput.push(
          await throughputPhase(ctx, 'PGlite + memory store, 1 process', [app.url], {
            users: settings.pgliteUsers,
            countRows: () => Promise.resolve(0),
            baselineUrl,
            baselinePid,
            serverPid: app.managed.pid,
            embedded: true,
            // PGlite allows one process: the rows are counted once the server has stopped (it commits pending rows first).
            countAfter: async () => {
              await stop();
              return checkNoLoss(
                '2 PGlite + memory store',
                { logs: 0, calls: before.calls },
                () => countPgliteLogs(dataDir),
                [sim],
              );
            },
          }),
        );
      } finally {
        await stop();
      }
    });
  }

  return finish(results);
}

/** Prints the table and the targets, saves bench-results/last.json; the exit code says whether all passed. */
function finish(results: BenchResults): number {
  if (interrupted) return 130;
  results.machine.loadAverage1m = Math.round(loadavg()[0]! * 100) / 100;
  const targets = evaluateTargets(results);
  console.log('');
  console.log(renderReport(results, targets));
  const summary = { ...results, targets, durationS: Math.round((Date.now() - startedAtMs) / 1000) };
  mkdirSync(path.join(ROOT, 'bench-results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench-results', 'last.json'), `${JSON.stringify(summary, null, 2)}\n`);
  console.log('');
  console.log(JSON.stringify(summary));
  return targets.every((t) => t.pass) && results.errors.length === 0 ? 0 : 1;
}

main().then(
  async (code) => {
    await cleanUp();
    process.exit(code);
  },
  async (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    await cleanUp();
    process.exit(2);
  },
);
