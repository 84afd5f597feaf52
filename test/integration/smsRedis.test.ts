/**
 * Limits in Redis, shared by several app instances over one database (TEST_REDIS_URL; required under
 * CI=true), and failing closed when Redis is unreachable. Each test's keys live under a unique prefix
 * (ioredis keyPrefix) and are deleted afterwards; nothing else in Redis is touched.
 */
import type { Redis } from 'ioredis';
import pino from 'pino';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { redisLimiterStores } from '../../server/http/limiterStores.js';
import { createRedis } from '../../server/redis.js';
import { redisCeiling } from '../../server/providers/providerCeiling.js';
import { dbKindsUnderTest } from '../support/testDatabases.js';
import { useTestDatabase, type TestApp } from '../support/testApp.js';
import { deleteRedisKeys, redisTestUrl, testRedisClient, uniqueRedisPrefix } from '../support/testRedis.js';
import {
  addUser,
  allLogRows,
  allSessionRows,
  buildSmsApp,
  closedPort,
  codeSentTo,
  newPhone,
  sessionCookieOf,
  signedIn,
  useSimulator,
} from '../support/smsKit.js';

const redisUrl = redisTestUrl();

describe.each(dbKindsUnderTest())('limits in Redis on %s', (kind) => {
  const testDb = useTestDatabase(kind);
  const sim = useSimulator();
  const clients: Redis[] = [];
  let prefix = '';

  afterEach(async () => {
    vi.restoreAllMocks();
    if (redisUrl && prefix) {
      const admin = testRedisClient(redisUrl);
      await deleteRedisKeys(admin, `${prefix}*`);
      await admin.quit();
    }
    await Promise.all(clients.splice(0).map((client) => client.quit().catch(() => client.disconnect())));
  });

  /** A client of its own for one app instance, with this test's key prefix. */
  function instanceClient(url: string): Redis {
    const client = testRedisClient(url, { keyPrefix: prefix });
    clients.push(client);
    return client;
  }

  /** Two app instances over the same database, their limits (and optionally the provider ceiling) in Redis. */
  function twoInstances(env: Record<string, string> = {}, providerMaxRps?: number): [TestApp, TestApp] {
    prefix = uniqueRedisPrefix('sms');
    const instance = () => {
      const client = instanceClient(redisUrl!);
      return buildSmsApp(testDb().db, sim(), {
        env,
        limiterStores: redisLimiterStores(client),
        ...(providerMaxRps ? { providerCeiling: redisCeiling(client, providerMaxRps, 10_000) } : {}),
      });
    };
    return [instance(), instance()];
  }

  describe.runIf(redisUrl)('shared by two instances (TEST_REDIS_URL)', () => {
    it('shares the per-phone resend cooldown: a code sent by one instance holds the other back', async () => {
      const [a, b] = twoInstances();
      const phone = newPhone();
      await addUser(a, 'staff', phone);
      await request(a.app).post('/api/sms/sendOtp').send({ phone }).expect(200);
      const refused = await request(b.app).post('/api/sms/sendOtp').send({ phone }).expect(429);
      expect(refused.body).toMatchObject({ status: 'rate_limited', retry_after_s: expect.any(Number) });
      expect(refused.body.retry_after_s).toBeGreaterThan(25);
      expect(refused.body.retry_after_s).toBeLessThanOrEqual(30);
      expect(refused.headers['retry-after']).toBe(String(refused.body.retry_after_s));
      expect(refused.headers['ratelimit']).toContain('"sms-send-phone-cooldown"; r=0');
      expect(sim().outbox({ phone })).toHaveLength(1);
    });

    it('shares the per-IP send and verify limits', async () => {
      const [a, b] = twoInstances({ SMS_RATE_LIMIT_PER_MIN: '3', SMS_VERIFY_LIMIT_PER_MIN: '2' });
      await request(a.app).post('/api/sms/sendOtp').send({ phone: newPhone() }).expect(200);
      await request(b.app).post('/api/sms/sendOtp').send({ phone: newPhone() }).expect(200);
      const sent = await request(a.app).post('/api/sms/sendOtp').send({ phone: newPhone() }).expect(200);
      await request(b.app).post('/api/sms/sendOtp').send({ phone: newPhone() }).expect(429);
      await request(a.app).post('/api/sms/sendOtp').send({ phone: newPhone() }).expect(429);

      const verify = (app: TestApp) =>
        request(app.app).post('/api/sms/verifyOtp').send({ session_id: sent.body.session_id, otp: '123456' });
      expect((await verify(a)).status).toBe(400);
      expect((await verify(b)).status).toBe(400);
      expect((await verify(a)).body).toMatchObject({ status: 'rate_limited', verified: false });
    });

    it('gives the shared cooldown back on every instance when 2Factor refused a send, and keeps it after a 5xx', async () => {
      const [a, b] = twoInstances();
      const refused = newPhone();
      const failed = newPhone();
      await addUser(a, 'staff', refused);
      await addUser(a, 'staff', failed);
      sim().setFaults({ mode: 'invalidKey' });
      await request(a.app).post('/api/sms/sendOtp').send({ phone: refused }).expect(502);
      sim().setFaults({ mode: 'http500' });
      await request(a.app).post('/api/sms/sendOtp').send({ phone: failed }).expect(503);
      sim().setFaults({ mode: 'none' });
      // The booking is given back before the answer, so the other instance sees it at once.
      await request(b.app).post('/api/sms/sendOtp').send({ phone: refused }).expect(200);
      await request(b.app).post('/api/sms/sendOtp').send({ phone: failed }).expect(429);
      expect(sim().outbox({ phone: refused })).toHaveLength(1);
    });

    it('verifies on one instance a session created on the other, and logs the owner in there', async () => {
      const [a, b] = twoInstances();
      const phone = newPhone();
      const owner = await addUser(a, 'agent', phone);
      const sent = await request(a.app).post('/api/sms/sendOtp').send({ phone }).expect(200);
      const res = await request(b.app)
        .post('/api/sms/verifyOtp')
        .send({ session_id: sent.body.session_id, otp: codeSentTo(sim(), phone) })
        .expect(200);
      expect(res.body.user.id).toBe(owner.id);
      const me = await request(a.app).get('/api/auth/me').set('Cookie', sessionCookieOf(res)!).expect(200);
      expect(me.body.user.id).toBe(owner.id);
      // Single use holds across instances.
      await request(a.app)
        .post('/api/sms/verifyOtp')
        .send({ session_id: sent.body.session_id, otp: codeSentTo(sim(), phone) })
        .expect(404);
    });

    it('holds one provider request-rate ceiling across instances', async () => {
      const [a, b] = twoInstances({ SMS_RATE_LIMIT_PER_MIN: '1000', SMS_MAX_SENDS_PER_HOUR: '1000' }, 2);
      const admins = await Promise.all([signedIn(a), signedIn(b)]);
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => {
          const app = i % 2 === 0 ? a : b;
          return request(app.app)
            .post('/api/sms/sendOtp')
            .set('Cookie', admins[i % 2]!.cookie)
            .send({ phone: newPhone(), purpose: 'test' });
        }),
      );
      const busy = answers.filter((res) => res.body.status === 'provider_busy');
      expect(busy.length).toBeGreaterThan(0);
      expect(answers.filter((res) => res.status === 200).length + busy.length).toBe(8);
      expect(sim().stats().maxInAnySlidingSecond).toBeLessThanOrEqual(2);
    });
  });

  it('refuses sends with 503 rate_limiter_unavailable when Redis is unreachable, and 2Factor gets no request', async () => {
    // express-rate-limit reports the failed script loads on the console; they are the point of this test.
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const port = await closedPort();
    const client = createRedis(`redis://127.0.0.1:${port}`, pino({ level: 'silent' }), 300);
    clients.push(client);
    const app = buildSmsApp(testDb().db, sim(), { limiterStores: redisLimiterStores(client) });
    const phone = newPhone();
    await addUser(app, 'staff', phone);
    const admin = await signedIn(app);

    const send = await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(503);
    expect(send.body.status).toBe('rate_limiter_unavailable');
    expect(send.headers['retry-after']).toBe('5');
    await request(app.app)
      .post('/api/sms/sendOtp')
      .set('Cookie', admin.cookie)
      .send({ phone: newPhone(), purpose: 'test' })
      .expect(503);
    await request(app.app)
      .post('/api/sms/sendTemplate')
      .set('Cookie', admin.cookie)
      .send({ to: newPhone() })
      .expect(503);
    const verify = await request(app.app)
      .post('/api/sms/verifyOtp')
      .send({ session_id: '6f1c3a55-0b0e-4e8e-9d5c-2b7f3c1d9e01', otp: '123456' })
      .expect(503);
    expect(verify.body).toMatchObject({ status: 'rate_limiter_unavailable', verified: false });

    expect(sim().stats().totalRequests).toBe(0);
    expect(await allSessionRows(testDb().db)).toEqual([]);
    expect(await allLogRows(testDb().db)).toEqual([]);
  });
});
