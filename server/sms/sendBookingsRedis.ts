/**
 * The Redis twin of the send bookings (sendBookings.ts): the same rules, each operation one Lua script, so a
 * booking is atomic across every instance. Keys:
 *   sms-book:phone:{phone}  hash: next_at, streak, last_at, day, day_count, booking, prev_next_at, prev_streak, prev_last_at
 *   sms-book:user:{id}      sorted set: booking id → booked at (ms), the sliding hour
 *   sms-book:budget:{day}   integer: SMS booked on that IST day
 * Every key expires once it can no longer matter, so Redis holds about a day of traffic.
 * Times come from the caller (`nowMs`), as in the memory twin.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  GROWTH_RESET_AFTER_MS,
  HOUR_MS,
  istDay,
  nextIstMidnightMs,
  type SendBookingPolicy,
  type SendBookingStore,
  type SendLimit,
} from './sendBookings.js';

const PREFIX = 'sms-book:';
/** Budget keys outlive their day a little, so the admin page can still read yesterday's figure. */
const BUDGET_KEY_TTL_MS = 2 * 86_400_000;

// KEYS: phone key, user key, budget key.
// ARGV: now, booking id, day, until midnight, base cooldown, max cooldown, phone daily cap, user hourly cap,
//       daily budget, spends budget (1/0), growth reset after, hour, budget key lifetime (all times in ms),
//       books the phone (1/0), books the user (1/0). (Flags, not empty key names: clients may prefix every key.)
const BOOK = `
local now = tonumber(ARGV[1])
local id = ARGV[2]
local day = tonumber(ARGV[3])
local until_midnight = tonumber(ARGV[4])
local base, max_cooldown = tonumber(ARGV[5]), tonumber(ARGV[6])
local phone_cap, user_cap, budget = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])
local spends = ARGV[10] == '1'
local growth_reset, hour = tonumber(ARGV[11]), tonumber(ARGV[12])
local has_phone, has_user = ARGV[14] == '1', ARGV[15] == '1'

if tonumber(redis.call('GET', KEYS[3]) or '0') >= budget then
  return {0, 'daily_budget', until_midnight}
end

local next_at, streak, last_at, day_count = 0, 0, 0, 0
if has_phone then
  local h = redis.call('HMGET', KEYS[1], 'next_at', 'streak', 'last_at', 'day', 'day_count')
  next_at = tonumber(h[1]) or 0
  streak = tonumber(h[2]) or 0
  last_at = tonumber(h[3]) or 0
  if tonumber(h[4]) == day then day_count = tonumber(h[5]) or 0 end
  if now - last_at >= growth_reset then streak = 0 end
  if next_at > now then return {0, 'phone_cooldown', next_at - now} end
  if day_count >= phone_cap then return {0, 'phone_daily_cap', until_midnight} end
end

if has_user then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - hour)
  if redis.call('ZCARD', KEYS[2]) >= user_cap then
    local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    return {0, 'user_hourly_cap', tonumber(oldest[2]) + hour - now}
  end
end

local cooldown = math.min(base * 2 ^ streak, max_cooldown)
if has_phone then
  redis.call('HSET', KEYS[1], 'next_at', now + cooldown, 'streak', streak + 1, 'last_at', now, 'day', day,
    'day_count', day_count + 1, 'booking', id, 'prev_next_at', next_at, 'prev_streak', streak, 'prev_last_at', last_at)
  redis.call('PEXPIRE', KEYS[1], math.max(until_midnight, cooldown, growth_reset))
end
if has_user then
  redis.call('ZADD', KEYS[2], now, id)
  redis.call('PEXPIRE', KEYS[2], hour)
end
if spends then
  redis.call('INCR', KEYS[3])
  redis.call('PEXPIRE', KEYS[3], ARGV[13])
end
return {1, '', cooldown}
`;

// KEYS: phone key, user key, budget key. ARGV: booking id, day, spends budget, books the phone, books the user (1/0).
const RELEASE = `
if ARGV[4] == '1' and redis.call('HGET', KEYS[1], 'booking') == ARGV[1] then
  local prev = redis.call('HMGET', KEYS[1], 'prev_next_at', 'prev_streak', 'prev_last_at', 'day', 'day_count')
  local day_count = tonumber(prev[5]) or 0
  if tonumber(prev[4]) == tonumber(ARGV[2]) and day_count > 0 then day_count = day_count - 1 end
  redis.call('HSET', KEYS[1], 'next_at', prev[1], 'streak', prev[2], 'last_at', prev[3], 'day_count', day_count)
  redis.call('HDEL', KEYS[1], 'booking', 'prev_next_at', 'prev_streak', 'prev_last_at')
end
if ARGV[5] == '1' then redis.call('ZREM', KEYS[2], ARGV[1]) end
if ARGV[3] == '1' and tonumber(redis.call('GET', KEYS[3]) or '0') > 0 then redis.call('DECR', KEYS[3]) end
return 1
`;

// KEYS: phone key. ARGV: base cooldown.
const RESET_GROWTH = `
local h = redis.call('HMGET', KEYS[1], 'next_at', 'last_at')
if not h[1] then return 0 end
redis.call('HSET', KEYS[1], 'streak', 0, 'next_at', math.min(tonumber(h[1]), tonumber(h[2]) + tonumber(ARGV[1])))
return 1
`;

type BookingCommands = {
  smsBook(...args: (string | number)[]): Promise<[number, string, number]>;
  smsRelease(...args: (string | number)[]): Promise<number>;
  smsResetGrowth(...args: (string | number)[]): Promise<number>;
};

export function redisSendBookings(redis: Redis, policy: SendBookingPolicy, prefix = PREFIX): SendBookingStore {
  redis.defineCommand('smsBook', { numberOfKeys: 3, lua: BOOK });
  redis.defineCommand('smsRelease', { numberOfKeys: 3, lua: RELEASE });
  redis.defineCommand('smsResetGrowth', { numberOfKeys: 1, lua: RESET_GROWTH });
  const commands = redis as Redis & BookingCommands;
  const phoneKey = (phone: string | undefined) => `${prefix}phone:${phone ?? '-'}`;
  const userKey = (userId: string | undefined) => `${prefix}user:${userId ?? '-'}`;
  const flag = (value: unknown) => (value === undefined ? 0 : 1);
  const budgetKey = (day: number) => `${prefix}budget:${day}`;

  return {
    async book({ phone, userId, spendsBudget, nowMs }) {
      const id = randomUUID();
      const day = istDay(nowMs);
      const [granted, limit, ms] = await commands.smsBook(
        phoneKey(phone),
        userKey(userId),
        budgetKey(day),
        nowMs,
        id,
        day,
        nextIstMidnightMs(nowMs) - nowMs,
        policy.cooldownBaseMs,
        policy.cooldownMaxMs,
        policy.phoneDailyCap,
        policy.userHourlyCap,
        policy.dailyBudget,
        spendsBudget ? 1 : 0,
        GROWTH_RESET_AFTER_MS,
        HOUR_MS,
        BUDGET_KEY_TTL_MS,
        flag(phone),
        flag(userId),
      );
      if (granted !== 1) return { granted: false, limit: limit as SendLimit, retryAfterMs: Number(ms) };
      return {
        granted: true,
        booking: { id, phone, userId, spendsBudget, day, cooldownMs: phone === undefined ? 0 : Number(ms) },
      };
    },

    async release(booking) {
      await commands.smsRelease(
        phoneKey(booking.phone),
        userKey(booking.userId),
        budgetKey(booking.day),
        booking.id,
        booking.day,
        booking.spendsBudget ? 1 : 0,
        flag(booking.phone),
        flag(booking.userId),
      );
    },

    async resetGrowth(phone) {
      await commands.smsResetGrowth(phoneKey(phone), policy.cooldownBaseMs);
    },

    async budgetUsed(nowMs) {
      return Number((await redis.get(budgetKey(istDay(nowMs)))) ?? 0);
    },
  };
}
