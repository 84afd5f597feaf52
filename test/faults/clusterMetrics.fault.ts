/**
 * GET /metrics with WEB_CONCURRENCY=2 on the real process: whichever worker takes the scrape answers the counts of
 * the whole instance, so every scrape agrees and counters only grow (what Prometheus' rate() and sum() need).
 * Shared-state gauges (the daily budget) are read once, not added up per worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTwoFactorSimulator, type TwoFactorSimulator } from '../../server/providers/twoFactor/simulator.js';
import { seedPhoneUsers } from './support/fixtures.js';
import { ensureServerBuilt, httpJson, spawnServer, waitFor, type ServerProcess } from './support/serverProcess.js';
import {
  loadTestEnv,
  requireFaultSuiteTools,
  startPostgres,
  startRedis,
  type PostgresInstance,
  type RedisInstance,
} from './support/services.js';

const API_KEY = 'f4u1t5-c1u5ter-metrics-0000-9b3c';
const METRICS_TOKEN = 'fault-suite-metrics-token-0123456789abcdef';
const SENDS = 20;
const SCRAPES = 6;
const DAILY_BUDGET = 1_000_000;

/** The value of one sample line (`name{labels} value`) of a Prometheus text exposition, or undefined. */
function sampleValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics with WEB_CONCURRENCY=2 (real server process)', () => {
  let postgres: PostgresInstance;
  let redis: RedisInstance;
  let simulator: TwoFactorSimulator;
  let phones: string[];
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    requireFaultSuiteTools();
    await ensureServerBuilt();
    [postgres, redis, simulator] = await Promise.all([
      startPostgres(),
      startRedis(),
      startTwoFactorSimulator({ latencyMs: 20 }),
    ]);
    phones = await seedPhoneUsers(postgres.url(), SENDS);
  });

  afterAll(async () => {
    await server?.stop();
    await Promise.allSettled([postgres?.destroy(), redis?.destroy(), simulator?.close()]);
  });

  it('answers every scrape with the counts of all workers together, whichever worker takes it', async () => {
    server = await spawnServer(
      {
        WEB_CONCURRENCY: '2',
        METRICS_TOKEN,
        ...loadTestEnv(postgres, redis, { url: simulator.url, apiKey: API_KEY }),
      },
      { waitUntilListening: true },
    );
    const listening = () => server!.logLines().filter((line) => String(line.msg).startsWith('listening on ')).length;
    await waitFor('both workers to listen', () => listening() === 2, 30_000);

    // One fresh connection each: Node's round-robin hands them to the two workers in turn.
    for (const phone of phones) {
      const send = await httpJson('POST', `${server.url}/api/sms/sendOtp`, { phone, purpose: 'login' });
      expect(send.status, JSON.stringify(send)).toBe(200);
    }

    const scrapes: string[] = [];
    for (let i = 0; i < SCRAPES; i += 1) {
      const scrape = await httpJson('GET', `${server.url}/metrics`, undefined, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}`, accept: 'text/plain' },
      });
      expect(scrape.status, JSON.stringify(scrape)).toBe(200);
      expect(scrape.headers?.['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      scrapes.push(typeof scrape.body === 'string' ? scrape.body : JSON.stringify(scrape.body));
    }
    const sent = scrapes.map((text) => sampleValue(text, 'otp_sends_total{purpose="login",outcome="sent"}'));
    const providerCalls = scrapes.map((text) =>
      sampleValue(text, 'sms_provider_request_duration_seconds_count{operation="send_otp",outcome="answered"}'),
    );
    expect(sent).toEqual(scrapes.map(() => SENDS));
    expect(providerCalls).toEqual(scrapes.map(() => SENDS));
    // Read from the shared store by each worker: the same number, not one per worker added up.
    expect(scrapes.map((text) => sampleValue(text, 'sms_daily_budget'))).toEqual(scrapes.map(() => DAILY_BUDGET));
    expect(scrapes.map((text) => sampleValue(text, 'sms_daily_budget_used'))).toEqual(scrapes.map(() => SENDS));

    const unauthorized = await httpJson('GET', `${server.url}/metrics`);
    expect(unauthorized.status).toBe(401);
  });
});
