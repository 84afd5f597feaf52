/**
 * The scenarios of `npm run bench` (issue 6), each starting the servers it needs and stopping them after.
 * Every figure comes from the load driver (client side) or from the simulator and the database (the
 * provider calls made and the log rows written); none from the server's own reports.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import {
  clearAppKeys,
  countLogs,
  seedBetterAuthUsers,
  SERVER_ENTRY,
  ROOT,
  type BenchDatabase,
  type SimulatorControl,
} from './infra.js';
import type { SimulatorStats } from '../../server/providers/twoFactor/simulatorStats.js';
import type { LoadClient } from './loadClient.js';
import type { BodySpec, LoadMode, LoadResult, StepAnswer } from './loadTypes.js';
import { bodyField, phoneNumber } from './loadTypes.js';
import { forReport, mergeResults } from './stats.js';
import { cpuMsBetween, postgresBackendsOf, processesNamed, readCpu, withDescendants, type Groups } from './cpuUsage.js';
import { freePort, startProcess, waitForHttp, type ProcessHandle } from '../lib/processes.mjs';

export interface Settings {
  durationS: number;
  warmupS: number;
  slowDurationS: number;
  connections: number;
  users: number;
  pgliteUsers: number;
  verifyMax: number;
  profileDir: string | undefined;
}

export interface BenchContext {
  settings: Settings;
  load: LoadClient;
  pg: BenchDatabase;
  redis: Redis;
  redisUrl: string;
  sim: SimulatorControl;
  slowSim: SimulatorControl;
  tmpDir: string;
  appSecret: string;
  log: (line: string) => void;
}

export const BENCH_API_KEY = 'bench-2factor-key-0000';
const SEND_PATH = '/api/sms/sendOtp';
const VERIFY_PATH = '/api/sms/verifyOtp';
/** The server starts, migrates and seeds nothing before its first health answer; on a busy machine that takes a while. */
const APP_START_TIMEOUT_MS = 60_000;
const BASELINE_START_TIMEOUT_MS = 30_000;
/** How long the no-loss check waits for log rows to catch up with provider calls, and how often it looks. */
const NO_LOSS_SETTLE_TIMEOUT_MS = 10_000;
const NO_LOSS_POLL_MS = 300;
/** Codes missing from the outbox are asked for one phone at a time, by this many workers, for at most this long. */
const CODE_LOOKUP_WORKERS = 16;
const CODE_LOOKUP_TIMEOUT_MS = 15_000;
/** verifyOtp's warm-up uses at most this many sessions. */
const MAX_VERIFY_WARMUP_PAIRS = 3_000;
/** The paced sendOtp run of scenario 2, and the slow provider's (scenario 3): what one instance must carry. */
export const FIXED_RATE_PER_S = 200;
/** Scenario 4 offers twice the ceiling (PROVIDER_MAX_RPS=200), so half must be refused as provider_busy. */
export const CEILING_OFFERED_RATE_PER_S = 400;
/** A short paced warm-up before scenarios 3 and 4, then a pause past the one-second rate window. */
const WARMUP_RATE_PER_S = 100;
/** The slow simulator's answer time (scenario 3): a slow but healthy 2Factor. */
export const SLOW_PROVIDER_LATENCY_MS = 300;
const WARMUP_S = 2;
const RATE_WINDOW_CLEAR_MS = 1_100;

/** Limits out of the way: throughput runs measure the path, not the limiter's refusals. */
export const THROUGHPUT_LIMITS = {
  SMS_RATE_LIMIT_PER_MIN: '1000000000',
  SMS_MAX_SENDS_PER_HOUR: '1000000000',
  SMS_MAX_SENDS_PER_PHONE_PER_DAY: '1000000000',
  SMS_DAILY_BUDGET: '1000000000',
  SMS_VERIFY_LIMIT_PER_MIN: '1000000000',
  PROVIDER_MAX_RPS: '100000',
};
/** As throughput, but with 2Factor's default request-rate ceiling in force. */
export const CEILING_LIMITS = { ...THROUGHPUT_LIMITS, PROVIDER_MAX_RPS: '200' };
/** The shipped defaults, spelled out. */
export const DEFAULT_LIMITS = {
  SMS_RATE_LIMIT_PER_MIN: '5',
  SMS_RESEND_COOLDOWN_S: '30',
  SMS_RESEND_COOLDOWN_MAX_S: '600',
  SMS_MAX_SENDS_PER_PHONE_PER_DAY: '10',
  SMS_MAX_SENDS_PER_HOUR: '5',
  SMS_DAILY_BUDGET: '5000',
  SMS_VERIFY_LIMIT_PER_MIN: '20',
  PROVIDER_MAX_RPS: '200',
};

export interface App {
  name: string;
  url: string;
  managed: ProcessHandle;
}

export interface AppOptions {
  /** Limits and any other environment variables for the server. */
  limits: Record<string, string>;
  /** Another build of the server (A/B comparisons); the production build by default. */
  entry?: string;
  simulator?: SimulatorControl;
  /** PGlite under this DATA_DIR and the in-memory limiter store, instead of PostgreSQL and Redis. */
  embeddedDataDir?: string;
  webConcurrency?: number;
}

export async function startApp(ctx: BenchContext, name: string, options: AppOptions): Promise<App> {
  const port = await freePort();
  const dataDir = options.embeddedDataDir ?? path.join(ctx.tmpDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    APP_SECRET: ctx.appSecret,
    TWO_FACTOR_API_KEY: BENCH_API_KEY,
    TWO_FACTOR_BASE_URL: (options.simulator ?? ctx.sim).url,
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    WEB_CONCURRENCY: String(options.webConcurrency ?? 1),
    ...(options.embeddedDataDir ? {} : { DATABASE_URL: ctx.pg.url, REDIS_URL: ctx.redisUrl }),
    ...options.limits,
  };
  const flags: string[] = [];
  if (ctx.settings.profileDir) {
    const dir = path.join(ctx.settings.profileDir, name);
    mkdirSync(dir, { recursive: true });
    flags.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  const managed = startProcess(name, process.execPath, [...flags, options.entry ?? SERVER_ENTRY], { env, cwd: ROOT });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/api/health`, APP_START_TIMEOUT_MS, managed);
  return { name, url, managed };
}

export async function startBaseline(ctx: BenchContext): Promise<App> {
  const port = await freePort();
  const flags = ctx.settings.profileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ctx.settings.profileDir, 'baseline')}`]
    : [];
  const managed = startProcess(
    'baseline',
    process.execPath,
    [...flags, path.join(ROOT, 'scripts', 'bench', 'baselineServer.mjs')],
    {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', PORT: String(port) },
      cwd: ROOT,
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/api/health`, BASELINE_START_TIMEOUT_MS, managed);
  return { name: 'baseline', url, managed };
}

/** Better Auth's schema in the bench database: its tables never meet the product's. */
const BETTER_AUTH_SCHEMA = 'better_auth';

/**
 * Better Auth's phone plugin (betterAuthServer.mjs) on the bench's PostgreSQL database (a schema of its own,
 * `DATABASE_POOL_SIZE` as the product's default) and the bench's simulator, with its users: the same phones
 * as the product's seeded users, so its verifies log existing users in, as the product's do.
 */
export async function startBetterAuth(ctx: BenchContext): Promise<App> {
  const port = await freePort();
  const flags = ctx.settings.profileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ctx.settings.profileDir, 'better-auth')}`]
    : [];
  const managed = startProcess(
    'better-auth',
    process.execPath,
    [...flags, path.join(ROOT, 'scripts', 'bench', 'betterAuthServer.mjs')],
    {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'production',
        PORT: String(port),
        DATABASE_URL: ctx.pg.url,
        DATABASE_SCHEMA: BETTER_AUTH_SCHEMA,
        DATABASE_POOL_SIZE: '10',
        BETTER_AUTH_SECRET: ctx.appSecret,
        TWO_FACTOR_BASE_URL: ctx.sim.url,
        TWO_FACTOR_API_KEY: BENCH_API_KEY,
      },
      cwd: ROOT,
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/api/health`, APP_START_TIMEOUT_MS, managed);
  await seedBetterAuthUsers(ctx.pg.db, BETTER_AUTH_SCHEMA, ctx.settings.users);
  return { name: 'better-auth', url, managed };
}

/** The calls Better Auth's server has made to 2Factor (the simulator) since it started. */
export async function betterAuthProviderCalls(app: App): Promise<number> {
  const response = await fetch(`${app.url}/api/health`);
  const { provider_calls: calls } = (await response.json()) as { provider_calls: number };
  return calls;
}

// ─── bookkeeping: provider calls against log rows ─────────────────────────────────────────────────────────

export interface LossCheck {
  scenario: string;
  providerCalls: number;
  logRows: number;
  lost: number;
}

export interface Ledger {
  logs: number;
  calls: number;
}

/**
 * Provider calls the simulators counted and rows in otp_logs, now. Balance polls (smsBalance.ts) have no log row
 * by design and are left out, as are `otherCalls`: calls made by another server sharing the simulators (Better Auth).
 */
export async function ledger(
  countRows: () => Promise<number>,
  sims: SimulatorControl[],
  otherCalls?: () => Promise<number>,
): Promise<Ledger> {
  const stats = await Promise.all(sims.map((sim) => sim.stats()));
  const others = otherCalls ? await otherCalls() : 0;
  return {
    logs: await countRows(),
    calls: stats.reduce((sum, s) => sum + s.sendsAndChecks, 0) - others,
  };
}

/**
 * Waits until requests the client gave up on have finished on the server (both counts stop moving and
 * agree, or 10 s), then compares what the provider saw with what was logged since `before`.
 */
export async function checkNoLoss(
  scenario: string,
  before: Ledger,
  countRows: () => Promise<number>,
  sims: SimulatorControl[],
  otherCalls?: () => Promise<number>,
): Promise<LossCheck> {
  const deadline = Date.now() + NO_LOSS_SETTLE_TIMEOUT_MS;
  let previous: Ledger | undefined;
  for (;;) {
    const now = await ledger(countRows, sims, otherCalls);
    const settled = previous && previous.logs === now.logs && previous.calls === now.calls;
    if ((settled && now.logs - before.logs === now.calls - before.calls) || Date.now() > deadline) {
      const providerCalls = now.calls - before.calls;
      const logRows = now.logs - before.logs;
      return { scenario, providerCalls, logRows, lost: providerCalls - logRows };
    }
    previous = now;
    await new Promise((resolve) => setTimeout(resolve, NO_LOSS_POLL_MS));
  }
}

// ─── scenario 2: sendOtp and verifyOtp at full speed ──────────────────────────────────────────────────────

/** Better Auth's phone plugin measured beside the product (betterAuthServer.mjs). */
export interface RivalResult {
  label: string;
  send: LoadResult;
  verify: LoadResult;
  verifyKind: string;
  cpuMsPerRequest: { send: Record<string, number>; verify: Record<string, number> };
  /** SMS it asked the (shared) simulator for: left out of the product's no-loss count. */
  providerCalls: number;
}

export interface ThroughputResult {
  label: string;
  /** The bare Express route, measured in the same phase, interleaved with the sends (ABBA). */
  baseline?: LoadResult;
  send: LoadResult;
  verify: LoadResult;
  /** How the verify requests were made. */
  verifyKind: string;
  fixedRate?: LoadResult;
  /** CPU milliseconds per request in each process (Linux), during the measured sends and verifies. */
  cpuMsPerRequest?: { baseline?: Record<string, number>; send: Record<string, number>; verify: Record<string, number> };
  /** Better Auth, interleaved with the product's runs of this phase. */
  rival?: RivalResult;
  loss: LossCheck | undefined;
}

export const BASELINE_PATH = '/api/echo';
export const BASELINE_BODY: BodySpec = { kind: 'static', body: '{"phone":"+919876543210","purpose":"login"}' };

const RIVAL_SEND_PATH = '/api/auth/phone-number/send-otp';
const RIVAL_VERIFY_PATH = '/api/auth/phone-number/verify';

/** A run that did not happen (nothing to verify): zero everywhere. */
function emptyResult(): LoadResult {
  const none = { count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  return {
    completed: 0,
    elapsedS: 0,
    requestsPerS: 0,
    statusCounts: {},
    non2xx: 0,
    errors: 0,
    errorKinds: {},
    timeouts: 0,
    latencyMs: { all: none, ok: none, failed: none },
    errorCodes: {},
    missingRetryAfter: 0,
  };
}

function sendBody(phoneStart: number, users: number): BodySpec {
  return { kind: 'sendOtp', phoneStart, phoneCount: Math.max(1, users - phoneStart), purpose: 'login' };
}

/** The code the simulator texted to each item's phone (outbox first, then per phone), for the newest `max` items. */
async function withCodes<T extends { phone: string }>(
  sim: SimulatorControl,
  items: T[],
  max: number,
): Promise<Array<T & { code: string }>> {
  const chosen = items.slice(-max);
  const codes = await sim.codesFromOutbox();
  const found: Array<T & { code: string }> = [];
  const missing: T[] = [];
  for (const item of chosen) {
    const code = codes.get(item.phone);
    if (code) found.push({ ...item, code });
    else missing.push(item);
  }
  // Older messages fell out of the outbox: ask per phone, a few at a time.
  const deadline = Date.now() + CODE_LOOKUP_TIMEOUT_MS;
  let next = 0;
  const worker = async () => {
    while (next < missing.length && Date.now() < deadline) {
      const item = missing[next++]!;
      const code = await sim.lastCode(item.phone);
      if (code) found.push({ ...item, code });
    }
  };
  await Promise.all(Array.from({ length: CODE_LOOKUP_WORKERS }, worker));
  return found;
}

/** `{session_id, otp}` for sessions, with the code the simulator texted. */
async function pairsFor(sim: SimulatorControl, sessions: Array<{ session_id: string; phone: string }>, max: number) {
  return (await withCodes(sim, sessions, max)).map(({ session_id, code }) => ({ session_id, otp: code }));
}

/** Better Auth's verify bodies for the phones it texted. */
async function rivalPairsFor(sim: SimulatorControl, phones: string[], max: number) {
  return (
    await withCodes(
      sim,
      phones.map((phone) => ({ phone })),
      max,
    )
  ).map(({ phone, code }) => ({ phoneNumber: phone, code }));
}

/** Runs `work` and the CPU milliseconds each group of processes spent meanwhile. */
async function withCpu(
  groups: Groups,
  work: () => Promise<LoadResult>,
): Promise<{ result: LoadResult; cpuMs: Record<string, number> }> {
  const before = readCpu(groups);
  const result = await work();
  return { result, cpuMs: cpuMsBetween(before, readCpu(groups)) };
}

function addCpu(...runs: Array<Record<string, number>>): Record<string, number> {
  const total: Record<string, number> = {};
  for (const run of runs) for (const [name, ms] of Object.entries(run)) total[name] = (total[name] ?? 0) + ms;
  return total;
}

function perRequest(ms: Record<string, number>, requests: number): Record<string, number> {
  return requests === 0
    ? {}
    : Object.fromEntries(Object.entries(ms).map(([name, value]) => [name, Math.round((100 * value) / requests) / 100]));
}

/** The rest of a finite list of bodies after a run used some (with a margin for requests cut off at its end). */
function unused<T>(list: T[], run: LoadResult, connections: number): T[] {
  return list.slice(run.completed + run.errors + run.timeouts + connections);
}

/** Better Auth's server for a throughput phase, and the phones it texts (its own range: codes never mix). */
export interface Rival {
  label: string;
  url: string;
  pid: number;
  phoneStart: number;
  phoneCount: number;
  /** The calls it has made to the simulator (which the product shares): left out of the product's no-loss count. */
  providerCalls: () => Promise<number>;
}

/**
 * Warm-up sends; then the measured sends interleaved with the baseline route and Better Auth's sends
 * (baseline, send, rival, rival, send, baseline, each half the run: a load that drifts on this shared machine
 * weighs on all alike); then the measured sends' sessions verified with their right codes (after a warm-up on
 * the warm-up sends' sessions), interleaved the same way with Better Auth's verifies; and optionally a paced
 * 200 req/s sendOtp run. Counts provider calls and log rows over the whole phase, Better Auth's calls left out.
 */
export async function throughputPhase(
  ctx: BenchContext,
  label: string,
  targets: string[],
  options: {
    users: number;
    countRows: () => Promise<number>;
    baselineUrl?: string;
    fixedRate?: boolean;
    countAfter?: () => Promise<LossCheck>;
    /** The server process (and its workers), for CPU time per request. */
    serverPid?: number;
    /** PGlite inside the server process: no PostgreSQL processes to account. */
    embedded?: boolean;
    /** The baseline server process, for its CPU time per request. */
    baselinePid?: number;
    rival?: Rival;
  },
): Promise<ThroughputResult> {
  const { durationS, warmupS, connections, verifyMax } = ctx.settings;
  const { rival } = options;
  const closed = (seconds: number): LoadMode => ({ kind: 'closed', connections, durationS: seconds });
  const before = options.countAfter
    ? undefined
    : await ledger(options.countRows, [ctx.sim], options.rival?.providerCalls);

  ctx.log(`  ${label}: sendOtp warm-up ${warmupS} s`);
  let phone = 0;
  const sendRun = async (seconds: number, keepSamples: boolean) => {
    const result = await ctx.load.load({
      targets,
      method: 'POST',
      path: SEND_PATH,
      body: sendBody(phone, options.users),
      mode: closed(seconds),
      collectSessions: true,
      keepSamples,
    });
    phone += result.completed + result.errors + result.timeouts + connections * 2;
    return result;
  };
  const warm = await sendRun(warmupS, false);

  let rivalPhone = rival?.phoneStart ?? 0;
  const rivalSendRun = async (seconds: number, keepSamples: boolean) => {
    const body: BodySpec = {
      kind: 'betterAuthSendOtp',
      phoneStart: rivalPhone,
      phoneCount: Math.max(1, rival!.phoneStart + rival!.phoneCount - rivalPhone),
    };
    const result = await ctx.load.load({
      targets: [rival!.url],
      method: 'POST',
      path: RIVAL_SEND_PATH,
      body,
      mode: closed(seconds),
      collectPhones: true,
      keepSamples,
    });
    rivalPhone += result.completed + result.errors + result.timeouts + connections * 2;
    return result;
  };
  let rivalWarm: LoadResult | undefined;
  if (rival) {
    ctx.log(`  ${rival.label}: send-otp warm-up ${warmupS} s`);
    rivalWarm = await rivalSendRun(warmupS, false);
  }

  const groups: Groups = {
    server: options.serverPid ? withDescendants(options.serverPid) : () => [],
    simulator: () => (ctx.sim.pid ? [ctx.sim.pid] : []),
    postgres: options.embedded ? () => [] : postgresBackendsOf(ctx.pg.name),
    redis: processesNamed(/^redis-server /),
    'load driver': () => [ctx.load.pid],
  };
  const rivalGroups: Groups = { ...groups, server: rival ? withDescendants(rival.pid) : () => [] };
  const baselineGroups: Groups = {
    server: () => (options.baselinePid ? [options.baselinePid] : []),
    'load driver': () => [ctx.load.pid],
  };
  const halfS = Math.max(1, Math.round(durationS / 2));

  let send: LoadResult;
  let sendCpuMs: Record<string, number>;
  let baseline: LoadResult | undefined;
  let baselineCpuMs: Record<string, number> | undefined;
  let rivalSend: LoadResult | undefined;
  let rivalSendCpuMs: Record<string, number> = {};
  if (options.baselineUrl || rival) {
    const order = [
      options.baselineUrl && 'baseline',
      'sendOtp',
      rival && 'Better Auth 2 ×',
      'sendOtp',
      options.baselineUrl && 'baseline',
    ].filter(Boolean);
    ctx.log(`  ${label}: ${order.join(', ')}, ${halfS} s each (${connections} connections)`);
    const baselineRun = () =>
      withCpu(baselineGroups, () =>
        ctx.load.load({
          targets: [options.baselineUrl!],
          method: 'POST',
          path: BASELINE_PATH,
          body: BASELINE_BODY,
          mode: closed(halfS),
          keepSamples: true,
        }),
      );
    const b1 = options.baselineUrl ? await baselineRun() : undefined;
    const s1 = await withCpu(groups, () => sendRun(halfS, true));
    const r1 = rival ? await withCpu(rivalGroups, () => rivalSendRun(halfS, true)) : undefined;
    const r2 = rival ? await withCpu(rivalGroups, () => rivalSendRun(halfS, true)) : undefined;
    const s2 = await withCpu(groups, () => sendRun(halfS, true));
    const b2 = options.baselineUrl ? await baselineRun() : undefined;
    send = mergeResults([s1.result, s2.result]);
    sendCpuMs = addCpu(s1.cpuMs, s2.cpuMs);
    if (b1 && b2) {
      baseline = mergeResults([b1.result, b2.result]);
      baselineCpuMs = addCpu(b1.cpuMs, b2.cpuMs);
    }
    if (r1 && r2) {
      rivalSend = mergeResults([r1.result, r2.result]);
      rivalSendCpuMs = addCpu(r1.cpuMs, r2.cpuMs);
    }
  } else {
    ctx.log(`  ${label}: sendOtp ${durationS} s, ${connections} connections`);
    ({ result: send, cpuMs: sendCpuMs } = await withCpu(groups, () => sendRun(durationS, false)));
  }

  const pairs = await pairsFor(ctx.sim, send.sessions ?? [], verifyMax);
  const warmPairs = await pairsFor(ctx.sim, warm.sessions ?? [], Math.min(MAX_VERIFY_WARMUP_PAIRS, verifyMax));
  ctx.log(
    `  ${label}: verifyOtp warm-up (${warmPairs.length} sessions), then ${pairs.length} sessions with their right codes`,
  );
  if (warmPairs.length > 0) {
    await ctx.load.load({
      targets,
      method: 'POST',
      path: VERIFY_PATH,
      body: { kind: 'verifyOtp', pairs: warmPairs },
      mode: closed(warmupS),
    });
  }
  const verifyRun = (list: typeof pairs, seconds: number) =>
    withCpu(groups, async () =>
      list.length > 0
        ? ctx.load.load({
            targets,
            method: 'POST',
            path: VERIFY_PATH,
            body: { kind: 'verifyOtp', pairs: list },
            mode: closed(seconds),
            keepSamples: true,
          })
        : emptyResult(),
    );

  let verify: LoadResult;
  let verifyCpuMs: Record<string, number>;
  let rivalResult: RivalResult | undefined;
  if (rival && rivalSend) {
    const rivalPairs = await rivalPairsFor(ctx.sim, rivalSend.phones ?? [], verifyMax);
    const rivalWarmPairs = await rivalPairsFor(
      ctx.sim,
      rivalWarm?.phones ?? [],
      Math.min(MAX_VERIFY_WARMUP_PAIRS, verifyMax),
    );
    ctx.log(
      `  ${rival.label}: verify warm-up (${rivalWarmPairs.length} phones), then verifyOtp and Better Auth's verify interleaved, ${halfS} s each`,
    );
    if (rivalWarmPairs.length > 0) {
      await ctx.load.load({
        targets: [rival.url],
        method: 'POST',
        path: RIVAL_VERIFY_PATH,
        body: { kind: 'betterAuthVerify', pairs: rivalWarmPairs },
        mode: closed(warmupS),
      });
    }
    const rivalVerifyRun = (list: typeof rivalPairs) =>
      withCpu(rivalGroups, async () =>
        list.length > 0
          ? ctx.load.load({
              targets: [rival.url],
              method: 'POST',
              path: RIVAL_VERIFY_PATH,
              body: { kind: 'betterAuthVerify', pairs: list },
              mode: closed(halfS),
              keepSamples: true,
            })
          : emptyResult(),
      );
    const v1 = await verifyRun(pairs, halfS);
    const rv1 = await rivalVerifyRun(rivalPairs);
    const rv2 = await rivalVerifyRun(unused(rivalPairs, rv1.result, connections));
    const v2 = await verifyRun(unused(pairs, v1.result, connections), halfS);
    verify = mergeResults([v1.result, v2.result]);
    verifyCpuMs = addCpu(v1.cpuMs, v2.cpuMs);
    const rivalVerify = mergeResults([rv1.result, rv2.result]);
    rivalResult = {
      label: rival.label,
      send: forReport(rivalSend),
      verify: forReport(rivalVerify),
      verifyKind: `right codes (read from the simulator) on ${rivalPairs.length} phones of its measured sends; a match logs the user in`,
      cpuMsPerRequest: {
        send: perRequest(rivalSendCpuMs, rivalSend.completed),
        verify: perRequest(addCpu(rv1.cpuMs, rv2.cpuMs), rivalVerify.completed),
      },
      providerCalls: 0,
    };
  } else {
    ({ result: verify, cpuMs: verifyCpuMs } = await verifyRun(pairs, durationS));
  }

  let fixedRate: LoadResult | undefined;
  if (options.fixedRate) {
    ctx.log(`  ${label}: sendOtp at ${FIXED_RATE_PER_S} req/s offered for ${durationS} s`);
    fixedRate = await ctx.load.load({
      targets,
      method: 'POST',
      path: SEND_PATH,
      body: sendBody(phone, options.users),
      mode: { kind: 'paced', ratePerS: FIXED_RATE_PER_S, durationS },
    });
  }
  const loss = options.countAfter
    ? await options.countAfter()
    : await checkNoLoss(label, before!, options.countRows, [ctx.sim], rival?.providerCalls);
  if (rivalResult) rivalResult.providerCalls = await rival!.providerCalls();
  return {
    label,
    ...(baseline ? { baseline: forReport(baseline) } : {}),
    send: forReport(send),
    verify: forReport(verify),
    verifyKind: `right codes (read from the simulator) on ${pairs.length} sessions of the measured sends; a match logs the user in`,
    ...(fixedRate ? { fixedRate: forReport(fixedRate) } : {}),
    cpuMsPerRequest: {
      ...(baseline && baselineCpuMs ? { baseline: perRequest(baselineCpuMs, baseline.completed) } : {}),
      send: perRequest(sendCpuMs, send.completed),
      verify: perRequest(verifyCpuMs, verify.completed),
    },
    ...(rivalResult ? { rival: rivalResult } : {}),
    loss,
  };
}

// ─── scenario 3: slow provider ────────────────────────────────────────────────────────────────────────────

export interface SlowProviderResult {
  run: LoadResult;
  limits: string;
  loss: LossCheck;
}

/**
 * A paced warm-up of sends (phones from `firstPhone` on), then an empty rate window and no limit keys left, so
 * the measured run starts like production would.
 */
async function warmUpThenClearLimits(ctx: BenchContext, targets: string[], firstPhone: number): Promise<void> {
  await ctx.load.load({
    targets,
    method: 'POST',
    path: SEND_PATH,
    body: sendBody(firstPhone, ctx.settings.users),
    mode: { kind: 'paced', ratePerS: WARMUP_RATE_PER_S, durationS: WARMUP_S },
  });
  await new Promise((resolve) => setTimeout(resolve, RATE_WINDOW_CLEAR_MS));
  await clearAppKeys(ctx.redis);
}

/**
 * What this run shows is that nothing serialises outbound calls: 200 req/s × 300 ms is 60 calls in flight.
 * The request-rate ceiling is lifted for it. At PROVIDER_MAX_RPS=200 a call holds its slot until a second
 * after its answer (providerCeiling.ts), so 200 calls/s of 300 ms each would be ~154/s admitted and the
 * rest refused as provider_busy, by design; scenario 4 is the ceiling's own test.
 */
export async function slowProvider(ctx: BenchContext): Promise<SlowProviderResult> {
  const app = await startApp(ctx, 'slow-provider', { limits: THROUGHPUT_LIMITS, simulator: ctx.slowSim });
  try {
    const targets = [app.url];
    await warmUpThenClearLimits(ctx, targets, 60_000);
    const countRows = () => countLogs(ctx.pg.db);
    const before = await ledger(countRows, [ctx.slowSim]);
    ctx.log(
      `  slow provider: ${FIXED_RATE_PER_S} req/s offered for ${ctx.settings.slowDurationS} s, simulator answering after ${SLOW_PROVIDER_LATENCY_MS} ms`,
    );
    const run = await ctx.load.load({
      targets,
      method: 'POST',
      path: SEND_PATH,
      body: sendBody(0, ctx.settings.users),
      mode: { kind: 'paced', ratePerS: FIXED_RATE_PER_S, durationS: ctx.settings.slowDurationS },
    });
    const loss = await checkNoLoss('3 slow provider', before, countRows, [ctx.slowSim]);
    return { run, limits: `ceiling lifted (PROVIDER_MAX_RPS=${THROUGHPUT_LIMITS.PROVIDER_MAX_RPS})`, loss };
  } finally {
    await app.managed.stop();
  }
}

// ─── scenario 4: the provider's request-rate ceiling ──────────────────────────────────────────────────────

export interface CeilingResult {
  label: string;
  instances: number;
  run: LoadResult;
  simulator: Pick<SimulatorStats, 'totalRequests' | 'maxPerCalendarSecond' | 'maxInAnySlidingSecond'>;
  ceiling: number;
  loss: LossCheck;
}

export async function providerCeiling(ctx: BenchContext, instances: number): Promise<CeilingResult> {
  const label = `4 ceiling, ${instances} instance${instances > 1 ? 's' : ''}`;
  const apps: App[] = [];
  try {
    for (let i = 0; i < instances; i += 1)
      apps.push(await startApp(ctx, `ceiling-${instances}-${i + 1}`, { limits: CEILING_LIMITS }));
    const targets = apps.map((app) => app.url);
    await warmUpThenClearLimits(ctx, targets, 70_000);
    await ctx.sim.reset();
    const countRows = () => countLogs(ctx.pg.db);
    const before = await ledger(countRows, [ctx.sim]);
    ctx.log(
      `  ${label}: ${CEILING_OFFERED_RATE_PER_S} req/s offered for ${ctx.settings.durationS} s against PROVIDER_MAX_RPS=${CEILING_LIMITS.PROVIDER_MAX_RPS}`,
    );
    const run = await ctx.load.load({
      targets,
      method: 'POST',
      path: SEND_PATH,
      body: sendBody(0, ctx.settings.users),
      mode: { kind: 'paced', ratePerS: CEILING_OFFERED_RATE_PER_S, durationS: ctx.settings.durationS },
    });
    const loss = await checkNoLoss(label, before, countRows, [ctx.sim]);
    const stats = await ctx.sim.stats();
    return {
      label,
      instances,
      run,
      simulator: {
        totalRequests: stats.totalRequests,
        maxPerCalendarSecond: stats.maxPerCalendarSecond,
        maxInAnySlidingSecond: stats.maxInAnySlidingSecond,
      },
      ceiling: Number(CEILING_LIMITS.PROVIDER_MAX_RPS),
      loss,
    };
  } finally {
    for (const app of apps) await app.managed.stop();
  }
}

// ─── scenario 6: two instances, shared limits and sessions ────────────────────────────────────────────────

export interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

export interface TwoInstancesResult {
  checks: Check[];
  loss: LossCheck;
}

const statuses = (answers: StepAnswer[]) => answers.map((a) => a.status).join(' ');

export async function twoInstances(ctx: BenchContext): Promise<TwoInstancesResult> {
  const a = await startApp(ctx, 'shared-a', { limits: DEFAULT_LIMITS });
  const b = await startApp(ctx, 'shared-b', { limits: DEFAULT_LIMITS });
  const checks: Check[] = [];
  const countRows = () => countLogs(ctx.pg.db);
  try {
    await clearAppKeys(ctx.redis);
    const before = await ledger(countRows, [ctx.sim]);
    const both = [a.url, b.url];
    const send = (target: string, phone: string) => ({
      target,
      method: 'POST' as const,
      path: SEND_PATH,
      body: { phone, purpose: 'login' },
    });
    const verify = (target: string, sessionId: string, otp: string) => ({
      target,
      method: 'POST' as const,
      path: VERIFY_PATH,
      body: { session_id: sessionId, otp },
    });
    let phone = 90_000;

    // Per-IP sends: 12 requests for 12 different phones, alternating instances; the limit is 5 a minute.
    const ipSends = await ctx.load.sequence(
      Array.from({ length: 12 }, (_, i) => send(both[i % 2]!, phoneNumber(phone++))),
    );
    const ok = ipSends.filter((x) => x.status === 200).length;
    const limited = ipSends.filter(
      (x) => x.status === 429 && x.body?.status === 'rate_limited' && x.retryAfter !== null,
    ).length;
    checks.push({
      name: 'per-IP send limit (5/min) holds across A and B',
      pass: ok === 5 && limited === 7,
      detail: `12 sends alternating A/B → ${ok} × 200, ${limited} × 429 rate_limited (${statuses(ipSends)})`,
    });

    // Per-phone resend cooldown: sent on A, asked again on B.
    await clearAppKeys(ctx.redis);
    const cooldownPhone = phoneNumber(phone++);
    const cooldown = await ctx.load.sequence([send(a.url, cooldownPhone), send(b.url, cooldownPhone)]);
    checks.push({
      name: 'per-phone resend cooldown holds across A and B',
      pass: cooldown[0]?.status === 200 && cooldown[1]?.status === 429 && cooldown[1]?.body?.status === 'rate_limited',
      detail: `send on A → ${cooldown[0]?.status}, same phone on B → ${cooldown[1]?.status} ${bodyField(cooldown[1], 'status')}`,
    });

    // A session made on A verifies on B, once.
    const loginPhone = phoneNumber(phone++);
    const [sent] = await ctx.load.sequence([send(a.url, loginPhone)]);
    const sessionId = bodyField(sent, 'session_id');
    const code = (await ctx.sim.lastCode(loginPhone)) ?? '000000';
    const crossVerify = await ctx.load.sequence([verify(b.url, sessionId, code), verify(a.url, sessionId, code)]);
    checks.push({
      name: 'a session created on A verifies on B (and only once)',
      pass:
        sent?.status === 200 &&
        crossVerify[0]?.status === 200 &&
        crossVerify[0]?.body?.verified === true &&
        crossVerify[0]?.setsCookie === true &&
        crossVerify[1]?.status === 404,
      detail: `send on A → ${sent?.status}; verify on B → ${crossVerify[0]?.status} verified=${String(crossVerify[0]?.body?.verified)}; again on A → ${crossVerify[1]?.status} ${bodyField(crossVerify[1], 'status')}`,
    });

    // Wrong codes spread over both instances share one attempt budget (5).
    const attemptsPhone = phoneNumber(phone++);
    const [sent2] = await ctx.load.sequence([send(b.url, attemptsPhone)]);
    const session2 = bodyField(sent2, 'session_id');
    const right = (await ctx.sim.lastCode(attemptsPhone)) ?? '000000';
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(right.length, '0');
    const attempts = await ctx.load.sequence([
      ...Array.from({ length: 5 }, (_, i) => verify(both[i % 2]!, session2, wrong)),
      verify(a.url, session2, right),
    ]);
    const left = attempts.slice(0, 5).map((x) => x.body?.attempts_left);
    checks.push({
      name: 'wrong-code attempts are counted across A and B',
      pass:
        attempts.slice(0, 5).every((x) => x.status === 400) &&
        left.join(',') === '4,3,2,1,0' &&
        attempts[5]?.status === 429 &&
        attempts[5]?.body?.status === 'too_many_attempts',
      detail: `5 wrong codes alternating A/B → ${statuses(attempts.slice(0, 5))} (attempts_left ${left.join(',')}); then the right code → ${attempts[5]?.status} ${bodyField(attempts[5], 'status')}`,
    });

    // Per-IP verifies: 25 checks of unknown sessions, alternating; the limit is 20 a minute.
    await clearAppKeys(ctx.redis);
    const ipVerifies = await ctx.load.sequence(
      Array.from({ length: 25 }, (_, i) => verify(both[i % 2]!, randomUUID(), '123456')),
    );
    const passed = ipVerifies.filter((x) => x.status !== 429).length;
    const refused = ipVerifies.filter((x) => x.status === 429 && x.body?.status === 'rate_limited').length;
    checks.push({
      name: 'per-IP verify limit (20/min) holds across A and B',
      pass: passed === 20 && refused === 5,
      detail: `25 verifies alternating A/B → ${passed} checked, ${refused} × 429 rate_limited`,
    });

    const loss = await checkNoLoss('6 two instances', before, countRows, [ctx.sim]);
    return { checks, loss };
  } finally {
    await a.managed.stop();
    await b.managed.stop();
    await clearAppKeys(ctx.redis);
  }
}
