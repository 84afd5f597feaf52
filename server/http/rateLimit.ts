import type { Request } from 'express';
import { ipKeyGenerator, rateLimit, type RateLimitInfo, type RateLimitRequestHandler } from 'express-rate-limit';
import { AppError, retryAfterSeconds } from './appError.js';
import type { LimiterStoreFactory } from './limiterStores.js';

export interface LimiterOptions {
  /** Names the counter (store prefix) and the IETF `RateLimit-Policy` entry. */
  name: string;
  windowMs: number;
  limit: number;
  /** What to count by; `undefined` means this limiter does not apply to the request. */
  key: (req: Request) => string | undefined;
  /** Shown to the user when the limit is reached; the wait is added by the client from retry_after_s. */
  message: string;
  /**
   * Which answers count: `all` (default; a client that hangs up still counts) or `failures` (wrong passwords;
   * an answer that never finished counts as a failure).
   */
  count?: 'all' | 'failures';
  stores: LimiterStoreFactory;
  /** Told the limiter's name each time it refuses a request (metrics). */
  onRefused?: (name: string) => void;
}

/**
 * express-rate-limit with our conventions: IETF draft-8 `RateLimit`/`RateLimit-Policy` headers, a
 * `Retry-After` header, and a 429 `rate_limited` JSON answer carrying `retry_after_s`.
 */
export function createLimiter(options: LimiterOptions): RateLimitRequestHandler {
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: options.name,
    store: options.stores.create(options.name),
    skip: (req) => options.key(req) === undefined,
    keyGenerator: (req) => options.key(req) ?? '',
    skipSuccessfulRequests: options.count === 'failures',
    handler: (req, _res, next) => {
      options.onRefused?.(options.name);
      const resetTime = (req as Request & { rateLimit?: RateLimitInfo }).rateLimit?.resetTime;
      // Stores report resetTime on the wall clock, as express-rate-limit (and its Retry-After header) reads it.
      const retryAfterS = retryAfterSeconds(resetTime ? resetTime.getTime() - Date.now() : options.windowMs);
      // The error handler writes Retry-After from the same number, over the one express-rate-limit set.
      next(new AppError('rate_limited', options.message, { retryAfterS }));
    },
  });
}

/** The client's address as Express sees it (TRUST_PROXY decides), IPv6 grouped by /56 as express-rate-limit advises. */
export function clientIpKey(req: Request): string {
  return ipKeyGenerator(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}
