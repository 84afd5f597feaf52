/**
 * A database that drops, then refuses, the app's connections while sends and verifies go on, on the real
 * server process (production, PostgreSQL + Redis): first every connection is killed again and again
 * (pg_terminate_backend, as in a failover), then new connections are refused for 10 s (ALTER DATABASE …
 * ALLOW_CONNECTIONS false: SQLSTATE 55000, as during maintenance). Every request gets a clean JSON answer,
 * 503 database_unavailable while the database is away and never 500. The log row of a call that did reach
 * 2Factor is kept until the database is back (or flushed on SIGTERM): once the server has stopped, otp_logs
 * holds exactly one row per call 2Factor received, none lost and none written twice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFaultServices, type FaultServices } from './support/faultServices.js';
import type { TwoFactorSimulator } from '../../server/providers/twoFactor/simulator.js';
import { databaseFaults, type DatabaseFaults } from './support/databaseFaults.js';
import { isCleanAnswer, loggedProviderCalls, outcomes, seedPhoneUsers } from './support/fixtures.js';
import {
  httpJson,
  sleep,
  spawnServer,
  startSendOtpLoad,
  waitFor,
  type HttpResult,
  type LoadRecord,
  type ServerProcess,
} from './support/serverProcess.js';
import { type PostgresInstance, type RedisInstance } from './support/services.js';

const API_KEY = 'f4u1t5-db0utage-key-0000-2b9e61f0';
const APP_DATABASE = 'otp_app';
const SEND_LOAD = { ratePerSecond: 15, maxInFlight: 40 };
/** Each send has its own phone, so no per-phone limit plays a part. */
const PHONES = 600;
const KILL_PHASE_MS = 4_000;
const KILL_EVERY_MS = 200;
const REFUSAL_MS = 10_000;
/** A request started this long after the refusal began can no longer be holding a connection it had before. */
const REFUSAL_SETTLE_MS = 500;

interface VerifyRecord extends HttpResult {
  code: 'right' | 'wrong';
}

/**
 * Every `everyMs`, takes the newest answered send not yet checked and verifies it twice, first with a wrong
 * code and then with the code 2Factor texted, one after the other.
 */
function startVerifyLoad(
  serverUrl: string,
  sends: readonly LoadRecord[],
  codeFor: (phone: string) => string | undefined,
  everyMs: number,
) {
  const records: VerifyRecord[] = [];
  const checked = new Set<string>();
  let stopped = false;
  const running = (async () => {
    while (!stopped) {
      await sleep(everyMs);
      const send = sends.findLast((record) => record.status === 200 && !checked.has(record.phone));
      const code = send && codeFor(send.phone);
      if (!send || !code) continue;
      checked.add(send.phone);
      const sessionId = (send.body as { session_id: string }).session_id;
      const wrongCode = code === '000000' ? '111111' : '000000';
      records.push({
        ...(await httpJson('POST', `${serverUrl}/api/sms/verifyOtp`, { session_id: sessionId, otp: wrongCode })),
        code: 'wrong',
      });
      records.push({
        ...(await httpJson('POST', `${serverUrl}/api/sms/verifyOtp`, { session_id: sessionId, otp: code })),
        code: 'right',
      });
    }
  })();
  return {
    records,
    async stop(): Promise<VerifyRecord[]> {
      stopped = true;
      await running;
      return records;
    },
  };
}

/** A verify answer is clean when it is the code's verdict, or a fail-closed 503. */
function isCleanVerifyAnswer(record: VerifyRecord): boolean {
  const status = typeof record.body === 'object' ? record.body.status : undefined;
  if (record.code === 'right' && record.status === 200) return status === 'verified';
  if (record.code === 'wrong' && record.status === 400) return status === 'otp_mismatch';
  return record.status !== 200 && isCleanAnswer(record);
}

/** Items of `expected` missing from `actual`, and items of `actual` beyond `expected` (both as multisets). */
function multisetDifference(
  expected: readonly string[],
  actual: readonly string[],
): { missing: string[]; extra: string[] } {
  const left = new Map<string, number>();
  for (const item of expected) left.set(item, (left.get(item) ?? 0) + 1);
  const extra: string[] = [];
  for (const item of actual) {
    const count = left.get(item) ?? 0;
    if (count > 0) left.set(item, count - 1);
    else extra.push(item);
  }
  const missing = [...left].flatMap(([item, count]) => Array<string>(count).fill(item));
  return { missing, extra };
}

describe('database connections killed, then refused (real server process)', () => {
  let postgres: PostgresInstance;
  let redis: RedisInstance;
  let simulator: TwoFactorSimulator;
  let services: FaultServices | undefined;
  let faults: DatabaseFaults;
  let phones: string[];
  let server: ServerProcess | undefined;
  /** 2Factor session ids of the verify calls 2Factor received, one entry per call. */
  const verifyCalls: string[] = [];

  beforeAll(async () => {
    services = await startFaultServices({
      latencyMs: 50,
      onRequest: ({ url }) => {
        const sessionId = /\/SMS\/VERIFY\/([^/]+)\//.exec(url)?.[1];
        if (sessionId) verifyCalls.push(sessionId);
      },
    });
    ({ postgres, redis, simulator } = services);
    // The app has its own database, so the faults never reach the connection that inflicts and ends them.
    faults = databaseFaults(postgres.url(), APP_DATABASE);
    await faults.create();
    phones = await seedPhoneUsers(postgres.url(undefined, APP_DATABASE), PHONES);
  });

  afterAll(async () => {
    await server?.stop();
    await faults?.close();
    await services?.stop();
  });

  it('answers 503 database_unavailable (never 500) while connections are refused, and after SIGTERM has one otp_logs row per 2Factor call', async () => {
    server = await spawnServer(
      {
        DATABASE_URL: postgres.url(undefined, APP_DATABASE),
        DATABASE_POOL_SIZE: '5',
        REDIS_URL: redis.url,
        TWO_FACTOR_API_KEY: API_KEY,
        TWO_FACTOR_BASE_URL: simulator.url,
        SMS_RATE_LIMIT_PER_MIN: '1000000',
        SMS_VERIFY_LIMIT_PER_MIN: '1000000',
      },
      { waitUntilListening: true },
    );
    const sendLoad = startSendOtpLoad(server.url, phones, SEND_LOAD);
    const verifyLoad = startVerifyLoad(server.url, sendLoad.records, (phone) => simulator.lastCodeFor(phone), 400);
    await waitFor('sends to succeed', () => sendLoad.records.some((r) => r.status === 200), 20_000);
    await sleep(1_500);

    let killed = 0;
    const killsEndAt = performance.now() + KILL_PHASE_MS;
    while (performance.now() < killsEndAt) {
      killed += await faults.killConnections();
      await sleep(KILL_EVERY_MS);
    }
    await faults.allowConnections(false);
    const refusedAt = performance.now();
    try {
      killed += await faults.killConnections();
      await sleep(REFUSAL_MS);
    } finally {
      await faults.allowConnections(true);
    }
    const allowedAt = performance.now();
    const recoveryMs = await waitFor(
      'a send started after the database is back to succeed',
      () => sendLoad.records.some((r) => r.status === 200 && r.startedAtMs > allowedAt),
      30_000,
    );
    await sleep(2_000);
    const [sends, verifies] = await Promise.all([sendLoad.stop(), verifyLoad.stop()]);
    await server.stop();
    const exit = await server.exited;

    const duringRefusal = [...sends, ...verifies].filter(
      (r) => r.startedAtMs > refusedAt + REFUSAL_SETTLE_MS && r.startedAtMs + r.durationMs < allowedAt,
    );
    const providerCalls = [
      ...simulator
        .outbox()
        .filter((message) => message.kind === 'otp')
        .map((message) => `autogen ${message.providerSessionId}`),
      ...verifyCalls.map((sessionId) => `verify ${sessionId}`),
    ];
    const logged = await loggedProviderCalls(postgres.url(undefined, APP_DATABASE));
    const { missing: callsWithoutRow, extra: rowsWithoutCall } = multisetDifference(providerCalls, logged);
    console.warn(
      `[faults] database killed ${killed} connections, then refused ${REFUSAL_MS} ms: sends ${JSON.stringify(outcomes(sends))}; ` +
        `verifies ${JSON.stringify(outcomes(verifies))}; while refused ${JSON.stringify(outcomes(duringRefusal))}; ` +
        `resumed ${Math.round(recoveryMs)} ms after; exit ${exit.code}; ${providerCalls.length} 2Factor calls ` +
        `(${simulator.stats().byKind.autogen} sends, ${verifyCalls.length} verifies), ${logged.length} log rows, ` +
        `${callsWithoutRow.length} calls without a row, ${rowsWithoutCall.length} rows without a call`,
    );

    expect(killed).toBeGreaterThan(0);
    // Every request got a JSON answer: no reset, no hang, no 500.
    expect(outcomes(sends.filter((r) => !isCleanAnswer(r)))).toEqual({});
    expect(verifies.filter((r) => !isCleanVerifyAnswer(r)).map((r) => `${r.code}: ${JSON.stringify(r.body)}`)).toEqual(
      [],
    );
    expect(verifies.filter((r) => r.status === 200).length, 'verifies that went through').toBeGreaterThan(0);
    // While connections are refused nothing succeeds, and the answers say the database is away.
    expect(duringRefusal.length).toBeGreaterThan(30);
    expect(outcomes(duringRefusal.filter((r) => r.status !== 503))).toEqual({});
    const databaseRefusals = duringRefusal.filter(
      (r) => (r.body as { status?: string }).status === 'database_unavailable',
    );
    // (An overloaded machine may now and then answer another clean 503 first.)
    expect(databaseRefusals.length).toBeGreaterThanOrEqual(duringRefusal.length * 0.9);
    expect(recoveryMs).toBeLessThan(15_000);

    expect(exit.code).toBe(0);
    expect(simulator.stats().byKind.autogen).toBe(providerCalls.length - verifyCalls.length);
    expect(callsWithoutRow).toEqual([]);
    expect(rowsWithoutCall).toEqual([]);
    expect(server.output()).not.toContain(API_KEY);
  });
});
