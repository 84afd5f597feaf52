/**
 * The per-IP SMS limits on their own: a bare Express app with the real limiters over the in-memory store on an
 * injected clock, and a handler that answers as the test says (success or provider failure). The per-phone and
 * per-user limits are send bookings, tested in sendBookings.test.ts and through the app in smsLimits.test.ts.
 */
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { PublicUser } from '../../common/api/auth.js';
import { createErrorHandler } from '../http/errorHandler.js';
import { memoryLimiterStores } from '../http/limiterStores.js';
import { createSmsLimits } from './smsRateLimits.js';

const SETTINGS = { sendsPerIpPerMinute: 100, verifiesPerIpPerMinute: 4 };

function limitedApp(settings: Partial<typeof SETTINGS> = {}) {
  let nowMs = Date.now();
  const clock = { now: () => nowMs, advance: (ms: number) => void (nowMs += ms) };
  const limits = createSmsLimits({ ...SETTINGS, ...settings }, memoryLimiterStores(clock.now));
  const reached: string[] = [];
  const state = { answer: 200 };
  const app = express();
  app.use(express.json());
  app.use((req, _res, next) => {
    const userId = req.get('x-test-user');
    if (userId) req.user = { id: userId, email: `${userId}@example.com`, role: 'admin' } satisfies PublicUser;
    next();
  });
  const handler: express.RequestHandler = (req, res) => {
    reached.push(String((req.body as { phone?: string; to?: string }).phone ?? (req.body as { to?: string }).to));
    res.status(state.answer).json({ status: state.answer === 200 ? 'sent' : 'provider_unavailable' });
  };
  app.post('/sendOtp', ...limits.sendOtp, handler);
  app.post('/verifyOtp', ...limits.verifyOtp, handler);
  app.post('/sendTemplate', ...limits.sendTemplate, handler);
  app.use(createErrorHandler(pino({ level: 'silent' })));
  return { app, clock, reached, state };
}

const phone = (n: number) => `+9198765432${String(n).padStart(2, '0')}`;

describe('SMS limits', () => {
  it('refuses sendOtp past SMS_RATE_LIMIT_PER_MIN per IP with 429, retry_after_s, Retry-After and IETF headers', async () => {
    const { app, reached, clock } = limitedApp({ sendsPerIpPerMinute: 3 });
    for (let n = 0; n < 3; n++) {
      const ok = await request(app)
        .post('/sendOtp')
        .send({ phone: phone(n) })
        .expect(200);
      expect(ok.headers['ratelimit-policy']).toContain('"sms-send-ip"; q=3; w=60');
    }
    clock.advance(20_000);
    const refused = await request(app)
      .post('/sendOtp')
      .send({ phone: phone(9) })
      .expect(429);
    expect(refused.body).toMatchObject({ status: 'rate_limited', retry_after_s: 40 });
    expect(refused.body.message).toMatch(/network/);
    expect(Number(refused.headers['retry-after'])).toBe(40);
    expect(refused.headers['ratelimit']).toMatch(/"sms-send-ip"; r=0; t=40/);
    expect(reached).toHaveLength(3);
    clock.advance(40_000);
    await request(app)
      .post('/sendOtp')
      .send({ phone: phone(9) })
      .expect(200);
  });

  it('counts every send per IP, failed or not: failing gives nothing back', async () => {
    const { app, reached, state } = limitedApp({ sendsPerIpPerMinute: 3 });
    state.answer = 503;
    for (let n = 0; n < 3; n++)
      await request(app)
        .post('/sendOtp')
        .send({ phone: phone(n) })
        .expect(503);
    state.answer = 200;
    await request(app)
      .post('/sendOtp')
      .send({ phone: phone(9) })
      .expect(429);
    await request(app)
      .post('/sendTemplate')
      .send({ to: phone(9) })
      .expect(200);
    expect(reached).toHaveLength(4);
  });

  it('limits verifyOtp per IP at SMS_VERIFY_LIMIT_PER_MIN, successes and failures alike', async () => {
    const { app, state, clock } = limitedApp({ verifiesPerIpPerMinute: 4 });
    state.answer = 400;
    for (let i = 0; i < 4; i++) await request(app).post('/verifyOtp').send({}).expect(400);
    const refused = await request(app).post('/verifyOtp').send({}).expect(429);
    expect(refused.body.status).toBe('rate_limited');
    expect(refused.headers['ratelimit-policy']).toContain('"sms-verify-ip"; q=4; w=60');
    clock.advance(60_000);
    state.answer = 200;
    await request(app).post('/verifyOtp').send({}).expect(200);
  });
});
