/**
 * SMS pumping with hang-ups, on the real server process (production mode, PostgreSQL + Redis, a 2Factor
 * stand-in that answers in 300 ms like the real one). The attacker writes a complete send request and drops
 * the connection 30 ms later, again and again, each time from a new address (forged X-Forwarded-For behind a
 * trusted proxy, as a botnet looks), so the per-IP limit never stops it. Sends are booked in the limiter
 * store before the provider call and a hang-up gives no booking back: the phone's resend cooldown and the
 * user's hourly cap hold however many requests are dropped, and every SMS that did go out has its otp_logs row.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFaultServices, type FaultServices } from './support/faultServices.js';
import type { TwoFactorSimulator } from '../../server/providers/twoFactor/simulator.js';
import { countLogRows, createAdmin, seedPhoneUsers } from './support/fixtures.js';
import { forgedClientIp, pumpHangUps, type PumpedRequest } from './support/hangUpPump.js';
import {
  httpJson,
  signIn,
  spawnServer,
  waitFor,
  type HttpResult,
  type ServerProcess,
} from './support/serverProcess.js';
import { type PostgresInstance, type RedisInstance } from './support/services.js';

const API_KEY = 'f4u1t5-hangup-key-0000-5e7b20c4d91a';
/** The real 2Factor answers in 100–500 ms: long after the attacker has hung up. */
const PROVIDER_LATENCY_MS = 300;
const RESEND_COOLDOWN_S = 30;
const SENDS_PER_USER_PER_HOUR = 5;
const PUMP = { loops: 4, durationMs: 6_000, hangUpAfterMs: 30 };
/** A pump that wrote fewer requests than this did not test much. */
const MIN_PUMPED_REQUESTS = 100;

describe('hang-up pumps (real server process)', () => {
  let postgres: PostgresInstance;
  let redis: RedisInstance;
  let simulator: TwoFactorSimulator;
  let services: FaultServices | undefined;
  let server: ServerProcess | undefined;
  /** OTP sends 2Factor received, by phone (E.164). */
  const otpSendsTo = new Map<string, number>();

  beforeAll(async () => {
    services = await startFaultServices({
      latencyMs: PROVIDER_LATENCY_MS,
      onRequest: ({ url }) => {
        const digits = /\/SMS\/\+?91(\d{10})\/AUTOGEN/.exec(url)?.[1];
        if (digits) otpSendsTo.set(`+91${digits}`, (otpSendsTo.get(`+91${digits}`) ?? 0) + 1);
      },
    });
    ({ postgres, redis, simulator } = services);
  });

  afterEach(async () => {
    await server?.stop();
    server = undefined;
    simulator.reset();
    otpSendsTo.clear();
  });

  afterAll(async () => {
    await services?.stop();
  });

  /** Production, on the suite's services; the proxy on loopback is trusted, so X-Forwarded-For names the client. */
  const start = () =>
    spawnServer(
      {
        DATABASE_URL: postgres.url(),
        REDIS_URL: redis.url,
        TWO_FACTOR_API_KEY: API_KEY,
        TWO_FACTOR_BASE_URL: simulator.url,
        TRUST_PROXY: 'loopback',
        // The per-IP limit is out of the way: the per-phone and per-user bookings must stop the pump.
        SMS_RATE_LIMIT_PER_MIN: '1000000',
        SMS_RESEND_COOLDOWN_S: String(RESEND_COOLDOWN_S),
        SMS_MAX_SENDS_PER_HOUR: String(SENDS_PER_USER_PER_HOUR),
      },
      { waitUntilListening: true },
    );

  /** Hang-ups leave work running in the server: wait until 2Factor has heard nothing new for a while. */
  async function providerQuietFor(quietMs: number): Promise<void> {
    let seen = -1;
    let lastChangeAt = performance.now();
    await waitFor(
      `no new 2Factor call for ${quietMs} ms`,
      () => {
        const total = simulator.stats().totalRequests;
        if (total !== seen) {
          seen = total;
          lastChangeAt = performance.now();
        }
        return performance.now() - lastChangeAt >= quietMs;
      },
      60_000,
    );
  }

  /** SIGTERM: the server finishes what it started (log rows included) and exits. */
  async function stopServer(): Promise<number | null> {
    await server!.stop();
    return (await server!.exited).code;
  }

  /** A refused send as the contract words it: 429 rate_limited, retry_after_s within `maxWaitS`, and the same in Retry-After. */
  function expectRateLimited(answer: HttpResult, maxWaitS: number) {
    expect(answer.status, JSON.stringify(answer.body)).toBe(429);
    expect(answer.body).toMatchObject({ status: 'rate_limited', retry_after_s: expect.any(Number) });
    const retryAfterS = (answer.body as { retry_after_s: number }).retry_after_s;
    expect(retryAfterS).toBeGreaterThanOrEqual(1);
    expect(retryAfterS).toBeLessThanOrEqual(maxWaitS);
    // (The header and the body may be worked out a few milliseconds apart, across a second boundary.)
    expect(Math.abs(Number(answer.headers?.['retry-after']) - retryAfterS)).toBeLessThanOrEqual(1);
  }

  it('sendOtp: clients that hang up 30 ms after asking get one SMS to a phone per resend cooldown, not one per request', async () => {
    const [phone] = await seedPhoneUsers(postgres.url(), 1);
    server = await start();
    const sendOtp = (n: number): PumpedRequest => ({
      path: '/api/sms/sendOtp',
      body: { phone, purpose: 'login' },
      headers: { 'X-Forwarded-For': forgedClientIp(n) },
    });

    const pump = await pumpHangUps({ port: Number(new URL(server.url).port), ...PUMP, request: sendOtp });
    await providerQuietFor(1_500);
    const smsDuringPump = otpSendsTo.get(phone!) ?? 0;
    // A client that does wait, from yet another address, is told how long the cooldown still runs.
    const probe = await httpJson(
      'POST',
      `${server.url}/api/sms/sendOtp`,
      { phone, purpose: 'login' },
      {
        headers: { 'X-Forwarded-For': forgedClientIp(1_000_000) },
      },
    );
    const exitCode = await stopServer();
    const providerCalls = otpSendsTo.get(phone!) ?? 0;
    const logRows = await countLogRows(postgres.url(), { type: 'autogen', phone: phone! });
    console.warn(
      `[faults] sendOtp hang-up pump: ${pump.written} requests written (${pump.failed} failed to connect) in ${PUMP.durationMs} ms; ` +
        `${smsDuringPump} SMS to the phone; probe ${probe.status} ${JSON.stringify(probe.body)}; ${providerCalls} provider calls, ${logRows} log rows`,
    );

    expect(pump.written).toBeGreaterThanOrEqual(MIN_PUMPED_REQUESTS);
    // 6 s of pumping fit in one 30 s cooldown: the first request's booking goes out, every other one is refused.
    expect(smsDuringPump).toBe(1);
    expectRateLimited(probe, RESEND_COOLDOWN_S);
    expect(exitCode).toBe(0);
    expect(logRows).toBe(providerCalls);
  });

  it('sendTemplate: an admin whose client hangs up 30 ms after each request sends no more template SMS than the hourly cap', async () => {
    const email = 'pump-admin@example.test';
    const password = 'Hang-up-pump-passphrase-2026';
    const adminId = await createAdmin(postgres.url(), email, password);
    server = await start();
    const cookie = await signIn(server.url, email, password);
    // A new recipient each time, so only the sender's own cap can stop the pump.
    const sendTemplate = (n: number): PumpedRequest => ({
      path: '/api/sms/sendTemplate',
      body: { to: `+9197${String(n).padStart(8, '0')}`, var1: 'Pumped' },
      headers: { 'X-Forwarded-For': forgedClientIp(n), Cookie: cookie, Origin: server!.url },
    });

    const pump = await pumpHangUps({ port: Number(new URL(server.url).port), ...PUMP, request: sendTemplate });
    await providerQuietFor(1_500);
    const templateSmsDuringPump = simulator.stats().byKind.tsms;
    const probe = await httpJson('POST', `${server.url}/api/sms/sendTemplate`, sendTemplate(1_000_000).body, {
      headers: { 'X-Forwarded-For': forgedClientIp(1_000_000), Cookie: cookie },
    });
    const exitCode = await stopServer();
    const providerCalls = simulator.stats().byKind.tsms;
    const logRows = await countLogRows(postgres.url(), { type: 'template', userId: adminId });
    console.warn(
      `[faults] sendTemplate hang-up pump: ${pump.written} requests written (${pump.failed} failed to connect) in ${PUMP.durationMs} ms; ` +
        `${templateSmsDuringPump} template SMS; probe ${probe.status} ${JSON.stringify(probe.body)}; ${providerCalls} provider calls, ${logRows} log rows`,
    );

    expect(pump.written).toBeGreaterThanOrEqual(MIN_PUMPED_REQUESTS);
    // The cap's bookings are taken by the first requests, and hanging up does not stop a booked send: exactly the cap goes out.
    expect(templateSmsDuringPump).toBe(SENDS_PER_USER_PER_HOUR);
    expectRateLimited(probe, 3_600);
    expect(exitCode).toBe(0);
    expect(logRows).toBe(providerCalls);
  });
});
