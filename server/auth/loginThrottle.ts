/**
 * The per-account login throttle, next to the per-IP limit: failed passwords for one account slow further tries
 * down, from any number of addresses, so a botnet or a forged X-Forwarded-For gains nothing.
 *
 * - The first FREE_FAILURES failures cost nothing (typos).
 * - Each further failure makes the next try wait: 1 s, 2 s, 4 s, … up to MAX_DELAY_MS (30 s). An attacker gets at
 *   most one guess per 30 s per account (about 2 900 a day), whatever their addresses.
 * - A correct password clears the count; failures are forgotten FORGET_AFTER_MS after the last one.
 * - A stranger can make the account's untrusted tries wait at most 30 s at a time, never lock it: the owner's
 *   devices that logged in before (trustedDevice.ts) are counted on their own and are not slowed down by anyone
 *   else's failures.
 * Counted by the email as typed (lower-cased), known or not, so the throttle says nothing about who has an account.
 */
import { AppError } from '../http/appError.js';
import type { FailureCounters } from '../http/limiterStores.js';

export const FREE_FAILURES = 5;
export const FIRST_DELAY_MS = 1_000;
export const MAX_DELAY_MS = 30_000;
export const FORGET_AFTER_MS = 15 * 60_000;

export interface LoginThrottle {
  /** Throws 429 `rate_limited` while `key` must wait. */
  check(key: string): Promise<void>;
  failed(key: string): Promise<void>;
  succeeded(key: string): Promise<void>;
}

/** How long the next try waits after `failures` failures in a row. */
export function delayAfter(failures: number): number {
  if (failures < FREE_FAILURES) return 0;
  return Math.min(FIRST_DELAY_MS * 2 ** (failures - FREE_FAILURES), MAX_DELAY_MS);
}

export function createLoginThrottle(counters: FailureCounters, now: () => number): LoginThrottle {
  return {
    async check(key) {
      const count = await counters.read(key);
      if (!count) return;
      const waitMs = count.lastFailureAtMs + delayAfter(count.failures) - now();
      if (waitMs <= 0) return;
      const retryAfterS = Math.ceil(waitMs / 1000);
      throw new AppError(
        'rate_limited',
        'Too many wrong passwords for this account. Please wait a moment before trying again.',
        { retryAfterS, headers: { RateLimit: `"login-account"; r=0; t=${retryAfterS}` } },
      );
    },
    async failed(key) {
      await counters.add(key, now(), FORGET_AFTER_MS);
    },
    async succeeded(key) {
      await counters.clear(key);
    },
  };
}
