import { z } from 'zod';

/** Where Supabase Auth's Send SMS Hook posts, under PUBLIC_URL. */
export const SUPABASE_SMS_HOOK_PATH = '/api/hooks/supabase/send-sms';

/**
 * How the server answered a hook call, as Settings → SMS & OTP shows it: `sent` (one SMS went out),
 * `duplicate` (a retry of a uuid already sent: nothing sent, success answered), a limit or a bad phone
 * (answered in the hook's error shape, which Supabase shows the user), `provider_error` (2Factor refused the SMS,
 * or no API key is set), `otp_length_unsupported` (a code longer than 6 digits in autogen mode: set Supabase's OTP
 * length to 6), `provider_unavailable` (503, Supabase retries), `limiter_unavailable` (503: the limits could not be
 * checked), `unauthorized` (bad or stale signature: 401) or `invalid_payload` (400).
 */
export const SUPABASE_HOOK_RESULTS = [
  'sent',
  'duplicate',
  'rate_limited',
  'budget_exhausted',
  'invalid_phone',
  'invalid_payload',
  'provider_error',
  'otp_length_unsupported',
  'provider_unavailable',
  'limiter_unavailable',
  'unauthorized',
] as const;
export type SupabaseHookResult = (typeof SUPABASE_HOOK_RESULTS)[number];

/** GET /api/sms/supabase-hook (admins): whether the hook is on, the URL to paste into Supabase, the last call. */
export const supabaseHookViewSchema = z.object({
  enabled: z.boolean().describe('SUPABASE_SMS_HOOK_SECRETS is set: the endpoint accepts signed calls.'),
  url: z
    .string()
    .nullable()
    .describe('PUBLIC_URL + the hook path, to paste into Supabase; null while PUBLIC_URL is unset.'),
  secrets: z
    .number()
    .int()
    .min(0)
    .describe('How many secrets are accepted (two while one is rotated out); never their values.'),
  last_call: z
    .object({
      at: z.iso.datetime({ offset: true }),
      result: z.enum(SUPABASE_HOOK_RESULTS),
      http_status: z.number().int().min(100).max(599).describe('What the server answered Supabase.'),
    })
    .nullable()
    .describe('The most recent call Supabase made; null before the first.'),
});
export type SupabaseHookView = z.infer<typeof supabaseHookViewSchema>;
