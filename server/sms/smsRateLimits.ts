/**
 * The per-IP limits in front of the SMS routes (express-rate-limit; counters in the limiter store: memory, or
 * Redis shared by every instance). They run before anything else, so a client they refuse cannot touch a
 * phone's limits. Every request counts, answered or not: a client that hangs up gets nothing back.
 *
 * sendOtp, sendTemplate: `sendsPerIpPerMinute` per client IP.
 * verifyOtp: `verifiesPerIpPerMinute` per client IP (each session also dies after its wrong-code cap).
 *
 * The limits that cost money (per phone, per user, the daily budget) are booked by the OTP service itself,
 * before the provider call (sendLimits.ts).
 */
import type { RequestHandler } from 'express';
import type { SmsConfig } from '../config.js';
import type { LimiterStoreFactory } from '../http/limiterStores.js';
import { clientIpKey, createLimiter } from '../http/rateLimit.js';

export interface SmsLimits {
  sendOtp: RequestHandler[];
  verifyOtp: RequestHandler[];
  sendTemplate: RequestHandler[];
}

type LimitSettings = Pick<SmsConfig, 'sendsPerIpPerMinute' | 'verifiesPerIpPerMinute'>;

const MINUTE_MS = 60_000;

/** `onRefused` is told the limiter's name at each refusal (metrics). */
export function createSmsLimits(
  settings: LimitSettings,
  stores: LimiterStoreFactory,
  onRefused?: (name: string) => void,
): SmsLimits {
  return {
    sendOtp: [
      createLimiter({
        name: 'sms-send-ip',
        windowMs: MINUTE_MS,
        limit: settings.sendsPerIpPerMinute,
        key: clientIpKey,
        message: 'Too many codes requested from your network. Please wait before trying again.',
        stores,
        onRefused,
      }),
    ],
    verifyOtp: [
      createLimiter({
        name: 'sms-verify-ip',
        windowMs: MINUTE_MS,
        limit: settings.verifiesPerIpPerMinute,
        key: clientIpKey,
        message: 'Too many code checks from your network. Please wait before trying again.',
        stores,
        onRefused,
      }),
    ],
    sendTemplate: [
      createLimiter({
        name: 'sms-template-ip',
        windowMs: MINUTE_MS,
        limit: settings.sendsPerIpPerMinute,
        key: clientIpKey,
        message: 'Too many messages sent from your network. Please wait before trying again.',
        stores,
        onRefused,
      }),
    ],
  };
}
