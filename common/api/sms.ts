import { z } from 'zod';
import { INDIAN_MOBILE_E164, PHONE_FORMAT_HINT } from '../phone.js';
import { publicUserSchema } from './auth.js';

/** A phone as the API accepts it: E.164 Indian mobile, surrounding whitespace ignored. */
export const phoneSchema = z
  .string({ error: PHONE_FORMAT_HINT })
  .max(32, PHONE_FORMAT_HINT)
  .trim()
  .regex(INDIAN_MOBILE_E164, PHONE_FORMAT_HINT);

/** Digits in the codes this app sends (2Factor AUTOGEN and template mode alike): the forms show this many boxes. */
export const OTP_LENGTH = 6;

/** What the forms say about a code that is not complete: the boxes the person sees, not the API's range. */
export const OTP_HINT = `Enter the ${OTP_LENGTH}-digit code from the SMS.`;
/** A code as the login and test forms take it: exactly OTP_LENGTH digits, so a short one costs no attempt. */
export const otpFormSchema = z
  .string({ error: OTP_HINT })
  .trim()
  .regex(new RegExp(`^[0-9]{${OTP_LENGTH}}$`), OTP_HINT);

const OTP_API_HINT = 'The code has 4 to 6 digits.';
/** A code as the API takes it: 4 to 6 digits (the range 2Factor's own codes use), for any client. */
export const otpSchema = z
  .string({ error: OTP_API_HINT })
  .trim()
  .regex(/^[0-9]{4,6}$/, OTP_API_HINT);

export const OTP_PURPOSES = ['login', 'test'] as const;
export type OtpPurpose = (typeof OTP_PURPOSES)[number];

export const SMS_MODES = ['autogen', 'template'] as const;
export type SmsMode = (typeof SMS_MODES)[number];

export const OTP_LOG_TYPES = ['autogen', 'verify', 'template'] as const;
export type OtpLogType = (typeof OTP_LOG_TYPES)[number];

/** Where an otp_logs row came from: our phone login, an admin's test send or template SMS, Supabase's Send SMS Hook. */
export const OTP_LOG_ORIGINS = ['login', 'test', 'supabase_hook'] as const;
export type OtpLogOrigin = (typeof OTP_LOG_ORIGINS)[number];

export const sendOtpRequestSchema = z.object({
  phone: phoneSchema,
  purpose: z.enum(OTP_PURPOSES).default('login'),
});
export type SendOtpRequest = z.input<typeof sendOtpRequestSchema>;

export const verifyOtpRequestSchema = z.object({
  session_id: z.uuid('Unknown or malformed session id.'),
  otp: otpSchema,
});
export type VerifyOtpRequest = z.input<typeof verifyOtpRequestSchema>;

/**
 * A DLT template name: letters, digits, spaces, dot, dash and underscore, with at least one letter or digit.
 * It becomes a 2Factor URL path segment (AUTOGEN) or form field (TSMS); a name of dots only (`.`, `..`) could
 * never be sent, as a URL parser would resolve it.
 */
export const TEMPLATE_NAME_PATTERN = /^(?=.*[A-Za-z0-9])[A-Za-z0-9 _.-]+$/;
export const TEMPLATE_NAME_HINT =
  'Template names use letters, digits, spaces, dot, dash and underscore, with at least one letter or digit.';

/** DLT template names and variables: printable, short, no path separators (they go into 2Factor form fields). */
const templateNameSchema = z.string().trim().min(1).max(64).regex(TEMPLATE_NAME_PATTERN, TEMPLATE_NAME_HINT);
const templateVariableSchema = z.string().max(160);

export const sendTemplateRequestSchema = z.object({
  to: phoneSchema,
  template_name: templateNameSchema.optional(),
  var1: templateVariableSchema.optional(),
  var2: templateVariableSchema.optional(),
});
export type SendTemplateRequest = z.input<typeof sendTemplateRequestSchema>;

/** A 2Factor API key: it becomes a URL path segment, so only UUID-like characters are allowed. */
export const apiKeySchema = z
  .string()
  .trim()
  .min(8, 'The API key looks too short.')
  .max(128)
  .regex(/^[A-Za-z0-9-]+$/, 'The API key has only letters, digits and dashes.');

export const updateSmsConfigRequestSchema = z.object({
  api_key: apiKeySchema.optional(),
  template_name: templateNameSchema.optional(),
  mode: z.enum(SMS_MODES).optional(),
});
export type UpdateSmsConfigRequest = z.input<typeof updateSmsConfigRequestSchema>;

export const logsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  before: z.coerce.number().int().positive().optional(),
  type: z.enum(OTP_LOG_TYPES).optional(),
});

export const sendOtpResponseSchema = z.object({
  session_id: z.uuid().describe('Pass it to verifyOtp with the code.'),
  status: z.literal('sent'),
  message: z.string(),
  response_time_ms: z.number().int().min(0),
  expires_in_s: z.number().int().min(0).describe('How long the code stays valid.'),
  resend_after_s: z.number().int().min(0).describe('Wait before another code can be sent to this phone.'),
  sandbox_code: z
    .string()
    .regex(/^[0-9]{4,6}$/)
    .optional()
    .describe("Only in sandbox mode, only for an admin's test send: the code the simulator delivered."),
});
export type SendOtpResponse = z.infer<typeof sendOtpResponseSchema>;

export const verifyOtpResponseSchema = z.object({
  verified: z.literal(true),
  status: z.literal('verified'),
  message: z.string(),
  response_time_ms: z.number().int().min(0),
  redirect: z.string().optional().describe('Present for a login session: where the logged-in user goes next.'),
  user: publicUserSchema.optional().describe('Present for a login session: who is now logged in.'),
});
export type VerifyOtpResponse = z.infer<typeof verifyOtpResponseSchema>;

export const sendTemplateResponseSchema = z.object({
  session_id: z.string().describe("2Factor's session id of the message."),
  status: z.literal('sent'),
  message: z.string(),
  response_time_ms: z.number().int().min(0),
});
export type SendTemplateResponse = z.infer<typeof sendTemplateResponseSchema>;

/**
 * Which 2Factor API key sends: one saved in Settings (wins), the server's TWO_FACTOR_API_KEY, the built-in
 * simulator (no key, outside production), or none (no SMS can be sent).
 */
export const API_KEY_SOURCES = ['saved', 'environment', 'sandbox', 'none'] as const;
export type ApiKeySource = (typeof API_KEY_SOURCES)[number];

export const smsConfigViewSchema = z.object({
  api_key_set: z.boolean(),
  api_key_masked: z
    .string()
    .nullable()
    .describe('Last 4 characters only, e.g. `••••••••3f9a`; null when no key is set.'),
  api_key_source: z.enum(API_KEY_SOURCES).describe('Which key sends right now.'),
  api_key_source_without_saved: z
    .enum(['environment', 'sandbox', 'none'])
    .describe('What would be in use without the saved key: what removing it leads to.'),
  sender_id: z.string(),
  template_name: z.string(),
  mode: z.enum(SMS_MODES),
  sandbox: z.boolean().describe('No key, outside production: the built-in simulator answers and no SMS is sent.'),
});
export type SmsConfigView = z.infer<typeof smsConfigViewSchema>;

/** Today's SMS against the daily budget (SMS_DAILY_BUDGET), all instances together. Days are IST days. */
export const smsUsageResponseSchema = z.object({
  sent_today: z.number().int().min(0),
  daily_budget: z.number().int().min(0),
  resets_at: z.iso.datetime({ offset: true }).describe('The next midnight IST, when the count starts over.'),
});
export type SmsUsageResponse = z.infer<typeof smsUsageResponseSchema>;

export const connectionTestResponseSchema = z.object({
  ok: z.boolean(),
  balance: z.string().optional().describe("2Factor's SMS balance, as 2Factor words it."),
  message: z.string(),
});
export type ConnectionTestResponse = z.infer<typeof connectionTestResponseSchema>;

export const otpLogItemSchema = z.object({
  id: z.number().int().positive(),
  user_id: z.uuid().nullable(),
  phone: z.string().describe('Masked: `+91******3210`.'),
  session_id: z.string().nullable(),
  type: z.enum(OTP_LOG_TYPES),
  origin: z
    .enum(OTP_LOG_ORIGINS)
    .describe(
      "Where the call came from: `login` (phone login), `test` (an admin's test send or template SMS), `supabase_hook` (Supabase Auth's Send SMS Hook).",
    ),
  status: z.string().describe('`sent`, `verified`, `failed`, `expired`, `provider_error`, `provider_unavailable`, …'),
  response_time_ms: z.number().int().min(0),
  details: z.string().nullable().describe("2Factor's answer (never the API key or a code)."),
  created_at: z.iso.datetime({ offset: true }),
});
export type OtpLogItem = z.infer<typeof otpLogItemSchema>;

export const otpLogsResponseSchema = z.object({
  items: z.array(otpLogItemSchema),
  next_before: z
    .number()
    .int()
    .positive()
    .nullable()
    .describe('Pass as `before` to get the next (older) page; null when there is none.'),
});
export type OtpLogsResponse = z.infer<typeof otpLogsResponseSchema>;

/**
 * 2Factor keeps separate balances: `otp_sms` (BAL/SMS) pays for AUTOGEN sends, `transactional_sms`
 * (ADDON_SERVICES/BAL/TRANSACTIONAL_SMS) for template (TSMS) sends.
 */
export const BALANCE_ACCOUNTS = ['otp_sms', 'transactional_sms'] as const;
export type BalanceAccount = (typeof BALANCE_ACCOUNTS)[number];

/** The balance the given SMS mode spends. */
export function balanceAccountOf(mode: SmsMode): BalanceAccount {
  return mode === 'template' ? 'transactional_sms' : 'otp_sms';
}

export const balancePointSchema = z.object({
  at: z.iso.datetime({ offset: true }).describe('When 2Factor reported it.'),
  balance: z.number(),
});
export type BalancePoint = z.infer<typeof balancePointSchema>;

export const accountBalanceSchema = z.object({
  account: z.enum(BALANCE_ACCOUNTS),
  balance: z
    .number()
    .nullable()
    .describe('The latest balance 2Factor reported; null before the first successful poll.'),
  fetched_at: z.iso.datetime({ offset: true }).nullable(),
  history: z.array(balancePointSchema).describe('The last sample of each hour over the last 7 days, oldest first.'),
});
export type AccountBalance = z.infer<typeof accountBalanceSchema>;

/** GET /api/sms/balance: 2Factor's balances as polled every few minutes by one instance. */
export const smsBalanceResponseSchema = z.object({
  in_use: z
    .enum(BALANCE_ACCOUNTS)
    .describe('The account the current mode spends: the one SMS_BALANCE_ALERT_BELOW watches.'),
  alert_below: z.number().int().min(0).describe('SMS_BALANCE_ALERT_BELOW (0: no alert).'),
  poll_interval_s: z.number().int().positive(),
  accounts: z.array(accountBalanceSchema),
});
export type SmsBalanceResponse = z.infer<typeof smsBalanceResponseSchema>;

/** SMS_TEST_NUMBERS as admins see them: masked phones, never the codes. */
export const testNumbersViewSchema = z.object({
  numbers: z.array(z.string()).describe('Masked: `+91******0001`.'),
  production: z.boolean().describe('Active in production (SMS_TEST_NUMBERS_IN_PRODUCTION=true).'),
});
export type TestNumbersView = z.infer<typeof testNumbersViewSchema>;

export const SMS_SETTINGS_FIELDS = ['api_key', 'template_name', 'mode'] as const;
export type SmsSettingsField = (typeof SMS_SETTINGS_FIELDS)[number];

export const smsSettingsChangeSchema = z.object({
  id: z.number().int().positive(),
  changed_at: z.iso.datetime({ offset: true }),
  changed_by: z
    .object({ id: z.uuid(), email: z.string() })
    .nullable()
    .describe('Null once the admin who saved it was deleted.'),
  fields: z.array(z.enum(SMS_SETTINGS_FIELDS)).describe('Which fields were saved; never their values.'),
});

/** GET /api/sms/config/changes: the newest changes first. */
export const smsSettingsChangesResponseSchema = z.object({
  items: z.array(smsSettingsChangeSchema),
});
export type SmsSettingsChangesResponse = z.infer<typeof smsSettingsChangesResponseSchema>;
