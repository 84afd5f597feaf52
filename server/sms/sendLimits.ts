/**
 * The send limits as the OTP service uses them: books a send in the store (sendBookings.ts) or answers why not,
 * in the API's terms: 429 `rate_limited` (phone cooldown, phone's daily cap, user's hourly cap) or 503
 * `sms_budget_exhausted`, with `Retry-After`, `retry_after_s` and an IETF `RateLimit` header naming the limit.
 * The store failing refuses the send (503 `rate_limiter_unavailable`): limits fail closed.
 */
import type { Logger } from 'pino';
import { AppError, retryAfterSeconds } from '../http/appError.js';
import { limiterUnavailableError, type LimiterStoreFactory } from '../http/limiterStores.js';
import {
  memorySendBookings,
  nextIstMidnightMs,
  type Booking,
  type BookingRequest,
  type SendBookingPolicy,
  type SendBookingStore,
  type SendLimit,
} from './sendBookings.js';
import { redisSendBookings } from './sendBookingsRedis.js';

/** Send bookings kept where the other limits are: in their Redis, or in memory on their clock. */
export function sendBookingStore(
  stores: Pick<LimiterStoreFactory, 'redis' | 'now'>,
  policy: SendBookingPolicy,
): SendBookingStore {
  return stores.redis ? redisSendBookings(stores.redis, policy) : memorySendBookings(policy, { now: stores.now });
}

export interface SmsUsage {
  sentToday: number;
  dailyBudget: number;
  /** When today's count starts over (midnight IST). */
  resetsAt: Date;
}

export interface SendLimits {
  /** Books a send, or throws the refusal. */
  book(request: Omit<BookingRequest, 'nowMs'>): Promise<Booking>;
  /** Gives a booking back because no SMS went out. Never throws: a booking that stays only errs on the safe side. */
  release(booking: Booking): Promise<void>;
  /** The owner verified a code for `phone`. Never throws. */
  verified(phone: string): Promise<void>;
  usage(): Promise<SmsUsage>;
}

const REFUSALS: Record<SendLimit, { name: string; message: string }> = {
  phone_cooldown: {
    name: 'sms-send-phone-cooldown',
    message: 'A code was just sent to this number. Please wait before requesting another.',
  },
  phone_daily_cap: {
    name: 'sms-send-phone-day',
    message: 'Too many codes were sent to this number today. Please try again tomorrow.',
  },
  user_hourly_cap: {
    name: 'sms-send-user-hour',
    message: 'You have sent too many messages this hour. Please wait before sending more.',
  },
  daily_budget: {
    name: 'sms-daily-budget',
    message: 'We cannot send more text messages today. Please try again later.',
  },
};

export interface SendLimitsDeps {
  store: SendBookingStore;
  dailyBudget: number;
  now: () => number;
  logger: Logger;
  /** Told the name of each limit that refused a send (as in the RateLimit header), for the metrics. */
  onRefused?: (limitName: string) => void;
}

export function createSendLimits(deps: SendLimitsDeps): SendLimits {
  const { store, now, logger } = deps;

  const refusal = (limit: SendLimit, retryAfterMs: number): AppError => {
    const retryAfterS = retryAfterSeconds(retryAfterMs);
    const { name, message } = REFUSALS[limit];
    deps.onRefused?.(name);
    const code = limit === 'daily_budget' ? 'sms_budget_exhausted' : 'rate_limited';
    return new AppError(code, message, { retryAfterS, headers: { RateLimit: `"${name}"; r=0; t=${retryAfterS}` } });
  };

  return {
    async book(request) {
      let answer;
      try {
        answer = await store.book({ ...request, nowMs: now() });
      } catch (error) {
        logger.warn({ err: error }, 'send limits could not be checked; send refused');
        throw limiterUnavailableError();
      }
      if (!answer.granted) throw refusal(answer.limit, answer.retryAfterMs);
      return answer.booking;
    },

    async release(booking) {
      await store
        .release(booking)
        .catch((error: unknown) => logger.warn({ err: error }, 'a send booking could not be given back'));
    },

    async verified(phone) {
      await store
        .resetGrowth(phone, now())
        .catch((error: unknown) => logger.warn({ err: error }, 'the resend cooldown could not be reset'));
    },

    async usage() {
      const nowMs = now();
      return {
        sentToday: await store.budgetUsed(nowMs),
        dailyBudget: deps.dailyBudget,
        resetsAt: new Date(nextIstMidnightMs(nowMs)),
      };
    },
  };
}
