/**
 * The send bookings, one specification run against both twins: in memory, and in Redis (TEST_REDIS_URL; required
 * under CI=true) under a unique key prefix. Time is the caller's `nowMs`, so both run on a fake clock.
 */
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteRedisKeys, redisTestUrl, testRedisClient, uniqueRedisPrefix } from '../../test/support/testRedis.js';
import {
  cooldownAfter,
  istDay,
  memorySendBookings,
  nextIstMidnightMs,
  type SendBookingPolicy,
  type SendBookingStore,
} from './sendBookings.js';
import { redisSendBookings } from './sendBookingsRedis.js';

const POLICY: SendBookingPolicy = {
  cooldownBaseMs: 30_000,
  cooldownMaxMs: 600_000,
  phoneDailyCap: 10,
  userHourlyCap: 3,
  dailyBudget: 100,
};
// 2026-11-30 04:00 IST.
const START_MS = Date.UTC(2026, 10, 29, 22, 30);
const PHONE = '+919876543210';

const redisUrl = redisTestUrl();
const redisClients: Redis[] = [];
const redisPrefixes: string[] = [];

afterAll(async () => {
  if (redisUrl) {
    const admin = testRedisClient(redisUrl);
    for (const prefix of redisPrefixes) await deleteRedisKeys(admin, `${prefix}*`);
    await admin.quit();
  }
  await Promise.all(redisClients.map((client) => client.quit()));
});

const twins: Array<[string, (policy: SendBookingPolicy) => SendBookingStore]> = [
  ['memory', (policy) => memorySendBookings(policy)],
];
if (redisUrl) {
  twins.push([
    'Redis',
    (policy) => {
      const prefix = uniqueRedisPrefix('bookings');
      redisPrefixes.push(prefix);
      const client = testRedisClient(redisUrl, { keyPrefix: prefix });
      redisClients.push(client);
      return redisSendBookings(client, policy);
    },
  ]);
}

describe('the IST day', () => {
  it('starts at 18:30 UTC', () => {
    expect(istDay(Date.UTC(2026, 10, 30, 18, 29, 59)) + 1).toBe(istDay(Date.UTC(2026, 10, 30, 18, 30)));
    expect(new Date(nextIstMidnightMs(START_MS)).toISOString()).toBe('2026-11-30T18:30:00.000Z');
  });

  it('grows the cooldown 30 s, 1 min, 2 min, … and caps it at 10 min', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((streak) => cooldownAfter(streak, POLICY) / 1000)).toEqual([
      30, 60, 120, 240, 480, 600, 600,
    ]);
  });
});

describe.each(twins)('send bookings in %s', (_name, create) => {
  let nowMs = START_MS;
  const at = (offsetMs: number) => (nowMs = START_MS + offsetMs);

  it('books a phone, refuses it during its cooldown with the time left, and grows the cooldown with each unverified send', async () => {
    const store = create(POLICY);
    at(0);
    expect(await store.book({ phone: PHONE, spendsBudget: true, nowMs })).toMatchObject({
      granted: true,
      booking: { cooldownMs: 30_000 },
    });
    at(10_000);
    expect(await store.book({ phone: PHONE, spendsBudget: true, nowMs })).toEqual({
      granted: false,
      limit: 'phone_cooldown',
      retryAfterMs: 20_000,
    });
    at(30_000);
    expect(await store.book({ phone: PHONE, spendsBudget: true, nowMs })).toMatchObject({
      granted: true,
      booking: { cooldownMs: 60_000 },
    });
    at(89_999);
    expect(await store.book({ phone: PHONE, spendsBudget: true, nowMs })).toMatchObject({
      granted: false,
      retryAfterMs: 1,
    });
    at(90_000);
    expect(await store.book({ phone: PHONE, spendsBudget: true, nowMs })).toMatchObject({
      granted: true,
      booking: { cooldownMs: 120_000 },
    });
  });

  it('starts the growth over after a verified code, or after an hour without sends', async () => {
    const store = create(POLICY);
    at(0);
    await store.book({ phone: PHONE, spendsBudget: true, nowMs });
    at(30_000);
    await store.book({ phone: PHONE, spendsBudget: true, nowMs });
    await store.resetGrowth(PHONE, nowMs);
    // The pending cooldown shrinks to the base one from the last send.
    at(59_999);
    expect(await store.book({ phone: PHONE, spendsBudget: true, nowMs })).toMatchObject({
      granted: false,
      retryAfterMs: 1,
    });
    at(60_000);
    expect(await store.book({ phone: PHONE, spendsBudget: true, nowMs })).toMatchObject({
      granted: true,
      booking: { cooldownMs: 30_000 },
    });
    at(90_000);
    expect(await store.book({ phone: PHONE, spendsBudget: true, nowMs })).toMatchObject({
      granted: true,
      booking: { cooldownMs: 60_000 },
    });
    at(90_000 + 3_600_000);
    expect(await store.book({ phone: PHONE, spendsBudget: true, nowMs })).toMatchObject({
      granted: true,
      booking: { cooldownMs: 30_000 },
    });
  });

  it("caps a phone's sends per IST day, and lets it send again after midnight IST", async () => {
    const store = create({ ...POLICY, phoneDailyCap: 2, cooldownMaxMs: 30_000 });
    at(0);
    await store.book({ phone: PHONE, spendsBudget: true, nowMs });
    at(30_000);
    await store.book({ phone: PHONE, spendsBudget: true, nowMs });
    at(60_000);
    const midnight = nextIstMidnightMs(nowMs);
    expect(await store.book({ phone: PHONE, spendsBudget: true, nowMs })).toEqual({
      granted: false,
      limit: 'phone_daily_cap',
      retryAfterMs: midnight - nowMs,
    });
    nowMs = midnight;
    expect(await store.book({ phone: PHONE, spendsBudget: true, nowMs })).toMatchObject({ granted: true });
  });

  it("caps a user's sends in any sliding hour, across phones", async () => {
    const store = create(POLICY);
    for (let i = 0; i < 3; i++) {
      at(i * 60_000);
      expect(await store.book({ userId: 'admin-1', spendsBudget: true, nowMs })).toMatchObject({ granted: true });
    }
    at(10 * 60_000);
    expect(await store.book({ userId: 'admin-1', spendsBudget: true, nowMs })).toEqual({
      granted: false,
      limit: 'user_hourly_cap',
      retryAfterMs: 50 * 60_000,
    });
    expect(await store.book({ userId: 'admin-2', spendsBudget: true, nowMs })).toMatchObject({ granted: true });
    at(3_600_000);
    expect(await store.book({ userId: 'admin-1', spendsBudget: true, nowMs })).toMatchObject({ granted: true });
  });

  it('stops every send at the daily budget, counts only sends that spend it, and starts over at midnight IST', async () => {
    const store = create({ ...POLICY, dailyBudget: 2 });
    at(0);
    await store.book({ phone: '+919000000001', spendsBudget: true, nowMs });
    await store.book({ phone: '+919000000002', spendsBudget: false, nowMs });
    await store.book({ phone: '+919000000003', spendsBudget: true, nowMs });
    expect(await store.budgetUsed(nowMs)).toBe(2);
    for (const spendsBudget of [true, false]) {
      expect(await store.book({ phone: '+919000000004', spendsBudget, nowMs })).toEqual({
        granted: false,
        limit: 'daily_budget',
        retryAfterMs: nextIstMidnightMs(nowMs) - nowMs,
      });
    }
    nowMs = nextIstMidnightMs(nowMs);
    expect(await store.budgetUsed(nowMs)).toBe(0);
    expect(await store.book({ phone: '+919000000004', spendsBudget: true, nowMs })).toMatchObject({ granted: true });
  });

  it('takes nothing when any limit refuses: all of a booking or none of it', async () => {
    const store = create({ ...POLICY, userHourlyCap: 1 });
    at(0);
    await store.book({ userId: 'admin-1', spendsBudget: true, nowMs });
    expect(await store.book({ phone: PHONE, userId: 'admin-1', spendsBudget: true, nowMs })).toMatchObject({
      granted: false,
      limit: 'user_hourly_cap',
    });
    expect(await store.budgetUsed(nowMs)).toBe(1);
    expect(await store.book({ phone: PHONE, spendsBudget: true, nowMs })).toMatchObject({
      granted: true,
      booking: { cooldownMs: 30_000 },
    });
  });

  it('gives a booking back whole: cooldown, growth, daily count, user send and budget', async () => {
    const store = create({ ...POLICY, phoneDailyCap: 2, userHourlyCap: 1 });
    at(0);
    await store.book({ phone: PHONE, userId: 'admin-1', spendsBudget: true, nowMs });
    at(30_000);
    await store.resetGrowth(PHONE, nowMs);
    const answer = await store.book({ phone: '+919000000009', userId: 'admin-2', spendsBudget: true, nowMs });
    const again = await store.book({ phone: PHONE, userId: 'admin-2', spendsBudget: true, nowMs });
    expect(again).toMatchObject({ granted: false, limit: 'user_hourly_cap' });
    if (!answer.granted) throw new Error('expected a booking');
    await store.release(answer.booking);
    expect(await store.budgetUsed(nowMs)).toBe(1);
    // The phone is free again, its growth as before, and the user's hour has room again.
    expect(await store.book({ phone: '+919000000009', userId: 'admin-2', spendsBudget: true, nowMs })).toMatchObject({
      granted: true,
      booking: { cooldownMs: 30_000 },
    });
  });

  it('gives back a phone only if no newer booking took it since', async () => {
    const store = create(POLICY);
    at(0);
    const first = await store.book({ phone: PHONE, spendsBudget: true, nowMs });
    at(30_000);
    const second = await store.book({ phone: PHONE, spendsBudget: true, nowMs });
    if (!first.granted || !second.granted) throw new Error('expected bookings');
    await store.release(first.booking);
    at(40_000);
    expect(await store.book({ phone: PHONE, spendsBudget: true, nowMs })).toMatchObject({
      granted: false,
      limit: 'phone_cooldown',
      retryAfterMs: 50_000,
    });
  });

  it('lets exactly one of many concurrent bookings of one phone through', async () => {
    const store = create(POLICY);
    at(0);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => store.book({ phone: PHONE, spendsBudget: true, nowMs })),
    );
    expect(answers.filter((answer) => answer.granted)).toHaveLength(1);
    expect(await store.budgetUsed(nowMs)).toBe(1);
  });
});

describe('memory send bookings', () => {
  it('forget phones, users and budgets once nothing in them matters, so memory follows recent traffic', async () => {
    let nowMs = START_MS;
    const store = memorySendBookings(POLICY, { sweepEveryMs: 10, now: () => nowMs });
    for (let i = 0; i < 100; i++)
      await store.book({ phone: `+9190000${String(i).padStart(5, '0')}`, userId: `u${i}`, spendsBudget: true, nowMs });
    expect(store.size()).toBe(201);
    nowMs = nextIstMidnightMs(nowMs) + 3_600_000;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(store.size()).toBe(0);
    store.close();
  });
});
