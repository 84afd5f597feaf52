/**
 * Every producer of an error with a wait (limiter store down, stopping, database down, express-rate-limit, the
 * login throttle) answers through the error handler with the Retry-After header and retry_after_s together.
 */
import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createLoginThrottle } from '../../server/auth/loginThrottle.js';
import { createErrorHandler } from '../../server/http/errorHandler.js';
import { limiterUnavailableError, memoryLimiterStores } from '../../server/http/limiterStores.js';
import { createLimiter } from '../../server/http/rateLimit.js';
import { shuttingDownError } from '../../server/lifecycle.js';
import { createFakeClock } from '../support/testApp.js';

/** An app whose one route fails with `error`. */
function failingWith(error: unknown) {
  const app = express();
  app.get('/fail', () => {
    throw error;
  });
  app.use(createErrorHandler(pino({ level: 'silent' })));
  return { app };
}

/** The wait an answer announces, as the header and as the body field. */
const waitOf = (res: request.Response) => ({ header: res.headers['retry-after'], body: res.body.retry_after_s });

describe('waits: Retry-After and retry_after_s from every producer', () => {
  it.each([
    ['rate_limiter_unavailable (limits cannot be checked)', () => limiterUnavailableError(), 5],
    ['shutting_down (the server is stopping)', () => shuttingDownError(), 2],
    [
      'database_unavailable (the database is out of reach)',
      () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      5,
    ],
  ])('answers %s with both the header and the body field', async (_case, error, seconds) => {
    const { app } = failingWith(error());
    expect(waitOf(await request(app).get('/fail').expect(503))).toEqual({ header: String(seconds), body: seconds });
  });

  it('keeps the other headers of an error beside Retry-After (shutting_down closes the connection)', async () => {
    const { app } = failingWith(shuttingDownError());
    const res = await request(app).get('/fail').expect(503);
    expect(res.headers.connection).toBe('close');
  });

  it('answers an express-rate-limit refusal with the same wait in the header and the body', async () => {
    const app = express();
    const stores = memoryLimiterStores(createFakeClock().now);
    app.get(
      '/limited',
      createLimiter({
        name: 'wait-test',
        windowMs: 90_000,
        limit: 1,
        key: () => 'client',
        message: 'Slow down.',
        stores,
      }),
      (_req, res) => {
        res.json({ ok: true });
      },
    );
    app.use(createErrorHandler(pino({ level: 'silent' })));
    await request(app).get('/limited').expect(200);
    const refused = await request(app).get('/limited').expect(429);
    expect(refused.body.status).toBe('rate_limited');
    expect(waitOf(refused)).toEqual({ header: '90', body: 90 });
  });

  it('answers the login throttle with the same wait in the header and the body, beside its RateLimit header', async () => {
    const clock = createFakeClock();
    const throttle = createLoginThrottle(memoryLimiterStores(clock.now).failureCounters('login-account'), clock.now);
    for (let i = 0; i < 6; i += 1) await throttle.failed('someone');
    const refusal = await throttle.check('someone').then(
      () => undefined,
      (error: unknown) => error,
    );
    const { app } = failingWith(refusal);
    const res = await request(app).get('/fail').expect(429);
    expect(waitOf(res)).toEqual({ header: '2', body: 2 });
    expect(res.headers.ratelimit).toBe('"login-account"; r=0; t=2');
  });
});
