/**
 * POST /api/sms/sendOtp and /api/sms/verifyOtp end to end: migrated database, the 2Factor simulator over
 * real HTTP, every success shape and every failure status of the table, in autogen and template mode.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { PHONE_FORMAT_HINT } from '../../common/phone.js';
import { dbKindsUnderTest } from '../support/testDatabases.js';
import { useTestDatabase } from '../support/testApp.js';
import {
  addUser,
  allSessionRows,
  buildSmsApp,
  codeSentTo,
  containsCode,
  newPhone,
  signedIn,
  useSimulator,
  wrongCode,
} from '../support/smsKit.js';

describe.each(dbKindsUnderTest())('SMS send and verify on %s', (kind) => {
  const testDb = useTestDatabase(kind);
  const sim = useSimulator();

  /** An app, a signed-in admin, and a phone owned by a staff user. */
  async function setup(env: Record<string, string> = {}) {
    const app = buildSmsApp(testDb().db, sim(), { env });
    const admin = await signedIn(app, 'admin');
    const phone = newPhone();
    const owner = await addUser(app, 'staff', phone);
    return { app, admin, phone, owner };
  }

  describe('POST /api/sms/sendOtp', () => {
    it('answers 200 with session_id, status sent, message, response_time_ms, expires_in_s and resend_after_s', async () => {
      const { app, phone } = await setup();
      const res = await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(200);
      expect(Object.keys(res.body).sort()).toEqual([
        'expires_in_s',
        'message',
        'resend_after_s',
        'response_time_ms',
        'session_id',
        'status',
      ]);
      expect(res.body).toMatchObject({ status: 'sent', expires_in_s: 300, resend_after_s: 30 });
      expect(res.body.session_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(Number.isInteger(res.body.response_time_ms) && res.body.response_time_ms >= 0).toBe(true);
      expect(res.body.message).toContain(`+91******${phone.slice(-4)}`);
      expect(res.body.message).not.toContain(phone);
      expect(sim().outbox()).toEqual([expect.objectContaining({ kind: 'otp', phone, templateName: 'SMSTemplate1' })]);
    });

    it('reports the configured lifetime and cooldown', async () => {
      const { app, phone } = await setup({ SMS_OTP_TTL_S: '120', SMS_RESEND_COOLDOWN_S: '45' });
      const res = await request(app.app).post('/api/sms/sendOtp').send({ phone, purpose: 'login' }).expect(200);
      expect(res.body).toMatchObject({ expires_in_s: 120, resend_after_s: 45 });
    });

    it('accepts the phone with surrounding whitespace and stores it in E.164', async () => {
      const { app, phone } = await setup();
      await request(app.app)
        .post('/api/sms/sendOtp')
        .send({ phone: `  ${phone}\t` })
        .expect(200);
      const [row] = await allSessionRows(testDb().db);
      expect(row).toMatchObject({ phone, purpose: 'login' });
    });

    it.each([
      ['10 digits without +91', '9876543210'],
      ['+91 with 9 digits', '+91987654321'],
      ['+91 with 11 digits', '+9198765432100'],
      ['+91 starting with 5', '+915876543210'],
      ['a US number', '+12025550123'],
      ['letters', '+91abcdefghij'],
      ['Devanagari digits', '+९१९८७६५४३२१०'],
      ['an empty string', ''],
      ['a number, not a string', 919876543210],
      ['null', null],
    ])('answers 400 invalid_phone with the expected format for %s, and calls no provider', async (_label, phone) => {
      const { app } = await setup();
      const res = await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(400);
      expect(res.body).toMatchObject({ status: 'invalid_phone', message: PHONE_FORMAT_HINT });
      expect(sim().stats().totalRequests).toBe(0);
      expect(await allSessionRows(testDb().db)).toHaveLength(0);
    });

    it('answers 400 invalid_phone without a phone, and invalid_request for an unknown purpose', async () => {
      const { app, phone } = await setup();
      expect((await request(app.app).post('/api/sms/sendOtp').send({}).expect(400)).body.status).toBe('invalid_phone');
      expect(
        (await request(app.app).post('/api/sms/sendOtp').send({ phone, purpose: 'admin' }).expect(400)).body.status,
      ).toBe('invalid_request');
      expect(sim().stats().totalRequests).toBe(0);
    });

    it('needs an admin for purpose test: 401 logged out, 403 for staff and agent, and no provider call', async () => {
      const { app, phone } = await setup();
      const body = { phone, purpose: 'test' };
      expect((await request(app.app).post('/api/sms/sendOtp').send(body).expect(401)).body.status).toBe('unauthorized');
      for (const role of ['staff', 'agent'] as const) {
        const { cookie } = await signedIn(app, role);
        expect(
          (await request(app.app).post('/api/sms/sendOtp').set('Cookie', cookie).send(body).expect(403)).body.status,
        ).toBe('forbidden');
      }
      expect(sim().stats().totalRequests).toBe(0);
    });

    it('sends test codes for admin and super_admin, to any valid number', async () => {
      const { app, admin } = await setup();
      const superAdmin = await signedIn(app, 'super_admin');
      for (const { cookie } of [admin, superAdmin]) {
        const phone = newPhone();
        const res = await request(app.app)
          .post('/api/sms/sendOtp')
          .set('Cookie', cookie)
          .send({ phone, purpose: 'test' })
          .expect(200);
        expect(res.body.status).toBe('sent');
        expect(res.body.sandbox_code).toBeUndefined();
        codeSentTo(sim(), phone);
      }
    });
  });

  describe('POST /api/sms/verifyOtp', () => {
    async function sentTestCode(env: Record<string, string> = {}) {
      const ctx = await setup(env);
      const res = await request(ctx.app.app)
        .post('/api/sms/sendOtp')
        .set('Cookie', ctx.admin.cookie)
        .send({ phone: ctx.phone, purpose: 'test' })
        .expect(200);
      return { ...ctx, sessionId: res.body.session_id as string, code: codeSentTo(sim(), ctx.phone) };
    }
    const verify = (ctx: { app: { app: Parameters<typeof request>[0] } }, body: unknown) =>
      request(ctx.app.app)
        .post('/api/sms/verifyOtp')
        .send(body as object);

    it('answers 200 verified for the texted code', async () => {
      const ctx = await sentTestCode();
      const res = await verify(ctx, { session_id: ctx.sessionId, otp: ctx.code }).expect(200);
      expect(res.body).toEqual({
        verified: true,
        status: 'verified',
        message: 'Code verified.',
        response_time_ms: expect.any(Number),
      });
      expect(res.headers['set-cookie']).toBeUndefined();
    });

    it('answers 400 otp_mismatch with attempts_left, counting down', async () => {
      const ctx = await sentTestCode();
      for (const left of [4, 3, 2]) {
        const res = await verify(ctx, { session_id: ctx.sessionId, otp: wrongCode(ctx.code) }).expect(400);
        expect(res.body).toMatchObject({ status: 'otp_mismatch', verified: false, attempts_left: left });
        expect(res.body.message).toContain(`${left} attempts left`);
      }
      await verify(ctx, { session_id: ctx.sessionId, otp: ctx.code }).expect(200);
    });

    it('answers 429 too_many_attempts after SMS_MAX_VERIFY_ATTEMPTS wrong codes, even for the right code', async () => {
      const ctx = await sentTestCode({ SMS_MAX_VERIFY_ATTEMPTS: '3' });
      const lefts = [];
      for (let i = 0; i < 3; i++)
        lefts.push(
          (await verify(ctx, { session_id: ctx.sessionId, otp: wrongCode(ctx.code) }).expect(400)).body.attempts_left,
        );
      expect(lefts).toEqual([2, 1, 0]);
      const verifiesBefore = sim().stats().byKind.verify;
      const res = await verify(ctx, { session_id: ctx.sessionId, otp: ctx.code }).expect(429);
      expect(res.body).toMatchObject({ status: 'too_many_attempts', verified: false, attempts_left: 0 });
      expect(sim().stats().byKind.verify).toBe(verifiesBefore);
    });

    it('answers 410 otp_expired when 2Factor says "OTP Expired" (with Status Success), and the session ends', async () => {
      const ctx = await sentTestCode();
      sim().setFaults({ mode: 'expired' });
      const res = await verify(ctx, { session_id: ctx.sessionId, otp: ctx.code }).expect(410);
      expect(res.body).toMatchObject({ status: 'otp_expired', verified: false });
      sim().setFaults({ mode: 'none' });
      await verify(ctx, { session_id: ctx.sessionId, otp: ctx.code }).expect(410);
      expect(sim().stats().byKind.verify).toBe(1);
    });

    it('answers 410 otp_expired once SMS_OTP_TTL_S has passed on our clock, without asking 2Factor', async () => {
      const ctx = await sentTestCode({ SMS_OTP_TTL_S: '60' });
      ctx.app.clock.advance(59_000);
      await verify(ctx, { session_id: ctx.sessionId, otp: wrongCode(ctx.code) }).expect(400);
      ctx.app.clock.advance(1_000);
      const res = await verify(ctx, { session_id: ctx.sessionId, otp: ctx.code }).expect(410);
      expect(res.body).toMatchObject({ status: 'otp_expired', verified: false });
      expect(sim().stats().byKind.verify).toBe(1);
    });

    it('still accepts an earlier code after a newer one was sent to the same phone (the newest few stay live)', async () => {
      const ctx = await sentTestCode();
      ctx.app.clock.advance(31_000);
      const second = await request(ctx.app.app)
        .post('/api/sms/sendOtp')
        .set('Cookie', ctx.admin.cookie)
        .send({ phone: ctx.phone, purpose: 'test' })
        .expect(200);
      const secondCode = codeSentTo(sim(), ctx.phone);
      await verify(ctx, { session_id: ctx.sessionId, otp: ctx.code }).expect(200);
      await verify(ctx, { session_id: second.body.session_id, otp: secondCode }).expect(200);
    });

    it('answers 404 session_not_found for an unknown session and for one already used', async () => {
      const ctx = await sentTestCode();
      const unknown = await verify(ctx, { session_id: '6f1c3a55-0b0e-4e8e-9d5c-2b7f3c1d9e01', otp: '123456' }).expect(
        404,
      );
      expect(unknown.body).toMatchObject({ status: 'session_not_found', verified: false });
      await verify(ctx, { session_id: ctx.sessionId, otp: ctx.code }).expect(200);
      const used = await verify(ctx, { session_id: ctx.sessionId, otp: ctx.code }).expect(404);
      expect(used.body).toMatchObject({ status: 'session_not_found', verified: false });
      expect(used.body.message).toMatch(/already used/);
    });

    it.each([
      ['letters', 'abcdef'],
      ['3 digits', '123'],
      ['7 digits', '1234567'],
      ['a number, not a string', 123456],
      ['null', null],
      ['missing', undefined],
      ['unicode digits', '١٢٣٤٥٦'],
    ])('answers 400 invalid_otp with verified false for a code that is %s', async (_label, otp) => {
      const ctx = await sentTestCode();
      const res = await verify(ctx, { session_id: ctx.sessionId, otp }).expect(400);
      expect(res.body).toMatchObject({ status: 'invalid_otp', verified: false });
      expect(sim().stats().byKind.verify).toBe(0);
    });

    it('answers 400 invalid_request with verified false for a malformed session id or an empty body', async () => {
      const ctx = await sentTestCode();
      for (const body of [{ session_id: 'not-a-uuid', otp: '123456' }, {}, []]) {
        const res = await verify(ctx, body).expect(400);
        expect(res.body).toMatchObject({ verified: false });
        expect(['invalid_request', 'invalid_otp']).toContain(res.body.status);
      }
    });

    it('answers 503 provider_unavailable with verified false when 2Factor fails, and does not use up an attempt', async () => {
      const ctx = await sentTestCode();
      sim().setFaults({ mode: 'http500' });
      for (let i = 0; i < 3; i++) {
        const res = await verify(ctx, { session_id: ctx.sessionId, otp: ctx.code }).expect(503);
        expect(res.body).toMatchObject({ status: 'provider_unavailable', verified: false });
      }
      sim().setFaults({ mode: 'none' });
      const res = await verify(ctx, { session_id: ctx.sessionId, otp: wrongCode(ctx.code) }).expect(400);
      expect(res.body.attempts_left).toBe(4);
    });

    it('answers 429 rate_limited with verified false past the per-IP verify limit', async () => {
      const ctx = await sentTestCode({ SMS_VERIFY_LIMIT_PER_MIN: '2' });
      await verify(ctx, { session_id: ctx.sessionId, otp: wrongCode(ctx.code) }).expect(400);
      await verify(ctx, { session_id: ctx.sessionId, otp: wrongCode(ctx.code) }).expect(400);
      const res = await verify(ctx, { session_id: ctx.sessionId, otp: ctx.code }).expect(429);
      expect(res.body).toMatchObject({ status: 'rate_limited', verified: false, retry_after_s: expect.any(Number) });
    });
  });

  describe('template mode (SMS_MODE=template)', () => {
    const env = { SMS_MODE: 'template', SMS_SENDER_ID: 'ACMEIN', SMS_TEMPLATE: 'Login OTP v2' };

    it('texts a server-made code with TSMS (From, TemplateName, VAR1) and verifies it', async () => {
      const { app, phone } = await setup(env);
      const sent = await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(200);
      expect(sim().stats().byKind).toMatchObject({ tsms: 1, autogen: 0 });
      const [message] = sim().outbox();
      expect(message).toMatchObject({ kind: 'template', phone, from: 'ACMEIN', templateName: 'Login OTP v2' });
      expect(message!.variables).toEqual([expect.stringMatching(/^\d{6}$/)]);
      const code = message!.variables![0]!;

      await request(app.app)
        .post('/api/sms/verifyOtp')
        .send({ session_id: sent.body.session_id, otp: wrongCode(code) })
        .expect(400);
      const res = await request(app.app)
        .post('/api/sms/verifyOtp')
        .send({ session_id: sent.body.session_id, otp: code })
        .expect(200);
      expect(res.body).toMatchObject({ verified: true, status: 'verified' });
      expect(sim().stats().byKind.verify).toBe(0);
    });

    it('stores only an HMAC of the code in otp_sessions, never the code', async () => {
      const { app, phone } = await setup(env);
      const sent = await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(200);
      const code = codeSentTo(sim(), phone);
      const rows = await allSessionRows(testDb().db);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        id: sent.body.session_id,
        mode: 'template',
        code_hmac: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(containsCode(JSON.stringify(rows), code)).toBe(false);
    });

    it('verifies a code the way it was sent, even after an admin switched the mode in between', async () => {
      const { app, admin, phone } = await setup();
      const autogen = await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(200);
      const autogenCode = codeSentTo(sim(), phone);
      await request(app.app).put('/api/sms/config').set('Cookie', admin.cookie).send({ mode: 'template' }).expect(200);
      const otherPhone = newPhone();
      await addUser(app, 'agent', otherPhone);
      const template = await request(app.app).post('/api/sms/sendOtp').send({ phone: otherPhone }).expect(200);
      const templateCode = codeSentTo(sim(), otherPhone);
      await request(app.app).put('/api/sms/config').set('Cookie', admin.cookie).send({ mode: 'autogen' }).expect(200);

      await request(app.app)
        .post('/api/sms/verifyOtp')
        .send({ session_id: autogen.body.session_id, otp: autogenCode })
        .expect(200);
      await request(app.app)
        .post('/api/sms/verifyOtp')
        .send({ session_id: template.body.session_id, otp: templateCode })
        .expect(200);
      expect(sim().stats().byKind).toMatchObject({ autogen: 1, tsms: 1, verify: 1 });
    });

    it('applies the same rules: wrong-code cap, expiry and single use', async () => {
      const { app, phone } = await setup({ ...env, SMS_MAX_VERIFY_ATTEMPTS: '2' });
      const sent = await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(200);
      const code = codeSentTo(sim(), phone);
      const session_id = sent.body.session_id as string;
      await request(app.app)
        .post('/api/sms/verifyOtp')
        .send({ session_id, otp: wrongCode(code) })
        .expect(400);
      await request(app.app)
        .post('/api/sms/verifyOtp')
        .send({ session_id, otp: wrongCode(code) })
        .expect(400);
      await request(app.app).post('/api/sms/verifyOtp').send({ session_id, otp: code }).expect(429);

      app.clock.advance(31_000);
      const again = await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(200);
      app.clock.advance(300_000);
      await request(app.app)
        .post('/api/sms/verifyOtp')
        .send({ session_id: again.body.session_id, otp: codeSentTo(sim(), phone) })
        .expect(410);
    });
  });
});
