import express from 'express';
import type { Options } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import pino from 'pino';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeClock } from '../../test/support/testApp.js';
import { createErrorHandler } from './errorHandler.js';
import {
  ClockedMemoryStore,
  memoryLimiterStores,
  redisLimiterStores,
  type LimiterStoreFactory,
} from './limiterStores.js';
import { createLimiter } from './rateLimit.js';

const WINDOW_MS = 60_000;

function storeOnFakeClock() {
  const clock = createFakeClock();
  const store = new ClockedMemoryStore('test:', clock.now);
  store.init({ windowMs: WINDOW_MS } as Options);
  return { clock, store };
}

/** How long until the window resets, as express-rate-limit reads `resetTime` (against the wall clock). */
function msUntilReset(resetTime: Date | undefined): number {
  return resetTime!.getTime() - Date.now();
}

describe('ClockedMemoryStore', () => {
  it('counts hits per key within a window', () => {
    const { store } = storeOnFakeClock();
    expect(store.get('a')).toBeUndefined();
    expect(store.increment('a').totalHits).toBe(1);
    expect(store.increment('a').totalHits).toBe(2);
    expect(store.increment('b').totalHits).toBe(1);
    expect(store.get('a')?.totalHits).toBe(2);
    expect(store.get('b')?.totalHits).toBe(1);
    store.shutdown();
  });

  it('starts the window at the first hit and resets it windowMs later, not at later hits', () => {
    const { clock, store } = storeOnFakeClock();
    store.increment('a');
    clock.advance(WINDOW_MS - 1_000);
    const late = store.increment('a');
    expect(late.totalHits).toBe(2);
    expect(msUntilReset(late.resetTime)).toBeGreaterThan(0);
    expect(msUntilReset(late.resetTime)).toBeLessThanOrEqual(1_000);

    clock.advance(1_000);
    expect(store.get('a')).toBeUndefined();
    const fresh = store.increment('a');
    expect(fresh.totalHits).toBe(1);
    expect(msUntilReset(fresh.resetTime)).toBeGreaterThan(WINDOW_MS - 1_000);
    expect(msUntilReset(fresh.resetTime)).toBeLessThanOrEqual(WINDOW_MS);
    store.shutdown();
  });

  it('reports resetTime on the wall clock whatever the injected clock says, as express-rate-limit expects', () => {
    const clock = createFakeClock(Date.UTC(2001, 0, 1));
    const store = new ClockedMemoryStore('test:', clock.now);
    store.init({ windowMs: WINDOW_MS } as Options);
    store.increment('a');
    clock.advance(15_000);
    expect(msUntilReset(store.get('a')?.resetTime)).toBeGreaterThan(WINDOW_MS - 15_000 - 1_000);
    expect(msUntilReset(store.get('a')?.resetTime)).toBeLessThanOrEqual(WINDOW_MS - 15_000);
    store.shutdown();
  });

  it('decrements a live counter, never below zero', () => {
    const { store } = storeOnFakeClock();
    store.increment('a');
    store.increment('a');
    store.decrement('a');
    expect(store.get('a')?.totalHits).toBe(1);
    store.decrement('a');
    store.decrement('a');
    expect(store.get('a')?.totalHits).toBe(0);
    store.decrement('unknown');
    expect(store.get('unknown')).toBeUndefined();
    store.shutdown();
  });

  it('forgets one key on resetKey and all keys on resetAll', () => {
    const { store } = storeOnFakeClock();
    store.increment('a');
    store.increment('b');
    store.resetKey('a');
    expect(store.get('a')).toBeUndefined();
    expect(store.get('b')?.totalHits).toBe(1);
    store.resetAll();
    expect(store.get('b')).toBeUndefined();
    store.shutdown();
  });
});

describe('createLimiter over a failing store', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** A tiny app: one limited route that counts how often its handler ran. */
  function limitedApp(stores: LimiterStoreFactory) {
    const handled = { count: 0 };
    const app = express();
    app.post(
      '/limited',
      createLimiter({
        name: 'test',
        windowMs: WINDOW_MS,
        limit: 5,
        key: () => 'client',
        message: 'Slow down.',
        stores,
      }),
      (_req, res) => {
        handled.count += 1;
        res.json({ ok: true });
      },
    );
    app.use(createErrorHandler(pino({ level: 'silent' })));
    return { app, handled };
  }

  it('answers 503 rate_limiter_unavailable and never runs the handler when the memory store throws', async () => {
    vi.spyOn(ClockedMemoryStore.prototype, 'increment').mockImplementation(() => {
      throw new Error('store broken');
    });
    const { app, handled } = limitedApp(memoryLimiterStores(createFakeClock().now));
    const res = await request(app).post('/limited').expect(503);
    expect(res.body).toEqual({
      status: 'rate_limiter_unavailable',
      message: expect.stringContaining('refused'),
      retry_after_s: 5,
    });
    expect(res.headers['retry-after']).toBe('5');
    expect(handled.count).toBe(0);
  });

  it('answers 503 rate_limiter_unavailable and never runs the handler when Redis commands fail', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined); // express-rate-limit reports the failed script load
    const redis = { call: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')) } as unknown as Redis;
    const { app, handled } = limitedApp(redisLimiterStores(redis));
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const res = await request(app).post('/limited').expect(503);
      expect(res.body.status).toBe('rate_limiter_unavailable');
    }
    expect(handled.count).toBe(0);
  });

  it('lets requests through while the store works, then limits them', async () => {
    const { app, handled } = limitedApp(memoryLimiterStores(createFakeClock().now));
    for (let i = 0; i < 5; i += 1) await request(app).post('/limited').expect(200);
    const res = await request(app).post('/limited').expect(429);
    expect(res.body).toMatchObject({ status: 'rate_limited', message: 'Slow down.', retry_after_s: 60 });
    expect(res.headers['retry-after']).toBe('60');
    expect(handled.count).toBe(5);
  });
});
