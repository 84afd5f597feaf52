/**
 * Test numbers (SMS_TEST_NUMBERS): a fixed code, nothing sent to 2Factor, none of the send limits, no otp_logs
 * row (the server log marks them instead), and a normal session otherwise: login works, wrong codes count.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { dbKindsUnderTest } from '../support/testDatabases.js';
import { useTestDatabase } from '../support/testApp.js';
import {
  addUser,
  allLogRows,
  buildSmsApp,
  closedPort,
  newPhone,
  sessionCookieOf,
  signedIn,
  useSimulator,
} from '../support/smsKit.js';

const TEST_PHONE = '+919999900001';
const TEST_CODE = '246810';
const OTHER_TEST_PHONE = '+919999900002';
const ENV = {
  SMS_TEST_NUMBERS: `${TEST_PHONE}:${TEST_CODE},${OTHER_TEST_PHONE}:135790`,
  SMS_MAX_SENDS_PER_PHONE_PER_DAY: '2',
  SMS_DAILY_BUDGET: '1',
};

describe.each(dbKindsUnderTest())('test numbers on %s', (kind) => {
  const testDb = useTestDatabase(kind);
  const sim = useSimulator();

  it("logs the number's owner in with the fixed code, sends nothing to 2Factor and writes no otp_logs row", async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: ENV });
    const owner = await addUser(app, 'agent', TEST_PHONE);

    const sent = await request(app.app).post('/api/sms/sendOtp').send({ phone: TEST_PHONE }).expect(200);
    expect(sent.body).toMatchObject({ status: 'sent', message: 'We sent a code to +91******0001.', resend_after_s: 0 });
    expect(sent.body).not.toHaveProperty('sandbox_code');
    const verified = await request(app.app)
      .post('/api/sms/verifyOtp')
      .send({ session_id: sent.body.session_id, otp: TEST_CODE })
      .expect(200);
    expect(verified.body).toMatchObject({ verified: true, user: { id: owner.id } });
    const cookie = sessionCookieOf(verified);
    const me = await request(app.app).get('/api/auth/me').set('Cookie', cookie!).expect(200);
    expect(me.body.user.id).toBe(owner.id);

    expect(sim().stats().totalRequests).toBe(0);
    expect(await allLogRows(testDb().db)).toEqual([]);
    const marked = app.log.lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.testNumber === true);
    expect(marked.map((line) => line.msg)).toEqual([
      'test number: no SMS sent; its fixed code applies',
      'test number: code checked against its fixed code',
    ]);
    expect(app.log.text()).not.toContain(TEST_CODE);
    expect(app.log.text()).not.toContain(TEST_PHONE);
  });

  it('books none of the limits: no resend wait, no daily cap, no budget, while other numbers keep theirs', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: { ...ENV, SMS_RATE_LIMIT_PER_MIN: '100' } });
    await addUser(app, 'agent', TEST_PHONE);
    for (let send = 0; send < 5; send++) {
      await request(app.app).post('/api/sms/sendOtp').send({ phone: TEST_PHONE }).expect(200);
    }
    expect(
      (
        await request(app.app)
          .get('/api/sms/usage')
          .set('Cookie', (await signedIn(app)).cookie)
          .expect(200)
      ).body.sent_today,
    ).toBe(0);

    // The budget of 1 SMS is still whole for a real number, which then spends it.
    const real = newPhone();
    await addUser(app, 'agent', real);
    await request(app.app).post('/api/sms/sendOtp').send({ phone: real }).expect(200);
    const refused = await request(app.app).post('/api/sms/sendOtp').send({ phone: newPhone() }).expect(503);
    expect(refused.body.status).toBe('sms_budget_exhausted');
    expect(sim().stats().byKind.autogen).toBe(1);
  });

  it('counts wrong codes like any session: otp_mismatch with attempts left, then too_many_attempts', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: { ...ENV, SMS_MAX_VERIFY_ATTEMPTS: '2' } });
    await addUser(app, 'agent', TEST_PHONE);
    const sent = await request(app.app).post('/api/sms/sendOtp').send({ phone: TEST_PHONE }).expect(200);
    const first = await request(app.app)
      .post('/api/sms/verifyOtp')
      .send({ session_id: sent.body.session_id, otp: '135790' })
      .expect(400);
    expect(first.body).toMatchObject({ status: 'otp_mismatch', attempts_left: 1 });
    await request(app.app)
      .post('/api/sms/verifyOtp')
      .send({ session_id: sent.body.session_id, otp: '000000' })
      .expect(400);
    const last = await request(app.app)
      .post('/api/sms/verifyOtp')
      .send({ session_id: sent.body.session_id, otp: TEST_CODE })
      .expect(429);
    expect(last.body.status).toBe('too_many_attempts');
  });

  it("verifies an admin's test send and a template SMS to a test number without 2Factor, even when 2Factor is unreachable", async () => {
    const app = buildSmsApp(testDb().db, sim(), {
      env: { ...ENV, TWO_FACTOR_BASE_URL: `http://127.0.0.1:${await closedPort()}` },
    });
    const { cookie } = await signedIn(app);
    const sent = await request(app.app)
      .post('/api/sms/sendOtp')
      .set('Cookie', cookie)
      .send({ phone: OTHER_TEST_PHONE, purpose: 'test' })
      .expect(200);
    await request(app.app)
      .post('/api/sms/verifyOtp')
      .send({ session_id: sent.body.session_id, otp: '135790' })
      .expect(200);

    const template = await request(app.app)
      .post('/api/sms/sendTemplate')
      .set('Cookie', cookie)
      .send({ to: TEST_PHONE, var1: 'hello' })
      .expect(200);
    expect(template.body.message).toBe(
      '+91******0001 is a test number (SMS_TEST_NUMBERS): nothing was sent to 2Factor.',
    );
    expect(await allLogRows(testDb().db)).toEqual([]);
  });

  it('shows admins the active test numbers, masked and without their codes', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: ENV });
    const { cookie } = await signedIn(app);
    const res = await request(app.app).get('/api/sms/test-numbers').set('Cookie', cookie).expect(200);
    expect(res.body).toEqual({ numbers: ['+91******0001', '+91******0002'], production: false });
    expect(JSON.stringify(res.body)).not.toContain(TEST_CODE);

    const staff = await signedIn(app, 'staff');
    await request(app.app).get('/api/sms/test-numbers').set('Cookie', staff.cookie).expect(403);
    await request(app.app).get('/api/sms/test-numbers').expect(401);
  });

  it('lists none when SMS_TEST_NUMBERS is unset, and sends such a number through 2Factor like any other', async () => {
    const app = buildSmsApp(testDb().db, sim());
    const { cookie } = await signedIn(app);
    expect((await request(app.app).get('/api/sms/test-numbers').set('Cookie', cookie).expect(200)).body).toEqual({
      numbers: [],
      production: false,
    });
    await addUser(app, 'agent', TEST_PHONE);
    await request(app.app).post('/api/sms/sendOtp').send({ phone: TEST_PHONE }).expect(200);
    expect(sim().outbox({ phone: TEST_PHONE })).toHaveLength(1);
  });
});
