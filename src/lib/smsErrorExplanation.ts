import type { ApiError, ApiErrorStatus } from '@/api/client';

/** What went wrong with an SMS call, for an admin: a short title and, where one helps, what to do about it. */
export interface SmsErrorExplanation {
  title: string;
  hint: string | null;
}

/**
 * One entry per status the API can answer (a Record, so a new code cannot be forgotten here). Titles name
 * the cause; hints say what to do. A rate limit has no hint: its countdown says it.
 */
const EXPLANATIONS: Record<ApiErrorStatus, SmsErrorExplanation> = {
  provider_error: {
    title: '2Factor refused the request',
    hint: 'Check the API key, and that the sender ID and template are approved for your 2Factor account.',
  },
  provider_unavailable: {
    title: '2Factor is not responding',
    hint: 'No SMS was sent. After repeated failures the server pauses calls to 2Factor for about half a minute; try again then.',
  },
  provider_busy: {
    title: 'Too many SMS at this moment',
    hint: 'The server keeps under 2Factor’s request ceiling and held this one back. Try again in a moment.',
  },
  provider_not_configured: {
    title: 'No 2Factor API key is set',
    hint: 'Save an API key under API Configuration, or give the server one in its environment (see the README).',
  },
  sms_budget_exhausted: {
    title: 'Today’s SMS budget is used up',
    hint: 'No SMS goes out until the count starts over at midnight IST. Raise SMS_DAILY_BUDGET if this traffic is expected.',
  },
  database_unavailable: {
    title: 'The database is unavailable',
    hint: 'Nothing was sent. Try again shortly; if it lasts, check the server’s database connection.',
  },
  rate_limiter_unavailable: {
    title: 'The rate limiter is unavailable',
    hint: 'Sends are refused while the limit store (Redis) cannot be reached, so no limit is ever skipped.',
  },
  shutting_down: { title: 'The server is restarting', hint: 'Try again in a few seconds.' },
  internal_error: { title: 'The server failed', hint: 'Try again; if it happens again, the server log has the details.' },
  rate_limited: { title: 'Rate limited', hint: null },
  too_many_attempts: { title: 'Too many wrong codes', hint: 'This code can no longer be used: send a new one.' },
  invalid_phone: { title: 'Not an Indian mobile number', hint: null },
  invalid_otp: { title: 'Not a valid code', hint: null },
  invalid_request: { title: 'The request was refused as invalid', hint: null },
  otp_mismatch: { title: 'Wrong code', hint: null },
  otp_expired: { title: 'The code has expired', hint: 'Send a new code.' },
  session_not_found: { title: 'The code is no longer valid', hint: 'It was already used or replaced: send a new code.' },
  unauthorized: { title: 'Your session has ended', hint: 'Log in again.' },
  forbidden: { title: 'Not allowed', hint: 'Only admins can send test SMS.' },
  cross_site_request: { title: 'Refused as a cross-site request', hint: 'Open the app from its own address.' },
  not_found: { title: 'Not found', hint: null },
  invalid_credentials: { title: 'Wrong email or password', hint: null },
  weak_password: { title: 'Password too weak', hint: null },
  payload_too_large: { title: 'The request is too large', hint: null },
  unsupported_media_type: { title: 'The request was not JSON', hint: null },
  network_error: { title: 'No answer from the server', hint: 'Check your connection and try again.' },
};

export function explainSmsError(error: ApiError): SmsErrorExplanation {
  return EXPLANATIONS[error.status];
}
