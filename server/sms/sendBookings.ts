/**
 * Send bookings: the right to send one SMS, taken atomically in the limiter store *before* the provider call.
 *
 * A booking takes, all at once or not at all:
 * - the phone's cooldown: the next send to that phone must wait `cooldownBaseMs`, doubled for each send the owner
 *   has not verified since, up to `cooldownMaxMs` (30 s, 1 min, 2 min, … 10 min by default); a verified code or an
 *   hour without sends starts the growth over;
 * - one of the phone's `phoneDailyCap` sends of the day;
 * - one of the signed-in user's `userHourlyCap` sends in any sliding hour (admin test and template sends);
 * - one SMS of the `dailyBudget` shared by every instance (skipped for answers that send nothing, which only
 *   check that the budget is not spent).
 * Days are Indian Standard Time days: caps and the budget start over at midnight IST.
 *
 * A booking is given back (`release`) only when we know no SMS went out. It is never given back because the
 * client went away: the limits do not depend on anyone waiting for the answer.
 *
 * Two twins behind one port: in memory (one instance, `now` injected) and in Redis (sendBookingsRedis.ts, one Lua
 * script per operation, shared by every instance). Both take `nowMs` from the caller, so they agree with the app's
 * clock and tests can move time on either.
 */
import { randomUUID } from 'node:crypto';

export type SendLimit = 'phone_cooldown' | 'phone_daily_cap' | 'user_hourly_cap' | 'daily_budget';

export interface SendBookingPolicy {
  cooldownBaseMs: number;
  cooldownMaxMs: number;
  phoneDailyCap: number;
  userHourlyCap: number;
  dailyBudget: number;
}

export interface BookingRequest {
  /** Books the phone's cooldown and daily cap. */
  phone?: string | undefined;
  /** Books the user's hourly cap. */
  userId?: string | undefined;
  /** False for an answer that sends nothing (a login code for a number nobody owns): it only checks the budget. */
  spendsBudget: boolean;
  nowMs: number;
}

export interface Booking {
  id: string;
  phone: string | undefined;
  userId: string | undefined;
  spendsBudget: boolean;
  day: number;
  /** How long the phone now waits before its next send (0 without a phone). */
  cooldownMs: number;
}

export type BookingAnswer =
  { granted: true; booking: Booking } | { granted: false; limit: SendLimit; retryAfterMs: number };

export interface SendBookingStore {
  book(request: BookingRequest): Promise<BookingAnswer>;
  /** Gives a booking back: no SMS went out. A phone booked again since keeps its newer state. */
  release(booking: Booking): Promise<void>;
  /** The owner verified a code: the phone's cooldown growth starts over. */
  resetGrowth(phone: string, nowMs: number): Promise<void>;
  /** SMS booked against the budget on the IST day of `nowMs`. */
  budgetUsed(nowMs: number): Promise<number>;
}

export const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** How often the in-memory store forgets phones, users and days no limit looks at any more. */
const SWEEP_EVERY_MS = 60_000;
/** India has one time zone and no daylight saving: UTC+05:30. */
const IST_OFFSET_MS = 19_800_000;
/** The cooldown growth starts over after this long without a send to the phone. */
export const GROWTH_RESET_AFTER_MS = 60 * 60_000;

/** The IST day number of an instant (days since 1970-01-01 in India). */
export function istDay(nowMs: number): number {
  return Math.floor((nowMs + IST_OFFSET_MS) / DAY_MS);
}

/** The instant the IST day after `nowMs` starts. */
export function nextIstMidnightMs(nowMs: number): number {
  return (istDay(nowMs) + 1) * DAY_MS - IST_OFFSET_MS;
}

/** The cooldown after the `streak`-th unverified send in a row (1 = the first). */
export function cooldownAfter(
  streak: number,
  policy: Pick<SendBookingPolicy, 'cooldownBaseMs' | 'cooldownMaxMs'>,
): number {
  return Math.min(policy.cooldownBaseMs * 2 ** Math.max(0, streak - 1), policy.cooldownMaxMs);
}

interface PhoneState {
  nextAtMs: number;
  streak: number;
  lastAtMs: number;
  day: number;
  dayCount: number;
  /** The booking that last changed this state, and the state before it (to give it back). */
  bookingId: string | undefined;
  previous: { nextAtMs: number; streak: number; lastAtMs: number } | undefined;
}

/**
 * The in-memory twin. Entries are dropped once nothing in them can matter any more (cooldown over and the day
 * passed, no user send within the hour, budgets of earlier days), so memory follows the traffic of the last day.
 */
export function memorySendBookings(
  policy: SendBookingPolicy,
  options: { sweepEveryMs?: number; now?: () => number } = {},
): SendBookingStore & {
  /** Entries held, for tests of the sweep. */
  size(): number;
  close(): void;
} {
  const phones = new Map<string, PhoneState>();
  const users = new Map<string, Array<{ id: string; atMs: number }>>();
  const budget = new Map<number, number>();
  const now = options.now ?? Date.now;

  const sweep = () => {
    const nowMs = now();
    const today = istDay(nowMs);
    for (const [phone, state] of phones) {
      if (
        state.nextAtMs <= nowMs &&
        (state.day !== today || state.dayCount === 0) &&
        nowMs - state.lastAtMs >= GROWTH_RESET_AFTER_MS
      )
        phones.delete(phone);
    }
    for (const [userId, sends] of users) {
      if (sends.every((send) => send.atMs <= nowMs - HOUR_MS)) users.delete(userId);
    }
    for (const day of budget.keys()) if (day < today) budget.delete(day);
  };
  const sweepTimer = setInterval(sweep, options.sweepEveryMs ?? SWEEP_EVERY_MS);
  sweepTimer.unref();

  const liveUserSends = (userId: string, nowMs: number) => {
    const sends = (users.get(userId) ?? []).filter((send) => send.atMs > nowMs - HOUR_MS);
    users.set(userId, sends);
    return sends;
  };

  // In-memory twin of the Redis bookings: `async` keeps their contract (a throw is a rejection).
  /* eslint-disable @typescript-eslint/require-await */
  return {
    async book({ phone, userId, spendsBudget, nowMs }) {
      const day = istDay(nowMs);
      const untilMidnight = nextIstMidnightMs(nowMs) - nowMs;
      if ((budget.get(day) ?? 0) >= policy.dailyBudget)
        return { granted: false, limit: 'daily_budget', retryAfterMs: untilMidnight };

      let state: PhoneState | undefined;
      let streak = 0;
      let dayCount = 0;
      if (phone !== undefined) {
        state = phones.get(phone);
        streak = state && nowMs - state.lastAtMs < GROWTH_RESET_AFTER_MS ? state.streak : 0;
        dayCount = state && state.day === day ? state.dayCount : 0;
        if (state && state.nextAtMs > nowMs)
          return { granted: false, limit: 'phone_cooldown', retryAfterMs: state.nextAtMs - nowMs };
        if (dayCount >= policy.phoneDailyCap)
          return { granted: false, limit: 'phone_daily_cap', retryAfterMs: untilMidnight };
      }
      let userSends: Array<{ id: string; atMs: number }> | undefined;
      if (userId !== undefined) {
        userSends = liveUserSends(userId, nowMs);
        if (userSends.length >= policy.userHourlyCap) {
          return { granted: false, limit: 'user_hourly_cap', retryAfterMs: userSends[0]!.atMs + HOUR_MS - nowMs };
        }
      }

      const cooldownMs = phone === undefined ? 0 : cooldownAfter(streak + 1, policy);
      const booking: Booking = { id: randomUUID(), phone, userId, spendsBudget, day, cooldownMs };
      if (phone !== undefined) {
        phones.set(phone, {
          nextAtMs: nowMs + cooldownMs,
          streak: streak + 1,
          lastAtMs: nowMs,
          day,
          dayCount: dayCount + 1,
          bookingId: booking.id,
          previous: state && { nextAtMs: state.nextAtMs, streak, lastAtMs: state.lastAtMs },
        });
      }
      userSends?.push({ id: booking.id, atMs: nowMs });
      if (spendsBudget) budget.set(day, (budget.get(day) ?? 0) + 1);
      return { granted: true, booking };
    },

    async release(booking) {
      const state = booking.phone === undefined ? undefined : phones.get(booking.phone);
      if (state && state.bookingId === booking.id) {
        const previous = state.previous ?? { nextAtMs: 0, streak: 0, lastAtMs: 0 };
        Object.assign(state, previous, { bookingId: undefined, previous: undefined });
        if (state.day === booking.day && state.dayCount > 0) state.dayCount -= 1;
      }
      if (booking.userId !== undefined) {
        const sends = users.get(booking.userId);
        if (sends)
          users.set(
            booking.userId,
            sends.filter((send) => send.id !== booking.id),
          );
      }
      if (booking.spendsBudget) {
        const used = budget.get(booking.day) ?? 0;
        if (used > 0) budget.set(booking.day, used - 1);
      }
    },

    async resetGrowth(phone) {
      const state = phones.get(phone);
      if (!state) return;
      state.streak = 0;
      state.nextAtMs = Math.min(state.nextAtMs, state.lastAtMs + policy.cooldownBaseMs);
    },

    async budgetUsed(nowMs) {
      return budget.get(istDay(nowMs)) ?? 0;
    },

    size: () => phones.size + users.size + budget.size,
    close: () => clearInterval(sweepTimer),
  };
  /* eslint-enable @typescript-eslint/require-await */
}
