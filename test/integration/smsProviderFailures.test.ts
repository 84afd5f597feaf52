/**
 * What users and admins see when 2Factor refuses, fails or is overloaded: 502 provider_error, 503
 * provider_unavailable (timeout, 5xx, unreadable answers, refused connection, open circuit) and 503
 * provider_busy past our request-rate ceiling, each provider call with its log row.
 */
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { dbKindsUnderTest } from '../support/testDatabases.js';
import { buildTestApp, createFakeClock, useTestDatabase, type TestApp } from '../support/testApp.js';
import {
  addUser,
  allLogRows,
  buildSmsApp,
  closedPort,
  codeSentTo,
  newPhone,
  signedIn,
  TEST_API_KEY,
  useSimulator,
} from '../support/smsKit.js';

const RAISED_LIMITS = {
  SMS_RATE_LIMIT_PER_MIN: '1000',
  SMS_MAX_SENDS_PER_HOUR: '1000',
  SMS_MAX_SENDS_PER_PHONE_PER_DAY: '1000',
  SMS_VERIFY_LIMIT_PER_MIN: '1000',
};

describe.each(dbKindsUnderTest())('2Factor failures on %s', (kind) => {
  const testDb = useTestDatabase(kind);
  const sim = useSimulator();

  async function loginSend(app: TestApp, phone = newPhone()) {
    await addUser(app, 'staff', phone);
    return { phone, res: await request(app.app).post('/api/sms/sendOtp').send({ phone }) };
  }

  it('answers 502 provider_error with a friendly message for "Invalid API Key"; the raw text is only in the log row', async () => {
    const app = buildSmsApp(testDb().db, sim());
    sim().setFaults({ mode: 'invalidKey' });
    const { phone, res } = await loginSend(app);
    expect(res.status).toBe(502);
    expect(res.body).toEqual({
      status: 'provider_error',
      message: 'We could not send or check the code right now. Please try again later.',
    });
    expect(res.text).not.toMatch(/Invalid API Key|2Factor/i);
    const rows = await allLogRows(testDb().db);
    expect(rows).toEqual([
      expect.objectContaining({ type: 'autogen', status: 'provider_error', details: 'Invalid API Key', phone }),
    ]);
    expect(rows[0]!.response_time_ms).toEqual(expect.any(Number));

    const { cookie } = await signedIn(app);
    const logs = await request(app.app).get('/api/sms/logs').set('Cookie', cookie).expect(200);
    expect(logs.body.items[0]).toMatchObject({ status: 'provider_error', details: 'Invalid API Key' });
  });

  it('answers 502 provider_error with verified false when 2Factor refuses a verify, and logs it as verify', async () => {
    const app = buildSmsApp(testDb().db, sim());
    const { phone, res } = await loginSend(app);
    sim().setFaults({ mode: 'invalidKey' });
    const verify = await request(app.app)
      .post('/api/sms/verifyOtp')
      .send({ session_id: res.body.session_id, otp: codeSentTo(sim(), phone) })
      .expect(502);
    expect(verify.body).toMatchObject({ status: 'provider_error', verified: false });
    expect((await allLogRows(testDb().db)).map((row) => `${String(row.type)}:${String(row.status)}`)).toEqual([
      'autogen:sent',
      'verify:provider_error',
    ]);
  });

  it.each([
    ['a 500 answer', 'http500', /HTTP 500/],
    ['an HTML answer', 'html', /unreadable answer/],
    ['broken JSON', 'brokenJson', /unreadable answer/],
  ] as const)(
    'answers 503 provider_unavailable for %s, with Retry-After and a log row',
    async (_label, mode, details) => {
      const app = buildSmsApp(testDb().db, sim());
      sim().setFaults({ mode });
      const { res } = await loginSend(app);
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 'provider_unavailable', retry_after_s: 30 });
      expect(res.headers['retry-after']).toBe('30');
      const rows = await allLogRows(testDb().db);
      expect(rows).toEqual([
        expect.objectContaining({
          type: 'autogen',
          status: 'provider_unavailable',
          details: expect.stringMatching(details),
        }),
      ]);
      expect(
        await testDb()
          .db.query('select * from public.otp_sessions')
          .then((r) => r.rows),
      ).toEqual([]);
    },
  );

  it('answers 503 provider_unavailable when 2Factor is slower than PROVIDER_TIMEOUT_MS, and logs the timeout', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: { PROVIDER_TIMEOUT_MS: '100' } });
    sim().setFaults({ latencyMs: 1_000 });
    const startedAt = performance.now();
    const { res } = await loginSend(app);
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('provider_unavailable');
    expect(performance.now() - startedAt).toBeLessThan(900);
    const [row] = await allLogRows(testDb().db);
    expect(row).toMatchObject({ status: 'provider_unavailable', details: 'timeout after 100 ms' });
    expect(row!.response_time_ms).toBeGreaterThanOrEqual(90);
  });

  it('answers 503 provider_unavailable when 2Factor hangs', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: { PROVIDER_TIMEOUT_MS: '100' } });
    sim().setFaults({ mode: 'hang' });
    const { res } = await loginSend(app);
    expect(res.status).toBe(503);
    expect((await allLogRows(testDb().db))[0]).toMatchObject({ details: 'timeout after 100 ms' });
  });

  it('answers 503 provider_unavailable when the connection is refused, and logs it', async () => {
    const port = await closedPort();
    const app = buildTestApp(testDb().db, {
      holdAnswer: async () => undefined,
      clock: createFakeClock(Date.now()),
      env: { TWO_FACTOR_BASE_URL: `http://127.0.0.1:${port}`, TWO_FACTOR_API_KEY: TEST_API_KEY },
    });
    const { res } = await loginSend(app);
    expect(res.status).toBe(503);
    expect(res.body.status).toBe('provider_unavailable');
    expect((await allLogRows(testDb().db))[0]).toMatchObject({
      status: 'provider_unavailable',
      details: 'connection failed (ECONNREFUSED)',
    });
  });

  it('opens the circuit after repeated failures (fail fast, no call, no log row) and closes once 2Factor recovers', async () => {
    const app = buildSmsApp(testDb().db, sim(), {
      breaker: { failuresToOpen: 3, halfOpenAfterMs: 60_000 },
      env: RAISED_LIMITS,
    });
    sim().setFaults({ mode: 'http500' });
    for (let i = 0; i < 3; i++) expect((await loginSend(app)).res.status).toBe(503);
    expect(app.providerGuard.state()).toBe('open');
    expect(sim().stats().totalRequests).toBe(3);

    const fast = await loginSend(app);
    expect(fast.res.status).toBe(503);
    expect(fast.res.body.status).toBe('provider_unavailable');
    expect(sim().stats().totalRequests).toBe(3);
    expect(await allLogRows(testDb().db)).toHaveLength(3);

    sim().setFaults({ mode: 'none' });
    expect((await loginSend(app)).res.status).toBe(503);
    expect(sim().stats().totalRequests).toBe(3);
    // The breaker times its pause on the wall clock: move the wall clock past it instead of waiting.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 60_000 });
    const trial = await loginSend(app);
    expect(trial.res.status).toBe(200);
    expect(app.providerGuard.state()).toBe('closed');
    expect((await loginSend(app)).res.status).toBe(200);
    expect(sim().stats().totalRequests).toBe(5);
    expect(await allLogRows(testDb().db)).toHaveLength(5);
  });

  it('closes an open circuit at once when an admin saves a new API key', async () => {
    const app = buildSmsApp(testDb().db, sim(), {
      breaker: { failuresToOpen: 2, halfOpenAfterMs: 60_000 },
      env: RAISED_LIMITS,
    });
    const admin = await signedIn(app);
    sim().setFaults({ mode: 'http500' });
    for (let i = 0; i < 2; i++) expect((await loginSend(app)).res.status).toBe(503);
    expect(app.providerGuard.state()).toBe('open');
    sim().setFaults({ mode: 'none' });
    await request(app.app)
      .put('/api/sms/config')
      .set('Cookie', admin.cookie)
      .send({ api_key: 'new-key-0a1b2c3d4e5f' })
      .expect(200);
    expect(app.providerGuard.state()).toBe('closed');
    expect((await loginSend(app)).res.status).toBe(200);
    expect(sim().stats().totalRequests).toBe(3);
  });

  it('keeps the circuit closed when 2Factor refuses (a bad key is an answer, not an outage)', async () => {
    const app = buildSmsApp(testDb().db, sim(), {
      breaker: { failuresToOpen: 2, halfOpenAfterMs: 60_000 },
      env: RAISED_LIMITS,
    });
    sim().setFaults({ mode: 'invalidKey' });
    for (let i = 0; i < 4; i++) expect((await loginSend(app)).res.status).toBe(502);
    expect(app.providerGuard.state()).toBe('closed');
    expect(sim().stats().totalRequests).toBe(4);
  });

  it('holds calls under PROVIDER_MAX_RPS: a burst gets some 503 provider_busy with Retry-After, and 2Factor never sees more', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: { ...RAISED_LIMITS, PROVIDER_MAX_RPS: '3' } });
    const admin = await signedIn(app);
    const phones = Array.from({ length: 12 }, () => newPhone());
    const answers = await Promise.all(
      phones.map((phone) =>
        request(app.app).post('/api/sms/sendOtp').set('Cookie', admin.cookie).send({ phone, purpose: 'test' }),
      ),
    );
    const sent = answers.filter((res) => res.status === 200);
    const busy = answers.filter((res) => res.status === 503);
    expect(sent.length + busy.length).toBe(phones.length);
    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(busy.length).toBeGreaterThan(0);
    for (const res of busy) {
      expect(res.body).toMatchObject({ status: 'provider_busy', retry_after_s: expect.any(Number) });
      expect(res.body.retry_after_s).toBeGreaterThanOrEqual(1);
      expect(res.headers['retry-after']).toBe(String(res.body.retry_after_s));
    }
    const stats = sim().stats();
    expect(stats.maxInAnySlidingSecond).toBeLessThanOrEqual(3);
    expect(stats.totalRequests).toBe(sent.length);
    // Held-back calls never reached 2Factor: no log row for them.
    expect(await allLogRows(testDb().db)).toHaveLength(sent.length);
  });
});
