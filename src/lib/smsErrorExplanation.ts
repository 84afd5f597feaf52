import type { ApiError, ApiErrorStatus } from '@/api/client';

/** What went wrong with an SMS call, for an admin: the cause by name and what to do about it. */
export interface SmsErrorExplanation {
  title: string;
  hint: string;
}

/**
 * What an admin needs beyond the server's `message` (which speaks to end users and stays vague about
 * faults): the cause by name and what to do. Only the faults of the SMS path have an entry; for every other
 * status (a wrong code, a bad number, a rate limit with its countdown…) the server's message says it all.
 */
const EXPLANATIONS: Partial<Record<ApiErrorStatus, SmsErrorExplanation>> = {
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
  internal_error: {
    title: 'The server failed',
    hint: 'Try again; if it happens again, the server log has the details.',
  },
  cross_site_request: { title: 'Refused as a cross-site request', hint: 'Open the app from its own address.' },
};

/** The explanation for an admin, or null when the server's message is all there is to say. */
export function explainSmsError(error: ApiError): SmsErrorExplanation | null {
  return EXPLANATIONS[error.status] ?? null;
}
