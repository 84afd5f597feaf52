/**
 * GET /metrics with WEB_CONCURRENCY=2 on the real process: whichever worker takes the scrape answers the counts of
 * the whole instance, so every scrape agrees and counters only grow while the workers live. (A worker that dies
 * takes its counts with it: the totals fall, which Prometheus reads as a reset, see docs/operations.md.)
 * Shared-state gauges (the daily budget) are not added up per worker. While a dead worker is replaced,
 * scrapes go on answering at once: the primary asks only the workers that can hear it, and a new one is among them
 * as soon as it has loaded its code.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultServices, type FaultServices } from './support/faultServices.js';
import type { TwoFactorSimulator } from '../../server/providers/twoFactor/simulator.js';
import { sampleValue } from '../support/prometheusText.js';
import { seedPhoneUsers } from './support/fixtures.js';
import {
  childPids,
  httpJson,
  sleep,
  spawnServer,
  waitFor,
  type HttpResult,
  type ServerProcess,
} from './support/serverProcess.js';
import { loadTestEnv, type PostgresInstance, type RedisInstance } from './support/services.js';

const API_KEY = 'f4u1t5-c1u5ter-metrics-0000-9b3c';
const METRICS_TOKEN = 'fault-suite-metrics-token-0123456789abcdef';
const SENDS = 20;
const SCRAPES = 6;
const DAILY_BUDGET = 1_000_000;
/** The login sends that went out: `otp_sends_total{purpose="login",outcome="sent"}`. */
const SENT = { purpose: 'login', outcome: 'sent' };

/** One scrape over a fresh connection. */
const scrape = (serverUrl: string): Promise<HttpResult> =>
  httpJson('GET', `${serverUrl}/metrics`, undefined, {
    headers: { authorization: `Bearer ${METRICS_TOKEN}`, accept: 'text/plain' },
  });
const textOf = (result: HttpResult) => (typeof result.body === 'string' ? result.body : JSON.stringify(result.body));

describe('/metrics with WEB_CONCURRENCY=2 (real server process)', () => {
  let postgres: PostgresInstance;
  let redis: RedisInstance;
  let simulator: TwoFactorSimulator;
  let services: FaultServices | undefined;
  let phones: string[];
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    services = await startFaultServices({ latencyMs: 20 });
    ({ postgres, redis, simulator } = services);
    phones = await seedPhoneUsers(postgres.url(), 2 * SENDS);
  });

  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  afterAll(async () => {
    await services?.stop();
  });

  const start = async () => {
    server = await spawnServer(
      {
        WEB_CONCURRENCY: '2',
        METRICS_TOKEN,
        ...loadTestEnv(postgres, redis, { url: simulator.url, apiKey: API_KEY }),
      },
      { waitUntilListening: true },
    );
    await waitFor('both workers to listen', () => listening(server!) === 2, 30_000);
    return server;
  };
  const listening = (s: ServerProcess) =>
    s.logLines().filter((line) => String(line.msg).startsWith('listening on ')).length;
  /** One fresh connection each: Node's round-robin hands them to the two workers in turn. */
  const sendEach = async (s: ServerProcess, to: readonly string[]) => {
    for (const phone of to) {
      const send = await httpJson('POST', `${s.url}/api/sms/sendOtp`, { phone, purpose: 'login' });
      expect(send.status, JSON.stringify(send)).toBe(200);
    }
  };

  it('answers every scrape with the counts of all workers together, whichever worker takes it', async () => {
    const s = await start();
    await sendEach(s, phones.slice(0, SENDS));

    const scrapes: string[] = [];
    for (let i = 0; i < SCRAPES; i += 1) {
      const result = await scrape(s.url);
      expect(result.status, JSON.stringify(result)).toBe(200);
      expect(result.headers?.['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      scrapes.push(textOf(result));
    }
    const sent = scrapes.map((text) => sampleValue(text, 'otp_sends_total', SENT));
    const providerCalls = scrapes.map((text) =>
      sampleValue(text, 'sms_provider_request_duration_seconds_count', { operation: 'send_otp', outcome: 'answered' }),
    );
    expect(sent).toEqual(scrapes.map(() => SENDS));
    expect(providerCalls).toEqual(scrapes.map(() => SENDS));
    // Read from the shared store by each worker: the same number, not one per worker added up.
    expect(scrapes.map((text) => sampleValue(text, 'sms_daily_budget'))).toEqual(scrapes.map(() => DAILY_BUDGET));
    expect(scrapes.map((text) => sampleValue(text, 'sms_daily_budget_used'))).toEqual(scrapes.map(() => SENDS));

    const unauthorized = await httpJson('GET', `${s.url}/metrics`);
    expect(unauthorized.status).toBe(401);
  });

  it('goes on answering at once while a dead worker is replaced, with the counts of the worker left', async () => {
    const s = await start();
    await sendEach(s, phones.slice(SENDS, 2 * SENDS));
    const [victim] = await childPids(s.pid);
    process.kill(victim!, 'SIGKILL');
    await waitFor(
      'the primary to see the worker die',
      () => s.logLines().some((line) => line.msg === 'worker died; starting a new one'),
      10_000,
    );

    // From the death through the replacement's boot (it is forked 1 s later) until it listens, and a little after.
    const scrapes: HttpResult[] = [];
    let replacedAt: number | undefined;
    while (replacedAt === undefined || performance.now() - replacedAt < 500) {
      scrapes.push(await scrape(s.url));
      if (replacedAt === undefined && listening(s) === 3) replacedAt = performance.now();
      await sleep(100);
    }

    for (const result of scrapes) {
      expect(result.status, JSON.stringify(result)).toBe(200);
      // A request lost to a worker still loading its modules would cost the primary's 5 s wait and a 503.
      expect(result.durationMs).toBeLessThan(1_000);
    }
    // The dead worker took its counts with it (the total falls: a reset to Prometheus); the newcomer has none yet.
    const sent = scrapes.map((result) => sampleValue(textOf(result), 'otp_sends_total', SENT));
    expect(new Set(sent).size, JSON.stringify(sent)).toBe(1);
    expect(sent[0]).toBeGreaterThan(0);
    expect(sent[0]).toBeLessThan(SENDS);
    const slowestMs = Math.round(Math.max(...scrapes.map((result) => result.durationMs)));
    console.warn(
      `[faults] /metrics while a worker is replaced: ${scrapes.length} scrapes, all 200, slowest ${slowestMs} ms; ` +
        `${sent[0]} of ${SENDS} sends left with the surviving worker`,
    );
  });
});
