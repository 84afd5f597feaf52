/**
 * Where rate-limit counters live: in this process (one instance) or in Redis (many instances share them).
 * Both count a fixed window per key that starts at the key's first hit, so limits behave the same either way.
 * A failing store raises `rate_limiter_unavailable` (503): limits fail closed, a request is never let
 * through uncounted.
 */
import type { Redis } from 'ioredis';
import type { ClientRateLimitInfo, Options, Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { AppError } from './appError.js';

/** Expired windows are swept at most this often, however short the window. */
const MIN_SWEEP_INTERVAL_MS = 1_000;
/** How often in-memory failure counters drop the keys they no longer need to remember. */
const FAILURE_SWEEP_INTERVAL_MS = 60_000;

export type Clock = () => number;

export interface LimiterStoreFactory {
  /** One store per limiter: `name` keeps their keys apart. */
  create(name: string): Store;
  /** Failure counters named `name` (e.g. failed passwords per account). */
  failureCounters(name: string): FailureCounters;
  readonly kind: 'memory' | 'redis';
  /** The clock the stores count with. */
  readonly now: Clock;
  /**
   * The connection of the `redis` kind, so limits kept outside this module (send bookings,
   * server/sms/sendLimits.ts) live in the same place as the others.
   */
  readonly redis: Redis | undefined;
}

/**
 * An in-process store with an injected clock, so tests can move time instead of sleeping.
 * Windows are counted on the injected clock, but `resetTime` is reported on the wall clock: express-rate-limit
 * reads it against the real `Date.now()` (RateLimit and Retry-After headers, and whether a decrement is
 * still due), so it must be "now + what is left of the window".
 */
export class ClockedMemoryStore implements Store {
  readonly localKeys = true;
  private windowMs = 60_000;
  private readonly counters = new Map<string, { totalHits: number; resetAtMs: number }>();
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly prefix: string,
    private readonly now: Clock = Date.now,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
    clearInterval(this.sweepTimer);
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(this.windowMs, MIN_SWEEP_INTERVAL_MS));
    this.sweepTimer.unref();
  }

  get(key: string): ClientRateLimitInfo | undefined {
    const counter = this.live(key);
    return counter && { totalHits: counter.totalHits, resetTime: this.wallClockResetTime(counter.resetAtMs) };
  }

  increment(key: string): ClientRateLimitInfo {
    let counter = this.live(key);
    if (!counter) {
      counter = { totalHits: 0, resetAtMs: this.now() + this.windowMs };
      this.counters.set(key, counter);
    }
    counter.totalHits += 1;
    return { totalHits: counter.totalHits, resetTime: this.wallClockResetTime(counter.resetAtMs) };
  }

  decrement(key: string): void {
    const counter = this.live(key);
    if (counter && counter.totalHits > 0) counter.totalHits -= 1;
  }

  resetKey(key: string): void {
    this.counters.delete(key);
  }

  resetAll(): void {
    this.counters.clear();
  }

  shutdown(): void {
    clearInterval(this.sweepTimer);
  }

  private wallClockResetTime(resetAtMs: number): Date {
    return new Date(Date.now() + (resetAtMs - this.now()));
  }

  private live(key: string) {
    const counter = this.counters.get(key);
    if (counter && counter.resetAtMs <= this.now()) {
      this.counters.delete(key);
      return undefined;
    }
    return counter;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, counter] of this.counters) if (counter.resetAtMs <= now) this.counters.delete(key);
  }
}

export function memoryLimiterStores(now: Clock = Date.now): LimiterStoreFactory {
  return {
    kind: 'memory',
    now,
    redis: undefined,
    create: (name) => failClosed(new ClockedMemoryStore(`${name}:`, now)),
    failureCounters: (name) => memoryFailureCounters(name, now),
  };
}

export function redisLimiterStores(redis: Redis): LimiterStoreFactory {
  return {
    kind: 'redis',
    now: Date.now,
    redis,
    create(name) {
      const store = new RedisStore({
        prefix: `rl:${name}:`,
        sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply>,
      });
      return failClosed(store, () => reloadScripts(store));
    },
    failureCounters: (name) => redisFailureCounters(redis, name),
  };
}

/**
 * rate-limit-redis keeps the promise of its script SHAs: if Redis was down when they loaded, every later
 * call would fail even after Redis is back. Reload them after any failure.
 */
function reloadScripts(store: RedisStore): void {
  const increment = store.loadIncrementScript();
  const get = store.loadGetScript();
  increment.catch(() => undefined);
  get.catch(() => undefined);
  store.incrementScriptSha = increment;
  store.getScriptSha = get;
}

/** Retry-After when limits cannot be checked (limiter store down): it usually comes back within seconds. */
export const LIMITER_UNAVAILABLE_RETRY_AFTER_S = 5;

/** The answer when limits cannot be checked: the request is refused, never let through uncounted. */
export function limiterUnavailableError(): AppError {
  return new AppError(
    'rate_limiter_unavailable',
    'We cannot check request limits right now, so this request was refused. Please try again shortly.',
    { retryAfterS: LIMITER_UNAVAILABLE_RETRY_AFTER_S },
  );
}

/** Turns any store failure into a 503 `rate_limiter_unavailable`, so the request is refused, not let through. */
function failClosed(store: Store, onFailure?: () => void): Store {
  const guard = async <T>(operation: () => Promise<T> | T): Promise<T> => {
    try {
      return await operation();
    } catch {
      onFailure?.();
      throw limiterUnavailableError();
    }
  };
  return {
    prefix: store.prefix,
    localKeys: store.localKeys,
    init: (options) => store.init?.(options),
    get: store.get && ((key) => guard(() => store.get!(key))),
    increment: (key) => guard(() => store.increment(key)),
    // Decrements run after the answer was sent; a failure there must not surface anywhere.
    decrement: async (key) => {
      try {
        await store.decrement(key);
      } catch {
        onFailure?.();
      }
    },
    resetKey: (key) => guard(() => store.resetKey(key)),
    resetAll: store.resetAll && (() => guard(() => store.resetAll!())),
    shutdown: store.shutdown && (() => store.shutdown!()),
  };
}

/**
 * Failure counters with a memory of the last failure, for penalties that grow with each failure (the per-account
 * login throttle). A counter is forgotten `ttlMs` after its last failure.
 */
export interface FailureCounters {
  read(key: string): Promise<FailureCount | undefined>;
  /** Counts one more failure at `nowMs` and answers the new count. */
  add(key: string, nowMs: number, ttlMs: number): Promise<FailureCount>;
  clear(key: string): Promise<void>;
}

export interface FailureCount {
  failures: number;
  lastFailureAtMs: number;
}

function memoryFailureCounters(name: string, now: Clock): FailureCounters {
  const counters = new Map<string, FailureCount & { forgetAtMs: number }>();
  const sweep = setInterval(() => {
    const nowMs = now();
    for (const [key, counter] of counters) if (counter.forgetAtMs <= nowMs) counters.delete(key);
  }, FAILURE_SWEEP_INTERVAL_MS);
  sweep.unref();
  const live = (key: string) => {
    const counter = counters.get(`${name}:${key}`);
    return counter && counter.forgetAtMs > now() ? counter : undefined;
  };
  // In-memory twin of the Redis store: `async` keeps its contract (a throw is a rejection).
  /* eslint-disable @typescript-eslint/require-await */
  return {
    async read(key) {
      const counter = live(key);
      return counter && { failures: counter.failures, lastFailureAtMs: counter.lastFailureAtMs };
    },
    async add(key, nowMs, ttlMs) {
      const failures = (live(key)?.failures ?? 0) + 1;
      counters.set(`${name}:${key}`, { failures, lastFailureAtMs: nowMs, forgetAtMs: nowMs + ttlMs });
      return { failures, lastFailureAtMs: nowMs };
    },
    async clear(key) {
      counters.delete(`${name}:${key}`);
    },
  };
  /* eslint-enable @typescript-eslint/require-await */
}

function redisFailureCounters(redis: Redis, name: string): FailureCounters {
  const keyOf = (key: string) => `fail:${name}:${key}`;
  return {
    async read(key) {
      const [failures, lastAt] = await redis.hmget(keyOf(key), 'failures', 'last_at');
      return failures ? { failures: Number(failures), lastFailureAtMs: Number(lastAt) } : undefined;
    },
    async add(key, nowMs, ttlMs) {
      // MULTI: the count, the time and the expiry move together.
      const results = await redis
        .multi()
        .hincrby(keyOf(key), 'failures', 1)
        .hset(keyOf(key), 'last_at', nowMs)
        .pexpire(keyOf(key), ttlMs)
        .exec();
      const [error, failures] = results?.[0] ?? [new Error('transaction aborted'), 0];
      if (error) throw error;
      return { failures: Number(failures), lastFailureAtMs: nowMs };
    },
    async clear(key) {
      await redis.del(keyOf(key));
    },
  };
}
