/**
 * A/B comparison of two server variants on this (shared, noisy) machine: both run side by side, each on
 * its own PostgreSQL database (same Redis database, same simulator), and short sendOtp (or verifyOtp) runs
 * alternate A B B A …, so a background load that comes and goes weighs on both alike. Prints per-round
 * requests/s, latency and CPU milliseconds per request of each process, and the median ratio.
 *
 *   AB_A='{"entry":"dist/ab-a/server/index.js","env":{},"sql":"…"}' AB_B='{"entry":"dist/ab-b/server/index.js"}' \
 *   AB_SEED_SQL='…' AB_ROUNDS=6 AB_RUN_S=4 AB_KIND=send|verify node --import tsx scripts/bench/ab.ts
 *
 * `entry` is a server build (tsc -p tsconfig.server.json --outDir dist/ab-b), `env` extra variables,
 * `sql` run on that variant's database once its server has migrated it, AB_SEED_SQL on both before that.
 * AB_STORE=pglite runs both on the embedded defaults instead (each its own PGlite data directory, seeded with
 * AB_USERS, default 40 000, and the in-memory limiter store); `sql` and AB_SEED_SQL are PostgreSQL-only.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, startProcess, stopAllProcesses } from '../lib/processes.mjs';
import {
  benchRedisUrl,
  clearAppKeys,
  connectRedis,
  createBenchDatabase,
  preparePglite,
  ROOT,
  SIMULATOR_ENTRY,
  simulatorControl,
  SIMULATOR_START_TIMEOUT_MS,
} from './infra.js';
import { startLoadClient } from './loadClient.js';
import type { LoadResult } from './loadTypes.js';
import { cpuMsBetween, postgresBackendsOf, processesNamed, readCpu, withDescendants, type Groups } from './cpuUsage.js';
import { startApp, THROUGHPUT_LIMITS, type BenchContext } from './scenarios.js';

interface Variant {
  entry?: string;
  env?: Record<string, string>;
  sql?: string;
}

const parse = (raw: string | undefined): Variant => (raw ? (JSON.parse(raw) as Variant) : {});
const variants = { A: parse(process.env.AB_A), B: parse(process.env.AB_B) };
const rounds = Number(process.env.AB_ROUNDS ?? 6);
const runS = Number(process.env.AB_RUN_S ?? 4);
const connections = Number(process.env.AB_CONNECTIONS ?? 50);
const kind = process.env.AB_KIND ?? 'send';
const embedded = process.env.AB_STORE === 'pglite';
const users = Number(process.env.AB_USERS ?? (embedded ? 40_000 : 100_000));

/** In the embedded mode the PostgreSQL databases are only there for the shared context: a few users do. */
const EMBEDDED_PG_USERS = 1_000;
/** Each variant is warmed up this long before the measured rounds. */
const WARMUP_RUN_S = 3;
/** Sends made before a verify run, to have sessions and codes to check. */
const SESSIONS_RUN_S = 2;

const tmpDir = mkdtempSync(path.join(tmpdir(), 'sms-otp-ab-'));
const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// The embedded mode still gets (small) PostgreSQL databases: the shared context expects one.
const pgUsers = embedded ? EMBEDDED_PG_USERS : users;
const databases = { A: await createBenchDatabase(adminUrl, pgUsers), B: await createBenchDatabase(adminUrl, pgUsers) };
const pg = databases.A;
const redisUrl = benchRedisUrl(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379', 5);
const redis = connectRedis(redisUrl);
const stopAll = async () => {
  await stopAllProcesses();
  await clearAppKeys(redis).catch(() => undefined);
  redis.disconnect();
  await databases.A.drop();
  await databases.B.drop();
  rmSync(tmpDir, { recursive: true, force: true });
};
process.once('SIGINT', () => void stopAll().finally(() => process.exit(130)));
try {
  await clearAppKeys(redis);
  const simPort = await freePort();
  const simProcess = startProcess('simulator', process.execPath, [SIMULATOR_ENTRY, '--port', String(simPort)], {
    env: { PATH: process.env.PATH },
    cwd: ROOT,
  });
  await simProcess.waitForOutput(/listening/, SIMULATOR_START_TIMEOUT_MS);
  const sim = simulatorControl(`http://127.0.0.1:${simPort}`);
  const load = await startLoadClient();
  const ctx: BenchContext = {
    settings: {
      durationS: runS,
      warmupS: 3,
      slowDurationS: 20,
      connections,
      users,
      pgliteUsers: 0,
      verifyMax: 0,
      profileDir: undefined,
    },
    load,
    pg,
    redis,
    redisUrl,
    sim,
    slowSim: sim,
    tmpDir,
    appSecret: randomBytes(32).toString('base64url'),
    log: console.log,
  };
  const startVariant = async (name: 'A' | 'B') => {
    const variant = variants[name];
    const database = databases[name];
    const entry = variant.entry ? { entry: path.resolve(ROOT, variant.entry) } : {};
    if (embedded) {
      const dataDir = path.join(tmpDir, `embedded-${name}`);
      mkdirSync(dataDir, { recursive: true });
      await preparePglite(dataDir, users);
      return startApp(ctx, name, {
        limits: { ...THROUGHPUT_LIMITS, ...variant.env },
        embeddedDataDir: dataDir,
        ...entry,
      });
    }
    if (process.env.AB_SEED_SQL) await database.db.query(process.env.AB_SEED_SQL);
    const app = await startApp({ ...ctx, pg: database }, name, {
      limits: { ...THROUGHPUT_LIMITS, ...variant.env },
      ...entry,
    });
    if (variant.sql) await database.db.query(variant.sql);
    return app;
  };
  const apps = { A: await startVariant('A'), B: await startVariant('B') };
  let phone = 0;
  const send = async (url: string, seconds: number, collect = false): Promise<LoadResult> => {
    const result = await load.load({
      targets: [url],
      method: 'POST',
      path: '/api/sms/sendOtp',
      body: { kind: 'sendOtp', phoneStart: phone, phoneCount: users - phone, purpose: 'login' },
      mode: { kind: 'closed', connections, durationS: seconds },
      collectSessions: collect,
    });
    phone = (phone + result.completed + connections * 2) % (users - 20_000);
    return result;
  };
  const verify = async (url: string, seconds: number): Promise<LoadResult> => {
    await clearAppKeys(redis);
    const sent = await send(url, SESSIONS_RUN_S, true);
    const codes = await sim.codesFromOutbox();
    const pairs = (sent.sessions ?? []).flatMap((s) =>
      codes.has(s.phone) ? [{ session_id: s.session_id, otp: codes.get(s.phone)! }] : [],
    );
    return load.load({
      targets: [url],
      method: 'POST',
      path: '/api/sms/verifyOtp',
      body: { kind: 'verifyOtp', pairs },
      mode: { kind: 'closed', connections, durationS: seconds },
    });
  };
  const run = (url: string, seconds: number) => (kind === 'verify' ? verify(url, seconds) : send(url, seconds));
  await run(apps.A.url, WARMUP_RUN_S);
  await run(apps.B.url, WARMUP_RUN_S);
  const figures: Record<'A' | 'B', number[]> = { A: [], B: [] };
  const groupsFor = (name: 'A' | 'B'): Groups => ({
    server: withDescendants(apps[name].managed.pid),
    simulator: () => [simProcess.pid],
    driver: () => [load.pid],
    postgres: embedded ? () => [] : postgresBackendsOf(databases[name].name),
    redis: processesNamed(/^redis-server /),
  });
  console.log('round variant req/s p50 p99 non2xx | CPU ms per request: server simulator driver postgres redis');
  for (let r = 0; r < rounds; r += 1) {
    for (const name of r % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const)) {
      await clearAppKeys(redis);
      const cpuBefore = readCpu(groupsFor(name));
      const result = await run(apps[name].url, runS);
      const cpu = cpuMsBetween(cpuBefore, readCpu(groupsFor(name)));
      const perRequest = Object.values(cpu)
        .map((ms) => (ms / result.completed).toFixed(2))
        .join(' ');
      figures[name].push(result.requestsPerS);
      console.log(
        `${r + 1} ${name} ${result.requestsPerS} ${result.latencyMs.all.p50} ${result.latencyMs.all.p99} ${result.non2xx + result.errors + result.timeouts} | ${perRequest}`,
      );
    }
  }
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
  const ratios = figures.A.map((a, i) => figures.B[i]! / a);
  console.log(
    `median A ${median(figures.A)} req/s, B ${median(figures.B)} req/s; B/A per round ${ratios.map((x) => x.toFixed(2)).join(' ')}; median B/A ${median(ratios).toFixed(2)}`,
  );
} finally {
  await stopAll();
}
