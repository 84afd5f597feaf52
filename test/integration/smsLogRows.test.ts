/**
 * otp_logs: one row per provider call with its type, status, response time and the right user; and no
 * secret anywhere: no OTP code or API key in any column, any answer or the server log, on success or error.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { dbKindsUnderTest } from '../support/testDatabases.js';
import { buildTestApp, createFakeClock, useTestDatabase, type TestApp } from '../support/testApp.js';
import {
  addUser,
  allLogRows,
  allSessionRows,
  buildSmsApp,
  closedPort,
  codeSentTo,
  containsCode,
  newPhone,
  signedIn,
  TEST_API_KEY,
  useSimulator,
  wrongCode,
} from '../support/smsKit.js';

const RAISED_LIMITS = {
  SMS_RATE_LIMIT_PER_MIN: '1000',
  SMS_MAX_SENDS_PER_HOUR: '1000',
  SMS_MAX_SENDS_PER_PHONE_PER_DAY: '1000',
  SMS_VERIFY_LIMIT_PER_MIN: '1000',
};
const SAVED_KEY = 'saved-9a8b7c6d-5e4f-4031-9291-a0b1c2d3e4f5';

describe.each(dbKindsUnderTest())('otp_logs rows and secrets on %s', (kind) => {
  const testDb = useTestDatabase(kind);
  const sim = useSimulator();

  /** Everything an attacker with the database, the logs and the answers could read. */
  async function everythingReadable(app: TestApp, answers: string[]): Promise<string[]> {
    const logRows = JSON.stringify(await allLogRows(testDb().db));
    const sessionRows = JSON.stringify(await allSessionRows(testDb().db));
    const settings = JSON.stringify((await testDb().db.query('select * from public.sms_settings')).rows);
    return [logRows, sessionRows, settings, app.log.text(), ...answers];
  }

  it('writes exactly one row per provider call, typed, timed, owned by the right user and marked with its origin', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: RAISED_LIMITS });
    const admin = await signedIn(app);
    const phone = newPhone();
    const owner = await addUser(app, 'agent', phone);

    const login = await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(200);
    const loginCode = codeSentTo(sim(), phone);
    await request(app.app)
      .post('/api/sms/verifyOtp')
      .send({ session_id: login.body.session_id, otp: wrongCode(loginCode) })
      .expect(400);
    await request(app.app)
      .post('/api/sms/verifyOtp')
      .send({ session_id: login.body.session_id, otp: loginCode })
      .expect(200);

    const testPhone = newPhone();
    const test = await request(app.app)
      .post('/api/sms/sendOtp')
      .set('Cookie', admin.cookie)
      .send({ phone: testPhone, purpose: 'test' })
      .expect(200);
    await request(app.app)
      .post('/api/sms/verifyOtp')
      .send({ session_id: test.body.session_id, otp: codeSentTo(sim(), testPhone) })
      .expect(200);

    const templateTo = newPhone();
    const template = await request(app.app)
      .post('/api/sms/sendTemplate')
      .set('Cookie', admin.cookie)
      .send({ to: templateTo, var1: 'hello' })
      .expect(200);

    // Refused before the provider: no call, no row.
    await request(app.app).post('/api/sms/sendOtp').send({ phone: '12345' }).expect(400);
    await request(app.app)
      .post('/api/sms/verifyOtp')
      .send({ session_id: login.body.session_id, otp: loginCode })
      .expect(404);

    const rows = await allLogRows(testDb().db);
    const stats = sim().stats();
    expect(rows).toHaveLength(stats.totalRequests);
    expect(rows.map((row) => [row.type, row.origin, row.status, row.user_id, row.phone, row.session_id])).toEqual([
      ['autogen', 'login', 'sent', owner.id, phone, login.body.session_id],
      ['verify', 'login', 'otp_mismatch', owner.id, phone, login.body.session_id],
      ['verify', 'login', 'verified', owner.id, phone, login.body.session_id],
      ['autogen', 'test', 'sent', admin.user.id, testPhone, test.body.session_id],
      ['verify', 'test', 'verified', admin.user.id, testPhone, test.body.session_id],
      ['template', 'test', 'sent', admin.user.id, templateTo, template.body.session_id],
    ]);
    for (const row of rows) {
      expect(Number.isInteger(row.response_time_ms) && (row.response_time_ms as number) >= 0).toBe(true);
      expect(row.created_at).toBeInstanceOf(Date);
    }
    // The 2Factor session ids are kept for the admins, too.
    expect(rows[0]!.provider_session_id).toBe(sim().outbox({ phone })[0]!.providerSessionId);
    expect(rows[5]!.provider_session_id).toBe(template.body.session_id);
  });

  it("logs template-mode sends as template and the server's own checks as verify", async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: { ...RAISED_LIMITS, SMS_MODE: 'template' } });
    const phone = newPhone();
    const owner = await addUser(app, 'staff', phone);
    const sent = await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(200);
    await request(app.app)
      .post('/api/sms/verifyOtp')
      .send({ session_id: sent.body.session_id, otp: codeSentTo(sim(), phone) })
      .expect(200);
    const rows = await allLogRows(testDb().db);
    expect(rows.map((row) => [row.type, row.status, row.user_id, row.session_id])).toEqual([
      ['template', 'sent', owner.id, sent.body.session_id],
      ['verify', 'verified', owner.id, sent.body.session_id],
    ]);
    expect(sim().stats().byKind).toMatchObject({ tsms: 1, verify: 0 });
  });

  it('keeps every OTP code and the API key out of the database rows, the answers and the server log', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: RAISED_LIMITS });
    const admin = await signedIn(app);
    const answers: string[] = [];
    const codes: string[] = [];
    const keep = (res: request.Response) => {
      answers.push(res.text, JSON.stringify(res.headers));
      return res;
    };

    for (const mode of ['autogen', 'template'] as const) {
      await request(app.app).put('/api/sms/config').set('Cookie', admin.cookie).send({ mode }).expect(200);
      const phone = newPhone();
      await addUser(app, 'staff', phone);
      const login = keep(await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(200));
      const code = codeSentTo(sim(), phone);
      codes.push(code);
      keep(
        await request(app.app)
          .post('/api/sms/verifyOtp')
          .send({ session_id: login.body.session_id, otp: wrongCode(code) }),
      );
      keep(
        await request(app.app)
          .post('/api/sms/verifyOtp')
          .send({ session_id: login.body.session_id, otp: code })
          .expect(200),
      );
      keep(
        await request(app.app)
          .post('/api/sms/verifyOtp')
          .send({ session_id: login.body.session_id, otp: code })
          .expect(404),
      );

      const testPhone = newPhone();
      const test = keep(
        await request(app.app)
          .post('/api/sms/sendOtp')
          .set('Cookie', admin.cookie)
          .send({ phone: testPhone, purpose: 'test' })
          .expect(200),
      );
      const testCode = codeSentTo(sim(), testPhone);
      codes.push(testCode);
      keep(
        await request(app.app)
          .post('/api/sms/verifyOtp')
          .send({ session_id: test.body.session_id, otp: testCode })
          .expect(200),
      );
    }
    keep(await request(app.app).get('/api/sms/logs').set('Cookie', admin.cookie).expect(200));
    keep(await request(app.app).get('/api/sms/config').set('Cookie', admin.cookie).expect(200));

    for (const text of await everythingReadable(app, answers)) {
      expect(text).not.toContain(TEST_API_KEY);
      for (const code of codes) expect(containsCode(text, code), `code ${code} leaked`).toBe(false);
    }
  });

  it('keeps the codes and keys out on every error path too', async () => {
    const app = buildSmsApp(testDb().db, sim(), {
      env: { ...RAISED_LIMITS, PROVIDER_TIMEOUT_MS: '150' },
      breaker: { failuresToOpen: 100, halfOpenAfterMs: 60_000 },
    });
    const admin = await signedIn(app);
    const answers: string[] = [];
    const codes: string[] = [];
    const keep = (res: request.Response) => {
      answers.push(res.text, JSON.stringify(res.headers));
      return res;
    };
    // An admin saves a new key: from then on it is the secret to protect as well.
    keep(
      await request(app.app)
        .put('/api/sms/config')
        .set('Cookie', admin.cookie)
        .send({ api_key: SAVED_KEY })
        .expect(200),
    );

    for (const mode of ['autogen', 'template'] as const) {
      await request(app.app).put('/api/sms/config').set('Cookie', admin.cookie).send({ mode }).expect(200);
      const phone = newPhone();
      await addUser(app, 'staff', phone);
      const sent = keep(await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(200));
      const code = codeSentTo(sim(), phone);
      codes.push(code);
      for (const fault of ['invalidKey', 'http500', 'html', 'brokenJson', 'hang'] as const) {
        sim().setFaults({ mode: fault });
        keep(await request(app.app).post('/api/sms/verifyOtp').send({ session_id: sent.body.session_id, otp: code }));
        keep(
          await request(app.app)
            .post('/api/sms/sendOtp')
            .set('Cookie', admin.cookie)
            .send({ phone: newPhone(), purpose: 'test' }),
        );
        keep(
          await request(app.app)
            .post('/api/sms/sendTemplate')
            .set('Cookie', admin.cookie)
            .send({ to: newPhone(), var1: code }),
        );
        keep(await request(app.app).post('/api/sms/config/test').set('Cookie', admin.cookie).send({}));
      }
      sim().setFaults({ mode: 'none', latencyMs: 500 });
      keep(await request(app.app).post('/api/sms/verifyOtp').send({ session_id: sent.body.session_id, otp: code }));
      sim().setFaults({ latencyMs: 0 });
    }
    expect(answers.join('\n')).toMatch(/provider_unavailable/);
    expect(answers.join('\n')).toMatch(/provider_error/);

    // And with 2Factor unreachable.
    const port = await closedPort();
    const offline = buildTestApp(testDb().db, {
      env: { TWO_FACTOR_BASE_URL: `http://127.0.0.1:${port}`, TWO_FACTOR_API_KEY: TEST_API_KEY, ...RAISED_LIMITS },
    });
    const offlineAdmin = await signedIn(offline);
    keep(
      await request(offline.app)
        .post('/api/sms/sendOtp')
        .set('Cookie', offlineAdmin.cookie)
        .send({ phone: newPhone(), purpose: 'test' })
        .expect(503),
    );

    for (const text of [...(await everythingReadable(app, answers)), offline.log.text()]) {
      expect(text).not.toContain(TEST_API_KEY);
      expect(text).not.toContain(SAVED_KEY);
      for (const code of codes) {
        // var1 of the template SMS above is the code on purpose: it must reach 2Factor, and no log of ours.
        expect(containsCode(text, code), `code ${code} leaked`).toBe(false);
      }
    }
  });

  it('writes no row for calls held back before the provider (limits, open circuit, ceiling)', async () => {
    const app = buildTestApp(testDb().db, {
      holdAnswer: async () => undefined,
      clock: createFakeClock(Date.now()),
      env: { TWO_FACTOR_BASE_URL: sim().url, TWO_FACTOR_API_KEY: TEST_API_KEY, SMS_RATE_LIMIT_PER_MIN: '2' },
      breaker: { failuresToOpen: 1, halfOpenAfterMs: 60_000 },
    });
    const phone = newPhone();
    await addUser(app, 'staff', phone);
    sim().setFaults({ mode: 'http500' });
    await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(503);
    sim().setFaults({ mode: 'none' });
    const other = newPhone();
    await addUser(app, 'staff', other);
    await request(app.app).post('/api/sms/sendOtp').send({ phone: other }).expect(503); // circuit open
    await request(app.app).post('/api/sms/sendOtp').send({ phone: other }).expect(429); // per-IP limit
    expect((await allLogRows(testDb().db)).map((row) => row.status)).toEqual(['provider_unavailable']);
    expect(sim().stats().totalRequests).toBe(1);
  });
});
