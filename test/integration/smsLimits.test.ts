/**
 * The abuse limits of the SMS routes, through the whole app with the fake clock: per IP, per phone (growing
 * resend cooldown and daily cap), per signed-in user, the daily budget, verify per IP, and TRUST_PROXY. A refused
 * request never reaches 2Factor.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { dbKindsUnderTest } from '../support/testDatabases.js';
import { useTestDatabase, type TestApp } from '../support/testApp.js';
import { addUser, buildSmsApp, codeSentTo, newPhone, signedIn, useSimulator } from '../support/smsKit.js';

describe.each(dbKindsUnderTest())('SMS limits on %s', (kind) => {
  const testDb = useTestDatabase(kind);
  const sim = useSimulator();

  async function ownedPhone(app: TestApp) {
    const phone = newPhone();
    await addUser(app, 'staff', phone);
    return phone;
  }
  const send = (app: TestApp, phone: string) => request(app.app).post('/api/sms/sendOtp').send({ phone });

  it('answers 429 rate_limited past SMS_RATE_LIMIT_PER_MIN per IP, with Retry-After and IETF RateLimit headers, and no provider call', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: { SMS_RATE_LIMIT_PER_MIN: '3' } });
    for (let i = 0; i < 3; i++) {
      const ok = await send(app, await ownedPhone(app)).expect(200);
      expect(ok.headers['ratelimit-policy']).toContain('"sms-send-ip"; q=3; w=60');
      expect(ok.headers['ratelimit']).toContain(`"sms-send-ip"; r=${2 - i}; t=`);
    }
    app.clock.advance(15_000);
    const refused = await send(app, await ownedPhone(app)).expect(429);
    expect(refused.body).toEqual({ status: 'rate_limited', message: expect.any(String), retry_after_s: 45 });
    expect(refused.headers['retry-after']).toBe('45');
    expect(refused.headers['ratelimit']).toMatch(/"sms-send-ip"; r=0; t=45/);
    expect(refused.headers['ratelimit-policy']).toMatch(/"sms-send-ip"; q=3; w=60; pk=:[A-Za-z0-9+/=]+:/);
    expect(sim().stats().totalRequests).toBe(3);

    app.clock.advance(45_000);
    await send(app, await ownedPhone(app)).expect(200);
  });

  it('holds the per-phone resend cooldown: 429 until SMS_RESEND_COOLDOWN_S has passed, then it sends again', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: { SMS_RESEND_COOLDOWN_S: '30' } });
    const phone = await ownedPhone(app);
    await send(app, phone).expect(200);
    app.clock.advance(10_000);
    const refused = await send(app, phone).expect(429);
    expect(refused.body).toMatchObject({ status: 'rate_limited', retry_after_s: 20 });
    expect(refused.headers['retry-after']).toBe('20');
    expect(refused.headers['ratelimit']).toContain('"sms-send-phone-cooldown"; r=0; t=20');
    expect(sim().stats().byKind.autogen).toBe(1);
    // Other phones are not held up.
    await send(app, await ownedPhone(app)).expect(200);
    app.clock.advance(20_000);
    await send(app, phone).expect(200);
    expect(sim().outbox({ phone })).toHaveLength(2);
  });

  it('holds the same cooldown for a number nobody owns, so limits reveal nothing either', async () => {
    const app = buildSmsApp(testDb().db, sim());
    const stranger = newPhone();
    await send(app, stranger).expect(200);
    const refused = await send(app, stranger).expect(429);
    expect(refused.body.retry_after_s).toBe(30);
  });

  it('grows the cooldown with each unverified send (30 s, 1 min, 2 min…) and caps a phone at SMS_MAX_SENDS_PER_PHONE_PER_DAY until midnight IST', async () => {
    const app = buildSmsApp(testDb().db, sim(), {
      env: { SMS_MAX_SENDS_PER_PHONE_PER_DAY: '4', SMS_RATE_LIMIT_PER_MIN: '100' },
    });
    const phone = await ownedPhone(app);
    const waits: number[] = [];
    const announced: number[] = [];
    for (let i = 0; i < 4; i++) {
      announced.push((await send(app, phone).expect(200)).body.resend_after_s);
      const refused = await send(app, phone).expect(429);
      expect(refused.headers['ratelimit']).toContain('"sms-send-phone-cooldown"; r=0');
      waits.push(refused.body.retry_after_s);
      app.clock.advance(refused.body.retry_after_s * 1000);
    }
    expect(waits).toEqual([30, 60, 120, 240]);
    // Each send's answer told the client its own wait.
    expect(announced).toEqual(waits);
    const capped = await send(app, phone).expect(429);
    expect(capped.body.message).toMatch(/today/);
    expect(capped.headers['ratelimit']).toContain('"sms-send-phone-day"; r=0');
    const msToMidnightIst =
      (Math.floor((app.clock.now() + 19_800_000) / 86_400_000) + 1) * 86_400_000 - 19_800_000 - app.clock.now();
    expect(capped.body.retry_after_s).toBe(Math.ceil(msToMidnightIst / 1000));
    expect(sim().outbox({ phone })).toHaveLength(4);
    app.clock.advance(msToMidnightIst);
    await send(app, phone).expect(200);
  });

  it('gives the cooldown back when 2Factor refused the send (nothing went out), and keeps it after a 5xx (it may have)', async () => {
    const app = buildSmsApp(testDb().db, sim());
    const phone = await ownedPhone(app);
    sim().setFaults({ mode: 'invalidKey' });
    await send(app, phone).expect(502);
    sim().setFaults({ mode: 'http500' });
    await send(app, phone).expect(503);
    sim().setFaults({ mode: 'none' });
    expect((await send(app, phone).expect(429)).body.retry_after_s).toBe(30);
  });

  it('never makes the owner wait more than 10 minutes, however many codes a stranger asks for (up to the daily cap)', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: { SMS_RATE_LIMIT_PER_MIN: '100', SMS_OTP_TTL_S: '3600' } });
    const phone = await ownedPhone(app);
    const owners = await send(app, phone).expect(200);
    const ownersCode = codeSentTo(sim(), phone);
    let longestWaitS = 0;
    for (let i = 0; i < 8; i++) {
      const refused = await send(app, phone).expect(429);
      longestWaitS = Math.max(longestWaitS, refused.body.retry_after_s);
      app.clock.advance(refused.body.retry_after_s * 1000);
      await send(app, phone).expect(200); // a stranger's send
    }
    expect(longestWaitS).toBe(600);
    expect(sim().outbox({ phone })).toHaveLength(9);
    // Sends 2 to 9 were not the owner's; the owner's code (send 1) is past the newest few now.
    const ended = await request(app.app)
      .post('/api/sms/verifyOtp')
      .send({ session_id: owners.body.session_id, otp: ownersCode });
    expect(ended.body.status).toBe('otp_expired');
  });

  it("keeps the owner's code valid through a stranger's sends within its lifetime", async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: { SMS_RATE_LIMIT_PER_MIN: '100' } });
    const phone = await ownedPhone(app);
    const owners = await send(app, phone).expect(200);
    const ownersCode = codeSentTo(sim(), phone);
    // As many as fit in the code's 5 minutes: after 30 s, 1 min 30 s and 3 min 30 s.
    for (const waitS of [30, 60, 120]) {
      app.clock.advance(waitS * 1000);
      await send(app, phone).expect(200);
    }
    app.clock.advance(60_000);
    expect((await send(app, phone).expect(429)).body.retry_after_s).toBe(180);
    const verified = await request(app.app)
      .post('/api/sms/verifyOtp')
      .send({ session_id: owners.body.session_id, otp: ownersCode })
      .expect(200);
    expect(verified.body.verified).toBe(true);
  });

  it("caps a signed-in admin's test and template sends together at SMS_MAX_SENDS_PER_HOUR across phones", async () => {
    const app = buildSmsApp(testDb().db, sim(), {
      env: { SMS_MAX_SENDS_PER_HOUR: '2', SMS_RATE_LIMIT_PER_MIN: '100' },
    });
    const admin = await signedIn(app);
    const other = await signedIn(app, 'super_admin');
    const test = (cookie: string) =>
      request(app.app).post('/api/sms/sendOtp').set('Cookie', cookie).send({ phone: newPhone(), purpose: 'test' });
    const template = (cookie: string) =>
      request(app.app).post('/api/sms/sendTemplate').set('Cookie', cookie).send({ to: newPhone(), var1: 'hello' });
    await test(admin.cookie).expect(200);
    await template(admin.cookie).expect(200);
    const refused = await test(admin.cookie).expect(429);
    expect(refused.headers['ratelimit']).toContain('"sms-send-user-hour"; r=0');
    await template(admin.cookie).expect(429);
    await test(other.cookie).expect(200);
    expect(sim().stats().totalRequests).toBe(3);
  });

  it('answers 503 sms_budget_exhausted past SMS_DAILY_BUDGET for every number alike, and admins see the count', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: { SMS_DAILY_BUDGET: '2', SMS_RATE_LIMIT_PER_MIN: '100' } });
    await send(app, await ownedPhone(app)).expect(200);
    await send(app, newPhone()).expect(200); // a number nobody owns: nothing is sent, nothing is spent
    await send(app, await ownedPhone(app)).expect(200);
    const registered = await send(app, await ownedPhone(app)).expect(503);
    const stranger = await send(app, newPhone()).expect(503);
    for (const refused of [registered, stranger]) {
      expect(refused.body).toEqual({
        status: 'sms_budget_exhausted',
        message: expect.any(String),
        retry_after_s: expect.any(Number),
      });
      expect(refused.headers['retry-after']).toBe(String(refused.body.retry_after_s));
    }
    expect(Object.keys(registered.headers).sort()).toEqual(Object.keys(stranger.headers).sort());
    expect(sim().stats().byKind.autogen).toBe(2);

    const admin = await signedIn(app);
    const usage = await request(app.app).get('/api/sms/usage').set('Cookie', admin.cookie).expect(200);
    expect(usage.body).toEqual({
      sent_today: 2,
      daily_budget: 2,
      resets_at: expect.stringMatching(/T18:30:00\.000Z$/),
    });
    const staff = await signedIn(app, 'staff');
    await request(app.app).get('/api/sms/usage').set('Cookie', staff.cookie).expect(403);
  });

  it('limits verifyOtp per IP at SMS_VERIFY_LIMIT_PER_MIN, with headers and verified false', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: { SMS_VERIFY_LIMIT_PER_MIN: '3' } });
    const sent = await send(app, await ownedPhone(app)).expect(200);
    const verify = () =>
      request(app.app).post('/api/sms/verifyOtp').send({ session_id: sent.body.session_id, otp: '000000' });
    for (let i = 0; i < 3; i++) expect((await verify()).status).not.toBe(429);
    const verifiesSoFar = sim().stats().byKind.verify;
    const refused = await verify().expect(429);
    expect(refused.body).toMatchObject({ status: 'rate_limited', verified: false, retry_after_s: 60 });
    expect(refused.headers['retry-after']).toBe('60');
    expect(refused.headers['ratelimit-policy']).toContain('"sms-verify-ip"; q=3; w=60');
    expect(sim().stats().byKind.verify).toBe(verifiesSoFar);
    app.clock.advance(60_000);
    expect((await verify()).status).not.toBe(429);
  });

  it('with TRUST_PROXY=true, gives each X-Forwarded-For client its own per-IP budget', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: { TRUST_PROXY: 'true', SMS_RATE_LIMIT_PER_MIN: '2' } });
    const from = (ip: string) =>
      request(app.app).post('/api/sms/sendOtp').set('X-Forwarded-For', ip).send({ phone: newPhone() });
    await from('203.0.113.7').expect(200);
    await from('203.0.113.7').expect(200);
    await from('203.0.113.7').expect(429);
    await from('198.51.100.23').expect(200);
    await from('2001:db8:1::1').expect(200);
  });

  it('without TRUST_PROXY, ignores X-Forwarded-For: every client behind the socket address shares one budget', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: { SMS_RATE_LIMIT_PER_MIN: '2' } });
    const from = (ip: string) =>
      request(app.app).post('/api/sms/sendOtp').set('X-Forwarded-For', ip).send({ phone: newPhone() });
    await from('203.0.113.7').expect(200);
    await from('198.51.100.23').expect(200);
    await from('192.0.2.99').expect(429);
  });
});
