/**
 * Keeps our calls to 2Factor under its request-rate ceiling (PROVIDER_MAX_RPS, 2Factor's default is 200/s):
 * at most `maxPerWindow` calls start in any sliding window of `windowMs`. A call over the ceiling waits
 * briefly for a free slot (smoothing bursts) and is refused with `provider_busy` past `maxWaitMs`.
 * In memory for one instance; in Redis (one sorted set, one script, Redis's own clock) for many.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface SlotAnswer {
  granted: boolean;
  /** When not granted: how long until the oldest call in the window leaves it. */
  retryInMs: number;
}

export interface ProviderRateGate {
  /** Takes a slot now or says how long until one frees up. */
  tryTake(): Promise<SlotAnswer>;
}

export function memoryRateGate(maxPerWindow: number, windowMs = 1_000, now: () => number = performance.now.bind(performance)): ProviderRateGate {
  // A ring of the start times of the last `maxPerWindow` calls; the slot to reuse holds the oldest.
  const starts = new Float64Array(maxPerWindow).fill(Number.NEGATIVE_INFINITY);
  let oldest = 0;
  return {
    async tryTake() {
      const at = now();
      const freeAt = starts[oldest]! + windowMs;
      if (freeAt > at) return { granted: false, retryInMs: Math.ceil(freeAt - at) };
      starts[oldest] = at;
      oldest = (oldest + 1) % maxPerWindow;
      return { granted: true, retryInMs: 0 };
    },
  };
}

const TAKE_SLOT_SCRIPT = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window_ms = tonumber(ARGV[2])
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now_ms - window_ms)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now_ms, t[1] .. t[2] .. ARGV[3])
  redis.call('PEXPIRE', key, window_ms)
  return {1, 0}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {0, tonumber(oldest[2]) + window_ms - now_ms}
`;

export function redisRateGate(redis: Redis, maxPerWindow: number, windowMs = 1_000, key = 'provider-rate:2factor'): ProviderRateGate {
  redis.defineCommand('takeProviderSlot', { numberOfKeys: 1, lua: TAKE_SLOT_SCRIPT });
  const takeSlot = (redis as Redis & { takeProviderSlot(...args: (string | number)[]): Promise<[number, number]> }).takeProviderSlot.bind(redis);
  return {
    async tryTake() {
      const [granted, retryInMs] = await takeSlot(key, maxPerWindow, windowMs, randomBytes(6).toString('hex'));
      return { granted: granted === 1, retryInMs: Math.max(1, retryInMs) };
    },
  };
}

export class ProviderBusyError extends Error {
  constructor(readonly retryAfterMs: number) {
    super('provider request-rate ceiling reached');
    this.name = 'ProviderBusyError';
  }
}

/** Takes a slot, waiting up to `maxWaitMs` in total; throws ProviderBusyError after that. */
export async function takeSlot(gate: ProviderRateGate, maxWaitMs: number): Promise<void> {
  const deadline = performance.now() + maxWaitMs;
  for (;;) {
    const answer = await gate.tryTake();
    if (answer.granted) return;
    const waitMs = answer.retryInMs + Math.random() * 5; // jitter: waiters do not all retry at once
    if (performance.now() + waitMs > deadline) throw new ProviderBusyError(answer.retryInMs);
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
}
