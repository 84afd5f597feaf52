/**
 * The abuse limits in front of the SMS routes, through the whole app with the fake clock: per IP, per phone
 * (resend cooldown and hourly cap), per signed-in user, verify per IP, and TRUST_PROXY. A refused request
 * never reaches 2Factor.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { dbKindsUnderTest } from '../support/testDatabases.js';
import { useTestDatabase, type TestApp } from '../support/testApp.js';
import { addUser, buildSmsApp, newPhone, signedIn, useSimulator } from '../support/smsKit.js';

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

  it('caps one phone at SMS_MAX_SENDS_PER_HOUR, then sends again once the hour is over', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: { SMS_MAX_SENDS_PER_HOUR: '3', SMS_RATE_LIMIT_PER_MIN: '100' } });
    const phone = await ownedPhone(app);
    for (let i = 0; i < 3; i++) {
      await send(app, phone).expect(200);
      app.clock.advance(31_000);
    }
    const refused = await send(app, phone).expect(429);
    expect(refused.body.retry_after_s).toBe(3600 - 93);
    expect(sim().stats().byKind.autogen).toBe(3);
    app.clock.advance((3600 - 93) * 1000);
    await send(app, phone).expect(200);
  });

  it('does not burn the cooldown when the provider fails', async () => {
    const app = buildSmsApp(testDb().db, sim());
    const phone = await ownedPhone(app);
    sim().setFaults({ mode: 'http500' });
    await send(app, phone).expect(503);
    sim().setFaults({ mode: 'invalidKey' });
    await send(app, phone).expect(502);
    sim().setFaults({ mode: 'none' });
    await send(app, phone).expect(200);
    await send(app, phone).expect(429);
  });

  it('caps a signed-in admin\'s test sends at SMS_MAX_SENDS_PER_HOUR across phones', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: { SMS_MAX_SENDS_PER_HOUR: '2', SMS_RATE_LIMIT_PER_MIN: '100' } });
    const admin = await signedIn(app);
    const other = await signedIn(app, 'super_admin');
    const test = (cookie: string) => request(app.app).post('/api/sms/sendOtp').set('Cookie', cookie).send({ phone: newPhone(), purpose: 'test' });
    await test(admin.cookie).expect(200);
    await test(admin.cookie).expect(200);
    const refused = await test(admin.cookie).expect(429);
    expect(refused.headers['ratelimit']).toContain('"sms-send-user-hour"; r=0');
    await test(other.cookie).expect(200);
    expect(sim().stats().byKind.autogen).toBe(3);
  });

  it('limits verifyOtp per IP at SMS_VERIFY_LIMIT_PER_MIN, with headers and verified false', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: { SMS_VERIFY_LIMIT_PER_MIN: '3' } });
    const sent = await send(app, await ownedPhone(app)).expect(200);
    const verify = () => request(app.app).post('/api/sms/verifyOtp').send({ session_id: sent.body.session_id, otp: '000000' });
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
    const from = (ip: string) => request(app.app).post('/api/sms/sendOtp').set('X-Forwarded-For', ip).send({ phone: newPhone() });
    await from('203.0.113.7').expect(200);
    await from('203.0.113.7').expect(200);
    await from('203.0.113.7').expect(429);
    await from('198.51.100.23').expect(200);
    await from('2001:db8:1::1').expect(200);
  });

  it('without TRUST_PROXY, ignores X-Forwarded-For: every client behind the socket address shares one budget', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: { SMS_RATE_LIMIT_PER_MIN: '2' } });
    const from = (ip: string) => request(app.app).post('/api/sms/sendOtp').set('X-Forwarded-For', ip).send({ phone: newPhone() });
    await from('203.0.113.7').expect(200);
    await from('198.51.100.23').expect(200);
    await from('192.0.2.99').expect(429);
  });
});
