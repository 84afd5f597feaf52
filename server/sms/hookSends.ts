/**
 * Sends for Supabase Auth's Send SMS Hook: Supabase makes the code, we deliver it through 2Factor under the same
 * rules as our own sends.
 *
 * - Once per request: the payload's uuid is taken (hookSendStore.ts) before anything is sent; a repeat answers
 *   `duplicate` and sends nothing. A uuid is given back when we know nothing went out, so Supabase's retry may send.
 * - The same booking as our sends (sendLimits.ts): the phone's growing cooldown and daily cap, and the daily
 *   budget; the same provider, ceiling and circuit breaker (the resolver's guard). Supabase limits per user and per
 *   project before it calls us; per-user-of-ours caps do not apply (the user is Supabase's).
 * - Delivery: `autogen` mode texts the code with 2Factor's custom OTP route and the OTP template, which takes 4–6
 *   digits. A longer code (Supabase's OTP length 7–10) is refused before any booking with a message telling the
 *   admin to set Supabase's OTP length to 6: 2Factor's OTP template would not carry it, and silently switching to
 *   TSMS would need a DLT template the admin never chose. `template` mode texts it by TSMS with VAR1 = the code,
 *   any length.
 * - The provider step of our sends (providerCalls.ts): one otp_logs row per provider call, and the booking (with
 *   the uuid) given back only when nothing went out. Rows have origin `supabase_hook` and user_id = the Supabase
 *   user's id (what auth.uid() returns for them). The code is never stored, logged or put in an error.
 * - Supabase gives the whole hook about 5 s: the provider call gets at most `providerTimeoutMs`.
 */
import type { Logger } from 'pino';
import { maskPhone } from '../../common/phone.js';
import {
  SUPABASE_SMS_HOOK_PATH,
  type SupabaseHookResult,
  type SupabaseHookView,
} from '../../common/api/supabaseHook.js';
import { AppError } from '../http/appError.js';
import { LIMITER_UNAVAILABLE_RETRY_AFTER_S } from '../http/limiterStores.js';
import { createWorkTracker } from '../lifecycle.js';
import type { HookSendStore } from './hookSendStore.js';
import type { OtpLogWriter } from './otpLogWriter.js';
import { toIndianMobile } from './phone.js';
import { createProviderCalls } from './providerCalls.js';
import { providerRetryAfterS } from './providerFailure.js';
import { ProviderNotConfiguredError, type ProviderResolver } from '../providers/providerResolver.js';
import type { Booking } from './sendBookings.js';
import type { SendLimits } from './sendLimits.js';
import type { EffectiveSmsSettings } from './smsSettings.js';
import { GIVEN_OTP_PATTERN, ProviderError, type ProviderCallResult } from '../providers/smsProvider.js';

export interface HookSendRequest {
  /** Supabase's id of this request (metadata.uuid); the same on its retries. */
  requestId: string;
  /** The Supabase Auth user (auth.users.id). */
  userId: string;
  /** As Supabase sends it: digits with the country code, usually without `+`. */
  phone: string;
  otp: string;
  smsType: string | undefined;
}

/** How a hook call ended. `answer` is what Supabase is told: 200 with a body, or 503 with Retry-After. */
export type HookSendOutcome =
  | { result: 'sent' | 'duplicate'; status: 200 }
  | { result: SupabaseHookResult; status: 200; error: { httpCode: number; message: string } }
  | { result: SupabaseHookResult; status: 503; retryAfterS: number; message: string };

export interface HookSendsDeps {
  store: HookSendStore;
  limits: SendLimits;
  providers: ProviderResolver<EffectiveSmsSettings>;
  logs: OtpLogWriter;
  /** The provider call's limit for hook sends (at most 4 s: Supabase waits about 5 s for the whole hook). */
  providerTimeoutMs: number;
  now: () => number;
  logger: Logger;
  /** For the admin view: how many secrets are configured (0: the hook is off) and PUBLIC_URL. */
  secretCount: number;
  publicUrl: string | undefined;
}

/** Supabase retries within seconds; a day is far past any retry. */
export const HOOK_UUID_TTL_MS = 86_400_000;

const MESSAGES = {
  invalidPhone: 'This phone number cannot receive SMS codes. Please use an Indian mobile number.',
  notConfigured: 'SMS sending is not set up yet. Please try again later.',
  otpTooLong:
    "2Factor's OTP route takes codes of 4 to 6 digits: set Supabase's SMS OTP length to 6 (Authentication → Sign In / Providers → Phone), or switch SMS mode to template.",
  rejected: 'We could not send the code right now. Please try again later.',
  unavailable: 'The SMS service is not responding. Please try again in a minute.',
  limiterUnavailable: 'We cannot check SMS limits right now. Please try again shortly.',
} as const;

export type HookSends = ReturnType<typeof createHookSends>;

export function createHookSends(deps: HookSendsDeps) {
  const { store, limits, logger } = deps;
  const { call: callProvider } = createProviderCalls({ logs: deps.logs, now: deps.now });

  const refused = (result: SupabaseHookResult, httpCode: number, message: string): HookSendOutcome => ({
    result,
    status: 200,
    error: { httpCode, message },
  });
  const retryLater = (result: SupabaseHookResult, retryAfterS: number, message: string): HookSendOutcome => ({
    result,
    status: 503,
    retryAfterS,
    message,
  });

  async function send(request: HookSendRequest): Promise<HookSendOutcome> {
    let phone: string;
    try {
      phone = toIndianMobile(request.phone.startsWith('+') ? request.phone : `+${request.phone}`);
    } catch (error) {
      if (error instanceof AppError && error.code === 'invalid_phone')
        return refused('invalid_phone', 400, MESSAGES.invalidPhone);
      throw error;
    }

    let resolved;
    try {
      resolved = await deps.providers.resolve();
    } catch (error) {
      if (error instanceof ProviderNotConfiguredError) {
        logger.error('Supabase SMS hook: no 2Factor API key is set, so no code can be sent');
        return refused('provider_error', 500, MESSAGES.notConfigured);
      }
      throw error;
    }
    const { provider, settings } = resolved;
    if (settings.mode === 'autogen' && !GIVEN_OTP_PATTERN.test(request.otp)) {
      logger.error(
        { otpLength: request.otp.length },
        "Supabase SMS hook: the code is longer than 2Factor's OTP route takes; set Supabase's OTP length to 6",
      );
      return refused('otp_length_unsupported', 500, MESSAGES.otpTooLong);
    }

    let claimed: boolean;
    try {
      claimed = await store.claim(request.requestId, HOOK_UUID_TTL_MS);
    } catch (error) {
      logger.warn({ err: error }, 'Supabase SMS hook: the request id could not be checked; refused');
      return retryLater('limiter_unavailable', LIMITER_UNAVAILABLE_RETRY_AFTER_S, MESSAGES.limiterUnavailable);
    }
    if (!claimed) {
      logger.info(
        { requestId: request.requestId },
        'Supabase SMS hook: a repeat of a request already handled; nothing sent',
      );
      return { result: 'duplicate', status: 200 };
    }
    const giveBackClaim = () =>
      store
        .release(request.requestId)
        .catch((error: unknown) =>
          logger.warn({ err: error }, 'Supabase SMS hook: a request id could not be given back'),
        );

    let booking: Booking;
    try {
      booking = await limits.book({ phone, spendsBudget: true });
    } catch (error) {
      await giveBackClaim();
      if (!(error instanceof AppError)) throw error;
      if (error.code === 'rate_limited') return refused('rate_limited', 429, error.message);
      if (error.code === 'sms_budget_exhausted') return refused('budget_exhausted', 429, error.message);
      if (error.code === 'rate_limiter_unavailable')
        return retryLater('limiter_unavailable', LIMITER_UNAVAILABLE_RETRY_AFTER_S, MESSAGES.limiterUnavailable);
      throw error;
    }

    const type = settings.mode === 'template' ? ('template' as const) : ('autogen' as const);
    const callOptions = { timeoutMs: deps.providerTimeoutMs };
    const call = (): Promise<ProviderCallResult<{ providerSessionId: string }>> =>
      type === 'template'
        ? provider.sendTemplateSms(
            { from: settings.senderId, to: phone, templateName: settings.templateName, variables: [request.otp] },
            callOptions,
          )
        : provider.sendGivenOtp(
            { phone, otp: request.otp, ...(settings.templateName ? { templateName: settings.templateName } : {}) },
            callOptions,
          );
    const row = { type, origin: 'supabase_hook' as const, userId: request.userId, phone, sessionId: null };

    try {
      // The provider's error comes back as it is: Supabase's answer is made from it below.
      await callProvider(call, row, () => 'sent', {
        giveBack: () => Promise.all([limits.release(booking), giveBackClaim()]),
        failed: (error) => error,
      });
      logger.info({ phone: maskPhone(phone), smsType: request.smsType, type }, 'Supabase SMS hook: code sent');
      return { result: 'sent', status: 200 };
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      logger.warn(
        { kind: error.kind, details: error.details, phone: maskPhone(phone) },
        'Supabase SMS hook: provider call failed',
      );
      if (error.kind === 'rejected') return refused('provider_error', 502, MESSAGES.rejected);
      return retryLater('provider_unavailable', providerRetryAfterS(error), MESSAGES.unavailable);
    }
  }

  const work = createWorkTracker();
  return {
    send: work.track(send),
    /** Settings → SMS & OTP: on or off, the URL to paste into Supabase, the last call of any instance. */
    async view(): Promise<SupabaseHookView> {
      const last = await store.lastCall().catch((error: unknown) => {
        logger.warn({ err: error }, 'Supabase SMS hook: the last call could not be read');
        return undefined;
      });
      return {
        enabled: deps.secretCount > 0,
        url: deps.publicUrl ? `${deps.publicUrl}${SUPABASE_SMS_HOOK_PATH}` : null,
        secrets: deps.secretCount,
        last_call: last
          ? {
              at: new Date(last.atMs).toISOString(),
              result: last.result as SupabaseHookResult,
              http_status: last.httpStatus,
            }
          : null,
      };
    },
    recordCall: (call: { result: SupabaseHookResult; httpStatus: number }) =>
      store
        .recordCall({ atMs: deps.now(), ...call })
        .catch((error: unknown) =>
          logger.warn({ err: error }, 'Supabase SMS hook: the last call could not be recorded'),
        ),
    /** Refuses new sends (503 shutting_down) and resolves once those in progress have finished. */
    stop: () => work.close(),
  };
}
