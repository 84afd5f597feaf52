/**
 * The one mapping of a failed provider call to the error its caller answers with, and the Retry-After it carries:
 * a refusal is final, a busy provider or one that does not answer is worth retrying later.
 */
import { AppError, retryAfterSeconds } from '../http/appError.js';
import type { ProviderError } from '../providers/smsProvider.js';

/** Who asked: provider failures tell admins 2Factor's own words; end users get neutral ones. */
export type Audience = 'public' | 'admin';

const MESSAGES = {
  rejected: 'We could not send or check the code right now. Please try again later.',
  unavailable: 'The SMS service is not responding. Please try again in a minute.',
  busy: 'We are sending a lot of messages right now. Please try again in a moment.',
} as const;

/**
 * Retry-After when 2Factor does not answer (or the circuit is open): twice the breaker's 15 s pause, so a client
 * that waits it out finds the trial call decided (the open circuit's remaining pause is not known here).
 */
const PROVIDER_UNAVAILABLE_RETRY_AFTER_S = 30;
/** How long to wait when the provider is busy and no better wait is known. */
const PROVIDER_BUSY_RETRY_MS = 1_000;

/** A failed provider call as the error its caller answers with (admins also get 2Factor's own words). */
export function providerFailure(error: ProviderError, audience: Audience): AppError {
  const body = audience === 'admin' ? { provider_details: error.details } : {};
  switch (error.kind) {
    case 'rejected':
      return new AppError('provider_error', MESSAGES.rejected, { body });
    case 'busy':
      return new AppError('provider_busy', MESSAGES.busy, { retryAfterS: providerRetryAfterS(error), body });
    case 'unavailable':
      return new AppError('provider_unavailable', MESSAGES.unavailable, {
        retryAfterS: providerRetryAfterS(error),
        body,
      });
  }
}

/**
 * Seconds to wait before trying a failure that was not a refusal again: a busy provider's own wait, or about
 * when the breaker tries 2Factor again.
 */
export function providerRetryAfterS(error: ProviderError): number {
  return error.kind === 'busy'
    ? retryAfterSeconds(error.retryAfterMs ?? PROVIDER_BUSY_RETRY_MS)
    : PROVIDER_UNAVAILABLE_RETRY_AFTER_S;
}
