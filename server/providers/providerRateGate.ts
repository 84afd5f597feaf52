/**
 * Keeps our calls to 2Factor under its request-rate ceiling (PROVIDER_MAX_RPS, 2Factor's default is 200/s):
 * at most `maxPerWindow` calls in any sliding window of `windowMs`. A call over the ceiling waits
 * briefly for a free slot (smoothing bursts; see providerSlotLine.ts) and is refused with `provider_busy`
 * past that wait.
 * In memory for one instance; in Redis (one sorted set, one script, Redis's own clock) for many.
 *
 * When a call reaches 2Factor is only known to lie between its start and its answer: the request can spend
 * a while in our event loop, the kernel and the network (measured: tens of milliseconds on a loaded machine,
 * enough for 2Factor to see 205 in one second from a gate that granted 200). So a slot taken with a lease
 * is held while the call runs and counts for `windowMs` after its answer (`release`): two calls that use the
 * same slot then reach 2Factor at least `windowMs` apart, however long either one took to get there.
 * A lease that is never released (a crash) ends by itself after `leaseMs`.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

export interface SlotAnswer {
  granted: boolean;
  /** When not granted: how long until the oldest call in the window leaves it. */
  retryInMs: number;
  /** Granted with a lease: hand it back with `release` once the call has ended. */
  slot?: string;
}

export interface ProviderRateGate {
  /**
   * Takes a slot now or says how long until one frees up. The slot counts for `windowMs` from now; with
   * `leaseMs`, it is held instead until `release` (at most `leaseMs`) and counts for `windowMs` after that.
   */
  tryTake(leaseMs?: number): Promise<SlotAnswer>;
  /** Ends a leased slot: it now counts for `windowMs` from the end of the call. */
  release?(slot: string): Promise<void>;
  /** The ceiling's pace, windowMs / maxPerWindow: at best one slot frees this often (5 ms at 200/s). */
  readonly slotSpacingMs?: number;
}

export function memoryRateGate(maxPerWindow: number, windowMs = 1_000, now: () => number = performance.now.bind(performance)): ProviderRateGate {
  // When each settled slot frees, oldest first. Slots settle at "now + windowMs" and time only moves
  // forward, so the queue stays sorted; leased slots wait outside it until released.
  let freeAt: number[] = [];
  let head = 0;
  const leases = new Map<string, number>(); // slot → when the lease ends by itself
  let nextSlot = 0;

  const prune = (at: number) => {
    while (head < freeAt.length && freeAt[head]! <= at) head++;
    if (head > 1024 && head * 2 > freeAt.length) {
      freeAt = freeAt.slice(head);
      head = 0;
    }
  };
  const pruneLeases = (at: number) => {
    for (const [slot, endsAt] of leases) if (endsAt <= at) leases.delete(slot);
  };

  return {
    slotSpacingMs: windowMs / maxPerWindow,
    async tryTake(leaseMs) {
      const at = now();
      prune(at);
      const settled = freeAt.length - head;
      if (settled + leases.size >= maxPerWindow) pruneLeases(at);
      if (settled + leases.size >= maxPerWindow) {
        // A call still running frees its slot no sooner than `windowMs` after it ends.
        const retryInMs = settled > 0 ? Math.min(freeAt[head]! - at, windowMs) : windowMs;
        return { granted: false, retryInMs: Math.ceil(retryInMs) };
      }
      if (leaseMs === undefined) {
        freeAt.push(at + windowMs);
        return { granted: true, retryInMs: 0 };
      }
      const slot = String(nextSlot++);
      leases.set(slot, at + leaseMs + windowMs);
      return { granted: true, retryInMs: 0, slot };
    },
    async release(slot) {
      if (leases.delete(slot)) freeAt.push(now() + windowMs);
    },
  };
}

// One sorted set: a member per call, scored with when its slot frees (milliseconds on Redis's clock).
const TAKE_SLOT_SCRIPT = `
local key = KEYS[1]
local limit = tonumber(ARGV[1])
local window_ms = tonumber(ARGV[2])
local lease_ms = tonumber(ARGV[4])
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now_ms)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now_ms + window_ms + lease_ms, ARGV[3])
  if redis.call('PTTL', key) < window_ms + lease_ms then
    redis.call('PEXPIRE', key, window_ms + lease_ms)
  end
  return {1, 0}
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return {0, math.min(tonumber(oldest[2]) - now_ms, window_ms)}
`;

const RELEASE_SLOT_SCRIPT = `
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

type SlotCommands = {
  takeProviderSlot(...args: (string | number)[]): Promise<[number, number]>;
  releaseProviderSlot(...args: (string | number)[]): Promise<number>;
};

export function redisRateGate(redis: Redis, maxPerWindow: number, windowMs = 1_000, key = 'provider-rate:2factor'): ProviderRateGate {
  redis.defineCommand('takeProviderSlot', { numberOfKeys: 1, lua: TAKE_SLOT_SCRIPT });
  redis.defineCommand('releaseProviderSlot', { numberOfKeys: 1, lua: RELEASE_SLOT_SCRIPT });
  const commands = redis as Redis & SlotCommands;
  return {
    slotSpacingMs: windowMs / maxPerWindow,
    async tryTake(leaseMs) {
      const slot = randomBytes(12).toString('base64url');
      const [granted, retryInMs] = await commands.takeProviderSlot(key, maxPerWindow, windowMs, slot, leaseMs ?? 0);
      if (granted !== 1) return { granted: false, retryInMs: Math.max(1, retryInMs) };
      return leaseMs === undefined ? { granted: true, retryInMs: 0 } : { granted: true, retryInMs: 0, slot };
    },
    async release(slot) {
      await commands.releaseProviderSlot(key, windowMs, slot);
    },
  };
}

export class ProviderBusyError extends Error {
  constructor(readonly retryAfterMs: number) {
    super('provider request-rate ceiling reached');
    this.name = 'ProviderBusyError';
  }
}
