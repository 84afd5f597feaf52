import { z } from 'zod';

/**
 * Every error `status` the API can answer, with its HTTP status code.
 * Clients branch on these strings: a shipped code is never renamed or removed.
 */
export const ERROR_HTTP_STATUS = {
  invalid_request: 400,
  invalid_phone: 400,
  invalid_otp: 400,
  otp_mismatch: 400,
  weak_password: 400,
  invalid_credentials: 401,
  unauthorized: 401,
  forbidden: 403,
  cross_site_request: 403,
  not_found: 404,
  session_not_found: 404,
  otp_expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_attempts: 429,
  rate_limited: 429,
  internal_error: 500,
  provider_error: 502,
  provider_unavailable: 503,
  provider_busy: 503,
  provider_not_configured: 503,
  rate_limiter_unavailable: 503,
  database_unavailable: 503,
  sms_budget_exhausted: 503,
  shutting_down: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_HTTP_STATUS;

export const ERROR_CODES = Object.keys(ERROR_HTTP_STATUS) as [ErrorCode, ...ErrorCode[]];

/** The JSON body of every error answer. Extra fields (attempts_left, retry_after_s, verified) depend on the code. */
export const errorBodySchema = z.object({
  status: z.enum(ERROR_CODES).describe('What went wrong, for programs: branch on it. A shipped code never changes.'),
  message: z.string().describe('What went wrong, for people.'),
  verified: z.literal(false).optional().describe('On every failed verifyOtp answer.'),
  attempts_left: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('otp_mismatch: wrong codes still allowed for this session.'),
  retry_after_s: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('Seconds to wait before trying again: on every error answer with a Retry-After header, the same value.'),
  provider_details: z
    .string()
    .optional()
    .describe("Admin-initiated sends only: the provider's own words, e.g. `Invalid API Key`."),
  issues: z
    .array(z.object({ path: z.string(), message: z.string() }))
    .optional()
    .describe('invalid_request, invalid_phone, invalid_otp: each field that is wrong, and why.'),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_HTTP_STATUS, value);
}
