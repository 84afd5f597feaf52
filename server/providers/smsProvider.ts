/**
 * The port the OTP service talks to: shaped by what we need, not by 2Factor's API.
 * The 2Factor implementation lives in server/providers/twoFactor/; no 2Factor type or URL leaves that folder.
 *
 * Every call resolves with how long the provider took and its raw answer text (`details`, for the admin
 * logs), or rejects with a ProviderError carrying the same two facts, so every call can be logged.
 */

import type { BalanceAccount } from '../../common/api/sms.js';

/** What the provider said about a code. `session_not_found`: it has no such session (unknown or purged). */
export type VerifyOutcome = 'matched' | 'mismatch' | 'expired' | 'session_not_found';

export interface ProviderCallResult<T> {
  value: T;
  responseTimeMs: number;
  /** The provider's raw answer text (2Factor's `Details`), API key redacted. Shown to admins only. */
  details: string;
}

/** Per-call options: a caller with a deadline of its own (Supabase's hook) can shorten the provider timeout. */
export interface ProviderCallOptions {
  /** At most this long for the call; the client's own timeout still applies when it is shorter. */
  timeoutMs?: number;
}

/** The code lengths a provider-texted code we were given may have (2Factor's custom OTP). */
export const GIVEN_OTP_PATTERN = /^[0-9]{4,6}$/;

export interface SmsOtpProvider {
  /** The provider generates a code and texts it (2Factor AUTOGEN). Never retried: one call, at most one SMS. */
  sendOtp(input: { phone: string; templateName?: string }): Promise<ProviderCallResult<{ providerSessionId: string }>>;
  /**
   * Texts a code we were given, 4–6 digits (GIVEN_OTP_PATTERN; 2Factor's custom OTP), with the provider's OTP
   * template. Never retried. The code is never part of `details` or of an error.
   */
  sendGivenOtp(
    input: { phone: string; otp: string; templateName?: string },
    options?: ProviderCallOptions,
  ): Promise<ProviderCallResult<{ providerSessionId: string }>>;
  /** Checks a code against the provider's session (2Factor VERIFY). */
  verifyOtp(input: { providerSessionId: string; otp: string }): Promise<ProviderCallResult<{ outcome: VerifyOutcome }>>;
  /** A transactional SMS from an approved DLT template (2Factor TSMS). Success means queued, not delivered. */
  sendTemplateSms(
    input: {
      from: string;
      to: string;
      templateName: string;
      variables: readonly string[];
    },
    options?: ProviderCallOptions,
  ): Promise<ProviderCallResult<{ providerSessionId: string }>>;
  /**
   * Remaining credits of one account (default `otp_sms`, what AUTOGEN sends spend); also how a key is tested
   * without sending anything.
   */
  getBalance(account?: BalanceAccount): Promise<ProviderCallResult<{ balance: string }>>;
}

/**
 * - `rejected`: the provider answered and refused (bad key, template not mapped, bad number…): 502 provider_error.
 * - `unavailable`: no usable answer (timeout, refused connection, 5xx, unreadable body, circuit open): 503.
 * - `busy`: we held the call back to stay under the provider's request-rate ceiling: 503 provider_busy.
 */
export type ProviderFailureKind = 'rejected' | 'unavailable' | 'busy';

export class ProviderError extends Error {
  /** False when we held the call back (open circuit, rate ceiling): nothing reached the provider, nothing to log. */
  readonly called: boolean;
  /** For `busy`: when a rate slot frees up. */
  readonly retryAfterMs: number | undefined;

  constructor(
    readonly kind: ProviderFailureKind,
    message: string,
    readonly details: string,
    readonly responseTimeMs: number,
    options: { cause?: unknown; called?: boolean; retryAfterMs?: number } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ProviderError';
    this.called = options.called ?? true;
    this.retryAfterMs = options.retryAfterMs;
  }
}
