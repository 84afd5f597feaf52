/**
 * What the Supabase Send SMS Hook keeps between calls, shared by every instance: the request uuids already
 * taken (so a repeat sends nothing) and the last call (for Settings → SMS & OTP).
 *
 * Why the limiter store and not a unique key in the database: the send bookings already live there and fail
 * closed; the uuid must be taken *before* the provider call, in one atomic step (SET NX), whereas log rows are
 * written in batches after the call and held in memory while the database is down. A database outage must not
 * let a repeated uuid through, nor stop sends that the limits allow. Uuids are forgotten after `ttlMs` (a day):
 * Supabase retries within seconds.
 *
 * Two twins behind one port, like the send bookings: in memory (one instance, clock injected) and in Redis.
 */
import type { Redis } from 'ioredis';
import type { LimiterStoreFactory } from '../http/limiterStores.js';

/** How often the in-memory store forgets request ids whose claim has expired. */
const SWEEP_EVERY_MS = 60_000;

export interface HookCallRecord {
  atMs: number;
  result: string;
  httpStatus: number;
}

export interface HookSendStore {
  /** True when `uuid` was not taken: it is now, for `ttlMs`. False for a repeat. */
  claim(uuid: string, ttlMs: number): Promise<boolean>;
  /** Gives a uuid back: nothing was sent, so Supabase's retry may send. */
  release(uuid: string): Promise<void>;
  recordCall(call: HookCallRecord): Promise<void>;
  lastCall(): Promise<HookCallRecord | undefined>;
}

/** In the limiter stores' place: Redis when they are there, this process otherwise. */
export function hookSendStoreFor(stores: Pick<LimiterStoreFactory, 'redis' | 'now'>): HookSendStore {
  return stores.redis ? redisHookSendStore(stores.redis) : memoryHookSendStore(stores.now);
}

export function memoryHookSendStore(now: () => number): HookSendStore {
  const taken = new Map<string, number>();
  let last: HookCallRecord | undefined;
  const sweep = setInterval(() => {
    const nowMs = now();
    for (const [uuid, expiresAtMs] of taken) if (expiresAtMs <= nowMs) taken.delete(uuid);
  }, SWEEP_EVERY_MS);
  sweep.unref();
  return {
    async claim(uuid, ttlMs) {
      const expiresAtMs = taken.get(uuid);
      if (expiresAtMs !== undefined && expiresAtMs > now()) return false;
      taken.set(uuid, now() + ttlMs);
      return true;
    },
    async release(uuid) {
      taken.delete(uuid);
    },
    async recordCall(call) {
      if (!last || call.atMs >= last.atMs) last = { ...call };
    },
    async lastCall() {
      return last && { ...last };
    },
  };
}

const UUID_PREFIX = 'hook:supabase-sms:uuid:';
const LAST_CALL_KEY = 'hook:supabase-sms:last-call';

export function redisHookSendStore(redis: Redis): HookSendStore {
  return {
    async claim(uuid, ttlMs) {
      return (await redis.set(`${UUID_PREFIX}${uuid}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
    },
    async release(uuid) {
      await redis.del(`${UUID_PREFIX}${uuid}`);
    },
    async recordCall(call) {
      await redis.set(LAST_CALL_KEY, JSON.stringify(call));
    },
    async lastCall() {
      const raw = await redis.get(LAST_CALL_KEY);
      if (!raw) return undefined;
      const parsed = JSON.parse(raw) as Partial<HookCallRecord>;
      if (typeof parsed.atMs !== 'number' || typeof parsed.result !== 'string' || typeof parsed.httpStatus !== 'number')
        return undefined;
      return { atMs: parsed.atMs, result: parsed.result, httpStatus: parsed.httpStatus };
    },
  };
}
