/**
 * The provider's request-rate ceiling (PROVIDER_MAX_RPS; 2Factor's default is 200/s): at most `maxPerSecond`
 * calls in any sliding second. In memory for one instance; in Redis (one sorted set, one script each way,
 * Redis's own clock) for many. A store that cannot be read rejects: the guard refuses the call (fail closed).
 *
 * A call takes a lease before it starts and releases it when it ends; its slot then counts for one more second.
 * When a call reaches 2Factor is only known to lie between its start and its answer (tens of milliseconds on a
 * loaded machine, enough for 2Factor to see 205 in one second from a gate that counted 200 at their start), so
 * two calls that use the same slot reach 2Factor at least a second apart, however long either took to get
 * there. A lease never released (a crash) ends by itself `leaseMs` after it was taken.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A lease for one call, or how long until a slot frees. */
export type Acquired = { lease: string } | { retryInMs: number };

export interface ProviderCeiling {
  readonly maxPerSecond: number;
  acquire(): Promise<Acquired>;
  /** The call ended (answer or failure): its slot counts for one more second from now. */
  release(lease: string): Promise<void>;
}

const WINDOW_MS = 1_000;
/** What an aborted call may still take after its timeout before its slot is given back. */
const ABORT_ALLOWANCE_MS = 1_000;

/** The lease of a call that may run `providerTimeoutMs` before it is aborted, and a second more for the abort. */
export function leaseForTimeout(providerTimeoutMs: number): number {
  return providerTimeoutMs + ABORT_ALLOWANCE_MS;
}

export function memoryCeiling(
  maxPerSecond: number,
  leaseMs: number,
  now: () => number = () => performance.now(),
): ProviderCeiling {
  const freeAt = new Map<string, number>(); // lease → when its slot frees
  let nextLease = 0;
  return {
    maxPerSecond,
    async acquire() {
      const at = now();
      let soonest = Infinity;
      for (const [lease, slotFreeAt] of freeAt) {
        if (slotFreeAt <= at) freeAt.delete(lease);
        else soonest = Math.min(soonest, slotFreeAt);
      }
      if (freeAt.size < maxPerSecond) {
        const lease = String(nextLease++);
        freeAt.set(lease, at + leaseMs + WINDOW_MS);
        return { lease };
      }
      // A call still running frees its slot no sooner than a second after it ends.
      return { retryInMs: Math.ceil(Math.min(soonest - at, WINDOW_MS)) };
    },
    async release(lease) {
      if (freeAt.has(lease)) freeAt.set(lease, now() + WINDOW_MS);
    },
  };
}

// A member per call, scored with when its slot frees (milliseconds on Redis's clock).
const ACQUIRE_SCRIPT = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local hold_ms = tonumber(ARGV[2])
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now_ms)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now_ms + hold_ms, ARGV[3])
  if redis.call('PTTL', key) < hold_ms then
    redis.call('PEXPIRE', key, hold_ms)
  end
  return {1, 0}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {0, math.min(tonumber(oldest[2]) - now_ms, tonumber(ARGV[4]))}
`;

const RELEASE_SCRIPT = `
local key = KEYS[1]
local window_ms = tonumber(ARGV[1])
if redis.call('ZSCORE', key, ARGV[2]) then
  local t = redis.call('TIME')
  local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('ZADD', key, now_ms + window_ms, ARGV[2])
  if redis.call('PTTL', key) < window_ms then
    redis.call('PEXPIRE', key, window_ms)
  end
end
return 1
`;

type CeilingCommands = {
  acquireProviderSlot(
    key: string,
    limit: number,
    holdMs: number,
    lease: string,
    windowMs: number,
  ): Promise<[number, number]>;
  releaseProviderSlot(key: string, windowMs: number, lease: string): Promise<number>;
};

const REDIS_KEY = 'provider-rate:2factor';

export function redisCeiling(redis: Redis, maxPerSecond: number, leaseMs: number): ProviderCeiling {
  redis.defineCommand('acquireProviderSlot', { numberOfKeys: 1, lua: ACQUIRE_SCRIPT });
  redis.defineCommand('releaseProviderSlot', { numberOfKeys: 1, lua: RELEASE_SCRIPT });
  const commands = redis as Redis & CeilingCommands;
  return {
    maxPerSecond,
    async acquire() {
      const lease = randomBytes(12).toString('base64url');
      const [granted, retryInMs] = await commands.acquireProviderSlot(
        REDIS_KEY,
        maxPerSecond,
        leaseMs + WINDOW_MS,
        lease,
        WINDOW_MS,
      );
      return granted === 1 ? { lease } : { retryInMs: Math.max(1, retryInMs) };
    },
    async release(lease) {
      await commands.releaseProviderSlot(REDIS_KEY, WINDOW_MS, lease);
    },
  };
}
