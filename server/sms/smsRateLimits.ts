/**
 * The abuse limits in front of the SMS routes (SMS pumping, brute force). A refused request never reaches
 * the provider. Counters live in the limiter store (memory, or Redis shared by every instance).
 *
 * sendOtp:   per client IP `sendsPerIpPerMinute`; per phone one send per `resendCooldownSeconds` and
 *            `maxSendsPerHour`; per signed-in user `maxSendsPerHour`. Phone and user counters count only
 *            sends that succeeded, so a provider outage does not lock people out.
 * verifyOtp: per client IP `verifiesPerIpPerMinute` (each session also dies after its wrong-code cap).
 * sendTemplate: per client IP as sendOtp, per signed-in user `maxSendsPerHour`.
 */
import type { Request, RequestHandler } from 'express';
import type { SmsConfig } from '../config.js';
import type { LimiterStoreFactory } from '../http/limiterStores.js';
import { clientIpKey, createLimiter } from '../http/rateLimit.js';

export interface SmsLimits {
  sendOtp: RequestHandler[];
  verifyOtp: RequestHandler[];
  sendTemplate: RequestHandler[];
}

type LimitSettings = Pick<SmsConfig, 'sendsPerIpPerMinute' | 'resendCooldownSeconds' | 'maxSendsPerHour' | 'verifiesPerIpPerMinute'>;

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** The phone of an already validated body (`phone` for OTPs, `to` for template SMS). */
const phoneKey = (field: 'phone' | 'to') => (req: Request) => {
  const value: unknown = (req.body as Record<string, unknown> | undefined)?.[field];
  return typeof value === 'string' ? value.trim() : undefined;
};
const userKey = (req: Request) => req.user?.id;

export function createSmsLimits(settings: LimitSettings, stores: LimiterStoreFactory): SmsLimits {
  const sendsPerIp = createLimiter({
    name: 'sms-send-ip',
    windowMs: MINUTE_MS,
    limit: settings.sendsPerIpPerMinute,
    key: clientIpKey,
    message: 'Too many codes requested from your network. Please wait before trying again.',
    stores,
  });
  const sendsPerUser = (name: string) =>
    createLimiter({
      name,
      windowMs: HOUR_MS,
      limit: settings.maxSendsPerHour,
      key: userKey,
      count: 'successes',
      message: 'You have sent too many messages this hour. Please wait before sending more.',
      stores,
    });

  return {
    sendOtp: [
      sendsPerIp,
      createLimiter({
        name: 'sms-send-phone-cooldown',
        windowMs: settings.resendCooldownSeconds * 1000,
        limit: 1,
        key: phoneKey('phone'),
        count: 'successes',
        message: 'A code was just sent to this number. Please wait before requesting another.',
        stores,
      }),
      createLimiter({
        name: 'sms-send-phone-hour',
        windowMs: HOUR_MS,
        limit: settings.maxSendsPerHour,
        key: phoneKey('phone'),
        count: 'successes',
        message: 'Too many codes were sent to this number this hour. Please try again later.',
        stores,
      }),
      sendsPerUser('sms-send-user-hour'),
    ],
    verifyOtp: [
      createLimiter({
        name: 'sms-verify-ip',
        windowMs: MINUTE_MS,
        limit: settings.verifiesPerIpPerMinute,
        key: clientIpKey,
        message: 'Too many code checks from your network. Please wait before trying again.',
        stores,
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
      }),
      sendsPerUser('sms-template-user-hour'),
    ],
  };
}
