/**
 * Login by phone: send a login code, verify it, get the session cookie of the phone's owner. Unregistered
 * numbers get the same answer in about the same time but nothing is sent and nothing can verify.
 */
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { ROLE_HOME, ROLES } from '../../common/roles.js';
import { dbKindsUnderTest } from '../support/testDatabases.js';
import { useTestDatabase } from '../support/testApp.js';
import {
  addUser,
  allLogRows,
  buildSmsApp,
  codeSentTo,
  newPhone,
  sessionCookieOf,
  signedIn,
  useSimulator,
  wrongCode,
} from '../support/smsKit.js';

describe.each(dbKindsUnderTest())('login by phone on %s', (kind) => {
  const testDb = useTestDatabase(kind);
  const sim = useSimulator();

  it.each(ROLES)(
    'logs in a %s: the code from the SMS sets the session cookie and answers redirect and user',
    async (role) => {
      const app = buildSmsApp(testDb().db, sim());
      const phone = newPhone();
      const user = await addUser(app, role, phone);

      const sent = await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(200);
      const res = await request(app.app)
        .post('/api/sms/verifyOtp')
        .send({ session_id: sent.body.session_id, otp: codeSentTo(sim(), phone) })
        .expect(200);
      expect(res.body).toEqual({
        verified: true,
        status: 'verified',
        message: 'Code verified. You are logged in.',
        response_time_ms: expect.any(Number),
        redirect: ROLE_HOME[role],
        user: { id: user.id, email: user.email, role },
      });
      const cookie = sessionCookieOf(res);
      expect(cookie).toMatch(/^sid=[A-Za-z0-9_-]{43}$/);
      expect(String(res.headers['set-cookie'])).toMatch(/HttpOnly/i);

      const me = await request(app.app).get('/api/auth/me').set('Cookie', cookie!).expect(200);
      expect(me.body.user).toEqual({ id: user.id, email: user.email, role });
      const { rows } = await testDb().db.query<{ phone_verified_at: Date | null }>(
        'select phone_verified_at from public.user_contact_settings where user_id = $1',
        [user.id],
      );
      expect(rows[0]?.phone_verified_at).not.toBeNull();
    },
  );

  it('answers an unregistered number like a registered one, after as long as the real send took, with no SMS and no log row', async () => {
    const holdAnswer = vi.fn(async (_elapsedMs: number) => undefined);
    const app = buildSmsApp(testDb().db, sim(), { holdAnswer });
    const registered = newPhone();
    await addUser(app, 'agent', registered);
    const real = await request(app.app).post('/api/sms/sendOtp').send({ phone: registered }).expect(200);
    const requestsBefore = sim().stats().totalRequests;
    const logRowsBefore = (await allLogRows(testDb().db)).length;

    const stranger = newPhone();
    const decoy = await request(app.app).post('/api/sms/sendOtp').send({ phone: stranger }).expect(200);
    expect(Object.keys(decoy.body).sort()).toEqual(Object.keys(real.body).sort());
    expect(decoy.body).toMatchObject({
      status: 'sent',
      expires_in_s: real.body.expires_in_s,
      resend_after_s: real.body.resend_after_s,
    });
    expect(decoy.body.message).toBe(`We sent a code to +91******${stranger.slice(-4)}.`);
    // It was held as long as the real send took past the point where the paths part (the real one includes the
    // 2Factor call, so at least that), and reports the same provider time.
    expect(holdAnswer).toHaveBeenCalledTimes(1);
    expect(holdAnswer.mock.calls[0]![0]).toBeGreaterThanOrEqual(real.body.response_time_ms - 1);
    expect(decoy.body.response_time_ms).toBe(real.body.response_time_ms);

    expect(sim().stats().totalRequests).toBe(requestsBefore);
    expect(sim().outbox({ phone: stranger })).toEqual([]);
    expect(await allLogRows(testDb().db)).toHaveLength(logRowsBefore);
  });

  it('never verifies the session of an unregistered number: otp_mismatch with attempts_left, then too_many_attempts', async () => {
    const holdAnswer = vi.fn(async (_elapsedMs: number) => undefined);
    const app = buildSmsApp(testDb().db, sim(), { holdAnswer, env: { SMS_MAX_VERIFY_ATTEMPTS: '3' } });
    const decoy = await request(app.app).post('/api/sms/sendOtp').send({ phone: newPhone() }).expect(200);
    for (const [left, otp] of [
      [2, '123456'],
      [1, '000000'],
      [0, '999999'],
    ] as const) {
      const res = await request(app.app)
        .post('/api/sms/verifyOtp')
        .send({ session_id: decoy.body.session_id, otp })
        .expect(400);
      expect(res.body).toMatchObject({ status: 'otp_mismatch', verified: false, attempts_left: left });
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    await request(app.app)
      .post('/api/sms/verifyOtp')
      .send({ session_id: decoy.body.session_id, otp: '123456' })
      .expect(429);
    // Each check was held like a 2Factor verify (250 ms, the estimate before any real one), without calling it.
    expect(holdAnswer).toHaveBeenCalledTimes(1 + 3);
    for (const [elapsedMs] of holdAnswer.mock.calls.slice(1)) expect(elapsedMs).toBe(250);
    expect(sim().stats().totalRequests).toBe(0);
    expect(await allLogRows(testDb().db)).toEqual([]);
  });

  it("never logs anyone in from a test session, even with the right code for a user's phone", async () => {
    const app = buildSmsApp(testDb().db, sim());
    const admin = await signedIn(app, 'admin');
    const phone = newPhone();
    await addUser(app, 'staff', phone);
    const sent = await request(app.app)
      .post('/api/sms/sendOtp')
      .set('Cookie', admin.cookie)
      .send({ phone, purpose: 'test' })
      .expect(200);
    const res = await request(app.app)
      .post('/api/sms/verifyOtp')
      .send({ session_id: sent.body.session_id, otp: codeSentTo(sim(), phone) })
      .expect(200);
    expect(res.body).toEqual({
      verified: true,
      status: 'verified',
      message: 'Code verified.',
      response_time_ms: expect.any(Number),
    });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('logs in only the owner of the phone the session was sent to, whatever the client adds', async () => {
    const app = buildSmsApp(testDb().db, sim());
    const [phoneA, phoneB] = [newPhone(), newPhone()];
    const userA = await addUser(app, 'agent', phoneA);
    const userB = await addUser(app, 'super_admin', phoneB);
    const sentA = await request(app.app).post('/api/sms/sendOtp').send({ phone: phoneA }).expect(200);
    await request(app.app).post('/api/sms/sendOtp').send({ phone: phoneB }).expect(200);
    const [codeA, codeB] = [codeSentTo(sim(), phoneA), codeSentTo(sim(), phoneB)];

    if (codeA !== codeB) {
      const res = await request(app.app)
        .post('/api/sms/verifyOtp')
        .send({ session_id: sentA.body.session_id, otp: codeB })
        .expect(400);
      expect(res.body.status).toBe('otp_mismatch');
    }
    const res = await request(app.app)
      .post('/api/sms/verifyOtp')
      .send({ session_id: sentA.body.session_id, otp: codeA, user_id: userB.id, phone: phoneB, purpose: 'login' })
      .expect(200);
    expect(res.body.user).toEqual({ id: userA.id, email: userA.email, role: 'agent' });
    expect(res.body.redirect).toBe(ROLE_HOME.agent);
    const me = await request(app.app).get('/api/auth/me').set('Cookie', sessionCookieOf(res)!).expect(200);
    expect(me.body.user.id).toBe(userA.id);
  });

  it("does not log in when the number stopped being the user's between send and verify", async () => {
    const app = buildSmsApp(testDb().db, sim());
    const phone = newPhone();
    const user = await addUser(app, 'staff', phone);
    const sent = await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(200);
    await testDb().db.query('update public.user_contact_settings set phone = $2 where user_id = $1', [
      user.id,
      newPhone(),
    ]);

    const res = await request(app.app)
      .post('/api/sms/verifyOtp')
      .send({ session_id: sent.body.session_id, otp: codeSentTo(sim(), phone) })
      .expect(404);
    expect(res.body).toMatchObject({ status: 'session_not_found', verified: false });
    expect(res.headers['set-cookie']).toBeUndefined();
    const { rows } = await testDb().db.query<{ phone_verified_at: Date | null }>(
      'select phone_verified_at from public.user_contact_settings where user_id = $1',
      [user.id],
    );
    expect(rows[0]?.phone_verified_at).toBeNull();
  });

  it('does not log in with a wrong code, and an expired code logs nobody in', async () => {
    const app = buildSmsApp(testDb().db, sim());
    const phone = newPhone();
    await addUser(app, 'staff', phone);
    const sent = await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(200);
    const code = codeSentTo(sim(), phone);
    const wrong = await request(app.app)
      .post('/api/sms/verifyOtp')
      .send({ session_id: sent.body.session_id, otp: wrongCode(code) })
      .expect(400);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    app.clock.advance(300_000);
    const late = await request(app.app)
      .post('/api/sms/verifyOtp')
      .send({ session_id: sent.body.session_id, otp: code })
      .expect(410);
    expect(late.headers['set-cookie']).toBeUndefined();
  });
});
