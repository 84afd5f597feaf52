import express from 'express';
import pino from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { AppError } from './appError.js';
import { createErrorHandler } from './errorHandler.js';

/** An app whose one route fails with `error`, and the lines its error handler logged. */
function failingWith(error: unknown) {
  const lines: Array<{ level: number; msg: string } & Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const app = express();
  app.get('/fail', () => {
    throw error;
  });
  app.use(createErrorHandler(logger));
  return { app, lines };
}

describe('error handler', () => {
  it('logs an unexpected failure at error level and answers 500 internal_error without its details', async () => {
    const { app, lines } = failingWith(new Error('secret detail'));
    const res = await request(app).get('/fail').expect(500);
    expect(res.body).toEqual({
      status: 'internal_error',
      message: 'Something went wrong on our side. Please try again.',
    });
    expect(lines.map((line) => [line.level, line.msg])).toEqual([[50, 'request failed']]);
  });

  it.each(['provider_not_configured', 'provider_unavailable', 'rate_limiter_unavailable'] as const)(
    'logs an expected %s refusal as a warning without a stack',
    async (code) => {
      const { app, lines } = failingWith(new AppError(code, 'not now', { retryAfterS: 30 }));
      const res = await request(app).get('/fail').expect(503);
      expect(res.body).toMatchObject({ status: code });
      expect(lines).toEqual([
        expect.objectContaining({ level: 40, msg: 'request refused', status: code, method: 'GET', path: '/fail' }),
      ]);
      expect(JSON.stringify(lines)).not.toMatch(/"stack"|"err"/);
    },
  );

  it('logs an unreachable database as a warning naming the cause, without a stack', async () => {
    const unreachable = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const { app, lines } = failingWith(unreachable);
    const res = await request(app).get('/fail').expect(503);
    expect(res.body.status).toBe('database_unavailable');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'request refused',
        status: 'database_unavailable',
        cause: 'connect ECONNREFUSED 127.0.0.1:5432',
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('"stack"');
  });

  it('logs a refusal by 2Factor (502) at error level: someone must fix the key or the template', async () => {
    const { app, lines } = failingWith(new AppError('provider_error', 'refused'));
    await request(app).get('/fail').expect(502);
    expect(lines.map((line) => [line.level, line.msg])).toEqual([[50, 'request failed']]);
  });

  it.each(['provider_busy', 'shutting_down'] as const)(
    'answers a deliberate %s refusal with its headers and no error line',
    async (code) => {
      const { app, lines } = failingWith(new AppError(code, 'busy', { retryAfterS: 1 }));
      const res = await request(app).get('/fail').expect(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body).toMatchObject({ status: code, retry_after_s: 1 });
      expect(lines).toEqual([]);
    },
  );
});

describe('database outages', () => {
  it.each([
    [
      '55000, a database closed to connections',
      { code: '55000', message: 'database "otp_app" is not currently accepting connections' },
    ],
    ['57P03, a server starting up', { code: '57P03', message: 'the database system is starting up' }],
    ['53300, too many connections', { code: '53300', message: 'sorry, too many clients already' }],
    ['ECONNREFUSED', { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }],
    ['a connection killed mid-query', { message: 'Connection terminated unexpectedly' }],
  ])('answers 503 database_unavailable with Retry-After, never 500, for %s', async (_case, failure) => {
    const { app } = failingWith(Object.assign(new Error(failure.message), failure));
    const res = await request(app).get('/fail').expect(503);
    expect(res.body.status).toBe('database_unavailable');
    expect(res.headers['retry-after']).toBe('5');
  });

  it('still answers 500 for another 55000 error, which is a bug, not an outage', async () => {
    const { app } = failingWith(
      Object.assign(new Error('currval of sequence "s" is not yet defined in this session'), { code: '55000' }),
    );
    await request(app).get('/fail').expect(500);
  });
});

describe('waits: Retry-After and retry_after_s always go together', () => {
  /** The wait an answer announces, as the header and as the body field. */
  const waitOf = (res: request.Response) => ({ header: res.headers['retry-after'], body: res.body.retry_after_s });

  it.each([
    'rate_limited',
    'provider_busy',
    'provider_unavailable',
    'sms_budget_exhausted',
    'rate_limiter_unavailable',
    'database_unavailable',
    'shutting_down',
  ] as const)('answers %s with a wait as the Retry-After header and retry_after_s, the same seconds', async (code) => {
    const { app } = failingWith(new AppError(code, 'wait', { retryAfterS: 7 }));
    expect(waitOf(await request(app).get('/fail'))).toEqual({ header: '7', body: 7 });
  });

  it('sends neither for an error without a wait', async () => {
    const { app } = failingWith(new AppError('otp_mismatch', 'wrong'));
    expect(waitOf(await request(app).get('/fail').expect(400))).toEqual({ header: undefined, body: undefined });
  });
});
