/**
 * Every route the app mounts, as the API reference (GET /api/openapi.json, GET /api/docs) describes it:
 * one entry per method and path, built from the zod contracts in common/. Adding a route to the app means
 * adding its entry here, and only here: openApiDocument.ts derives paths, status codes, headers, security
 * and error bodies from it, and test/integration/apiReference.test.ts fails while a mounted route has none.
 *
 * `errors` lists what this route itself can answer; openApiDocument.ts adds what every route shares (see
 * `sharedErrors` there: writes, sign-in and role checks, limits, shutdown, database, bugs). Examples are
 * checked against the generated schemas by the tests.
 */
import { z } from 'zod';
import { loginRequestSchema, loginResponseSchema, meResponseSchema } from '../../common/api/auth.js';
import {
  deliveryCallbackFormSchema,
  deliveryCallbackResponseSchema,
  deliveryFunnelResponseSchema,
  funnelQuerySchema,
} from '../../common/api/delivery.js';
import { healthReportSchema } from '../../common/api/health.js';
import { supabaseHookViewSchema } from '../../common/api/supabaseHook.js';
import {
  connectionTestResponseSchema,
  logsQuerySchema,
  otpLogsResponseSchema,
  sendOtpRequestSchema,
  sendOtpResponseSchema,
  sendTemplateRequestSchema,
  sendTemplateResponseSchema,
  smsBalanceResponseSchema,
  smsConfigViewSchema,
  smsSettingsChangesResponseSchema,
  smsUsageResponseSchema,
  testNumbersViewSchema,
  updateSmsConfigRequestSchema,
  verifyOtpRequestSchema,
  verifyOtpResponseSchema,
} from '../../common/api/sms.js';
import type { ErrorBody, ErrorCode } from '../../common/errorCodes.js';
import { PHONE_FORMAT_HINT } from '../../common/phone.js';
import { DOCS_ASSET_NAMES } from './docsPage.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

export interface ApiOperation {
  method: HttpMethod;
  /** The full path as mounted, OpenAPI style (`/api/things/{id}`). */
  path: string;
  tag: 'Health' | 'Authentication' | 'SMS OTP' | 'SMS settings' | 'Webhooks' | 'Reference';
  summary: string;
  description?: string;
  /** `signed_in`: any logged-in user (401 otherwise); `admin`: admin or super_admin (401, 403). */
  access: 'public' | 'signed_in' | 'admin';
  request?: {
    /** JSON body. Writes without a documented body still send `{}`: the cross-site guard wants JSON. */
    body?: z.ZodType;
    /** The body's media types when not only JSON (a webhook taking a form). */
    bodyMediaTypes?: string[];
    query?: z.ZodObject;
    params?: z.ZodObject;
    example?: unknown;
  };
  success: {
    status: 200 | 204;
    description: string;
    /** JSON body (none for 204 or when `mediaType` says otherwise). */
    schema?: z.ZodType;
    /** An answer that is not one of the JSON bodies of common/: its media types. */
    mediaTypes?: string[];
    example?: unknown;
    /** `sets`: the session cookie on success; `clears`: an expired one; `sets_on_login`: for login sessions only. */
    cookie?: 'sets' | 'clears' | 'sets_on_login';
  };
  /** Other answers with their own body (e.g. health's 503 with the same report). */
  otherResponses?: Array<{ status: number; description: string; schema: z.ZodType; example?: unknown }>;
  /** Error codes this route answers besides the shared ones. */
  errors?: ErrorCode[];
  /** Behind express-rate-limit: RateLimit / RateLimit-Policy on every answer, 429 rate_limited with Retry-After. */
  rateLimited?: boolean;
  /** Answered before the session cookie is looked up (so no database_unavailable from that lookup). */
  servedBeforeSessionLookup?: boolean;
  /** A server-to-server webhook served before the cross-site guard: no cross_site_request, any media type. */
  servedBeforeCrossSiteGuard?: boolean;
  /** Error bodies worth showing, keyed by code. */
  errorExamples?: Partial<Record<ErrorCode, ErrorBody>>;
}

const PROVIDER_ERRORS: ErrorCode[] = [
  'provider_error',
  'provider_unavailable',
  'provider_busy',
  'provider_not_configured',
];
/** What booking a send can refuse (the phone's cooldown and daily cap, the user's hour, the day's budget). */
const SEND_LIMIT_ERRORS: ErrorCode[] = ['rate_limited', 'sms_budget_exhausted'];

const ADMIN = { id: '8c2f4f59-3a7e-4d1a-9b3e-2f6a1c0d9e84', email: 'admin@example.com', role: 'admin' } as const;
const STAFF = { id: '3f0c2b8e-5d14-4b6a-8e2f-9a7c6d5b4e31', email: 'staff@example.com', role: 'staff' } as const;
const OTP_SESSION_ID = '6f1c1f5e-8a43-4f6e-9a1d-2b3c4d5e6f70';
const SMS_CONFIG_EXAMPLE = {
  api_key_set: true,
  api_key_masked: '••••••••3f9a',
  api_key_source: 'saved',
  api_key_source_without_saved: 'environment',
  sender_id: 'TFCTOR',
  template_name: 'SMSTemplate1',
  mode: 'autogen',
  sandbox: false,
} satisfies z.infer<typeof smsConfigViewSchema>;

export const API_OPERATIONS: readonly ApiOperation[] = [
  {
    method: 'get',
    path: '/api/health',
    tag: 'Health',
    summary: 'Is the server able to serve?',
    description: 'For load balancers and monitoring: checks the database and the rate-limit store (memory or Redis).',
    access: 'public',
    servedBeforeSessionLookup: true,
    success: {
      status: 200,
      description: 'Everything answers.',
      schema: healthReportSchema,
      example: { ok: true, database: 'up', rate_limit_store: 'redis' },
    },
    otherResponses: [
      {
        status: 503,
        description:
          'The database or the rate-limit store does not answer (the same report), or the server is stopping.',
        schema: healthReportSchema,
        example: { ok: false, database: 'up', rate_limit_store: 'down' },
      },
    ],
  },
  {
    method: 'post',
    path: '/api/auth/login',
    tag: 'Authentication',
    summary: 'Log in with email and password',
    description:
      'Starts a session (the HttpOnly session cookie) and marks the browser as a known device of the account. Failed logins are limited per client IP (LOGIN_RATE_LIMIT_PER_15_MIN) and slowed down per account (except on its known devices).',
    access: 'public',
    request: { body: loginRequestSchema, example: { email: 'admin@example.com', password: 'a long passphrase' } },
    success: {
      status: 200,
      description: 'Logged in.',
      schema: loginResponseSchema,
      example: { user: ADMIN, redirect: '/dashboard' },
      cookie: 'sets',
    },
    errors: ['invalid_credentials'],
    rateLimited: true,
    errorExamples: {
      invalid_credentials: { status: 'invalid_credentials', message: 'The email or password is incorrect.' },
      rate_limited: {
        status: 'rate_limited',
        message: 'Too many failed logins from your network.',
        retry_after_s: 840,
      },
    },
  },
  {
    method: 'get',
    path: '/api/auth/me',
    tag: 'Authentication',
    summary: 'Who is logged in',
    description: 'Logged out is a normal answer here: `{"user": null}`.',
    access: 'public',
    success: {
      status: 200,
      description: 'The logged-in user, or null.',
      schema: meResponseSchema,
      example: { user: STAFF },
    },
  },
  {
    method: 'post',
    path: '/api/auth/logout',
    tag: 'Authentication',
    summary: 'Log out',
    description: 'Ends the session, if any, and expires the cookie. Answers 204 whether or not someone was logged in.',
    access: 'public',
    success: { status: 204, description: 'Logged out.', cookie: 'clears' },
  },
  {
    method: 'post',
    path: '/api/sms/sendOtp',
    tag: 'SMS OTP',
    summary: 'Text a one-time code',
    description: [
      '`purpose: "login"` (anyone) texts a login code to the phone of a registered user. To keep registrations',
      'private, a number no user owns gets the same answer, and no SMS. `purpose: "test"` (admins) texts any number.',
      'Limits: per client IP, a cooldown and an hourly cap per phone, an hourly cap per signed-in user.',
    ].join(' '),
    access: 'public',
    request: { body: sendOtpRequestSchema, example: { phone: '+919876543210', purpose: 'login' } },
    success: {
      status: 200,
      description: 'Sent (2Factor accepted it; delivery comes after).',
      schema: sendOtpResponseSchema,
      example: {
        session_id: OTP_SESSION_ID,
        status: 'sent',
        message: 'We sent a code to +91******3210.',
        response_time_ms: 214,
        expires_in_s: 300,
        resend_after_s: 30,
      },
    },
    errors: ['invalid_phone', 'unauthorized', 'forbidden', ...SEND_LIMIT_ERRORS, ...PROVIDER_ERRORS],
    rateLimited: true,
    errorExamples: {
      invalid_phone: {
        status: 'invalid_phone',
        message: PHONE_FORMAT_HINT,
        issues: [{ path: 'phone', message: PHONE_FORMAT_HINT }],
      },
      rate_limited: {
        status: 'rate_limited',
        message: 'A code was just sent to this number. Please wait before requesting another.',
        retry_after_s: 27,
      },
      provider_unavailable: {
        status: 'provider_unavailable',
        message: 'The SMS service is not responding. Please try again in a minute.',
        retry_after_s: 30,
      },
      sms_budget_exhausted: {
        status: 'sms_budget_exhausted',
        message: 'We cannot send more text messages today. Please try again later.',
        retry_after_s: 21_600,
      },
    },
  },
  {
    method: 'post',
    path: '/api/sms/verifyOtp',
    tag: 'SMS OTP',
    summary: 'Check a code',
    description:
      "For a login session, a right code logs the phone's owner in (session cookie, `user`, `redirect`). Each session allows SMS_MAX_VERIFY_ATTEMPTS wrong codes. Every failure carries `verified: false`.",
    access: 'public',
    request: { body: verifyOtpRequestSchema, example: { session_id: OTP_SESSION_ID, otp: '482913' } },
    success: {
      status: 200,
      description: 'The code is right.',
      schema: verifyOtpResponseSchema,
      example: {
        verified: true,
        status: 'verified',
        message: 'Code verified. You are logged in.',
        response_time_ms: 188,
        redirect: '/staff/home',
        user: STAFF,
      },
      cookie: 'sets_on_login',
    },
    errors: [
      'invalid_otp',
      'otp_mismatch',
      'session_not_found',
      'otp_expired',
      'too_many_attempts',
      ...PROVIDER_ERRORS,
    ],
    rateLimited: true,
    errorExamples: {
      otp_mismatch: {
        status: 'otp_mismatch',
        message: 'That code is not right. 2 attempts left.',
        verified: false,
        attempts_left: 2,
      },
      otp_expired: {
        status: 'otp_expired',
        message: 'This code has expired. Please request a new one.',
        verified: false,
      },
    },
  },
  {
    method: 'post',
    path: '/api/sms/sendTemplate',
    tag: 'SMS settings',
    summary: 'Send a DLT template SMS',
    description: "Admins only. `var1` and `var2` fill the template's variables; the template defaults to SMS_TEMPLATE.",
    access: 'admin',
    request: {
      body: sendTemplateRequestSchema,
      example: { to: '+919876543210', template_name: 'Order_Update', var1: 'A-1042' },
    },
    success: {
      status: 200,
      description: 'Queued by 2Factor.',
      schema: sendTemplateResponseSchema,
      example: {
        session_id: '7d3f9a2e-1b4c-4e8a-9f6d-0c2b5a8e7d14',
        status: 'sent',
        message: '2Factor accepted the SMS to +91******3210. Delivery follows the DLT checks.',
        response_time_ms: 240,
      },
    },
    errors: ['invalid_phone', ...SEND_LIMIT_ERRORS, ...PROVIDER_ERRORS],
    rateLimited: true,
    errorExamples: {
      provider_error: {
        status: 'provider_error',
        message: 'We could not send or check the code right now. Please try again later.',
        provider_details: 'Invalid API Key',
      },
    },
  },
  {
    method: 'get',
    path: '/api/sms/config',
    tag: 'SMS settings',
    summary: 'The SMS settings in force',
    description: 'The API key only ever appears masked to its last 4 characters.',
    access: 'admin',
    success: { status: 200, description: 'The settings.', schema: smsConfigViewSchema, example: SMS_CONFIG_EXAMPLE },
  },
  {
    method: 'put',
    path: '/api/sms/config',
    tag: 'SMS settings',
    summary: 'Change the API key, template or mode',
    description: 'Only the fields sent change. A saved API key wins over TWO_FACTOR_API_KEY; it is stored encrypted.',
    access: 'admin',
    request: { body: updateSmsConfigRequestSchema, example: { template_name: 'LoginOTP', mode: 'template' } },
    success: {
      status: 200,
      description: 'The settings now in force.',
      schema: smsConfigViewSchema,
      example: { ...SMS_CONFIG_EXAMPLE, template_name: 'LoginOTP', mode: 'template' },
    },
  },
  {
    method: 'delete',
    path: '/api/sms/config/api_key',
    tag: 'SMS settings',
    summary: 'Remove the saved API key',
    description:
      "The environment's key applies again (TWO_FACTOR_API_KEY), or outside production without one the sandbox, or no key. Logged with who removed it. Nothing saved: the same view, nothing changes.",
    access: 'admin',
    success: {
      status: 200,
      description: 'The settings now in force.',
      schema: smsConfigViewSchema,
      example: {
        ...SMS_CONFIG_EXAMPLE,
        api_key_set: false,
        api_key_masked: null,
        api_key_source: 'sandbox',
        api_key_source_without_saved: 'sandbox',
        sandbox: true,
      },
    },
  },
  {
    method: 'get',
    path: '/api/sms/config/changes',
    tag: 'SMS settings',
    summary: 'Who changed the SMS settings, and when',
    description:
      'The 20 newest changes first: who saved them, when, and which fields. Values are never recorded, so the API key never appears.',
    access: 'admin',
    success: {
      status: 200,
      description: 'The changes, newest first.',
      schema: smsSettingsChangesResponseSchema,
      example: {
        items: [
          {
            id: 7,
            changed_at: '2026-11-24T10:00:00.000Z',
            changed_by: { id: ADMIN.id, email: ADMIN.email },
            fields: ['api_key', 'mode'],
          },
        ],
      },
    },
  },
  {
    method: 'post',
    path: '/api/sms/config/test',
    tag: 'SMS settings',
    summary: 'Test the connection to 2Factor',
    description:
      "Calls 2Factor's balance API with the key in force; sends no SMS. A refusal or an outage is `ok: false` with the reason.",
    access: 'admin',
    success: {
      status: 200,
      description: 'The outcome of the test.',
      schema: connectionTestResponseSchema,
      example: { ok: true, balance: '500', message: 'Connected to 2Factor: 500 SMS credits left.' },
    },
    errors: ['provider_not_configured'],
  },
  {
    method: 'get',
    path: '/api/sms/usage',
    tag: 'SMS settings',
    summary: "Today's SMS against the daily budget",
    description: 'All instances together; days are IST days (SMS_DAILY_BUDGET).',
    access: 'admin',
    success: {
      status: 200,
      description: "Today's count.",
      schema: smsUsageResponseSchema,
      example: { sent_today: 42, daily_budget: 1000, resets_at: '2026-11-24T18:30:00.000Z' },
    },
  },
  {
    method: 'get',
    path: '/api/sms/balance',
    tag: 'SMS settings',
    summary: "2Factor's balances and their trend",
    description:
      'As one instance polls them every 10 minutes: OTP SMS (spent by autogen sends) and transactional SMS (template sends), the one the current mode spends, and the last sample of each hour over 7 days.',
    access: 'admin',
    success: {
      status: 200,
      description: 'The balances.',
      schema: smsBalanceResponseSchema,
      example: {
        in_use: 'otp_sms',
        alert_below: 100,
        poll_interval_s: 600,
        accounts: [
          {
            account: 'otp_sms',
            balance: 4820,
            fetched_at: '2026-11-24T10:00:00.000Z',
            history: [
              { at: '2026-11-24T09:00:00.000Z', balance: 4870 },
              { at: '2026-11-24T10:00:00.000Z', balance: 4820 },
            ],
          },
          { account: 'transactional_sms', balance: null, fetched_at: null, history: [] },
        ],
      },
    },
  },
  {
    method: 'get',
    path: '/api/sms/supabase-hook',
    tag: 'SMS settings',
    summary: "Supabase Auth's Send SMS Hook: on or off, the URL to paste, the last call",
    description:
      'The hook (POST /api/hooks/supabase/send-sms, called by Supabase with Standard Webhooks signatures) is on when SUPABASE_SMS_HOOK_SECRETS is set. The last call is shared by every instance.',
    access: 'admin',
    success: {
      status: 200,
      description: 'The hook as admins see it. Never the secrets.',
      schema: supabaseHookViewSchema,
      example: {
        enabled: true,
        url: 'https://otp.example.com/api/hooks/supabase/send-sms',
        secrets: 1,
        last_call: { at: '2026-11-24T10:00:00.000Z', result: 'sent', http_status: 200 },
      },
    },
  },
  {
    method: 'get',
    path: '/api/sms/test-numbers',
    tag: 'SMS settings',
    summary: 'The active test numbers',
    description:
      'SMS_TEST_NUMBERS, masked and without their codes: numbers that take a fixed code, get no SMS and skip the send limits.',
    access: 'admin',
    success: {
      status: 200,
      description: 'The test numbers (none when unset).',
      schema: testNumbersViewSchema,
      example: { numbers: ['+91******0001'], production: false },
    },
  },
  {
    method: 'get',
    path: '/api/sms/logs',
    tag: 'SMS settings',
    summary: 'The provider call log, newest first',
    description: 'One row per call to 2Factor (sends, checks, template SMS), phones masked. Page with `before`.',
    access: 'admin',
    request: { query: logsQuerySchema },
    success: {
      status: 200,
      description: 'A page of rows.',
      schema: otpLogsResponseSchema,
      example: {
        items: [
          {
            id: 41,
            user_id: null,
            phone: '+91******3210',
            session_id: OTP_SESSION_ID,
            type: 'autogen',
            origin: 'login',
            status: 'sent',
            response_time_ms: 214,
            details: OTP_SESSION_ID,
            created_at: '2026-11-24T10:00:00.000Z',
          },
        ],
        next_before: 41,
      },
    },
  },
  {
    method: 'get',
    path: '/api/sms/funnel',
    tag: 'SMS settings',
    summary: 'The delivery funnel: sent → delivered → verified',
    description:
      "Of the OTP sends of the last 24 hours or 7 days: how many 2Factor then reported delivered, failed (and why) or not yet, the time to delivery (p50, p95), how many codes were verified, and all of it by hour of the day (IST). Delivery counts need 2Factor's delivery reports (TWO_FACTOR_CALLBACK_TOKEN).",
    access: 'admin',
    request: { query: funnelQuerySchema },
    success: {
      status: 200,
      description: 'The funnel of the period.',
      schema: deliveryFunnelResponseSchema,
      example: {
        period: '24h',
        from: '2026-11-23T12:00:00.000Z',
        to: '2026-11-24T12:00:00.000Z',
        reports_enabled: true,
        accepted: 120,
        delivered: 111,
        failed: 6,
        awaiting_report: 3,
        verified: 97,
        delivered_as_voice: 0,
        failure_reasons: [
          { reason: 'EC_ABSENT_SUBSCRIBER', count: 4, share: 0.6667 },
          { reason: 'REJECTED', count: 2, share: 0.3333 },
        ],
        delivery_time_ms: { p50: 2_140, p95: 7_900 },
        by_hour: Array.from({ length: 24 }, (_, hour) =>
          hour === 10
            ? { hour, accepted: 120, delivered: 111, failed: 6, verified: 97 }
            : { hour, accepted: 0, delivered: 0, failed: 0, verified: 0 },
        ),
        unmatched_reports: 0,
        voice_instead_of_sms: { last_7_days: 0, last_at: null },
      },
    },
  },
  {
    method: 'post',
    path: '/api/sms/callbacks/2factor/{token}',
    tag: 'Webhooks',
    summary: "2Factor's delivery reports",
    description: [
      'Set this URL as the delivery callback in the 2Factor account (SMS OTP and transactional SMS). 2Factor posts a form',
      'per SMS OTP (`mode=SMS_OTP`), voice OTP (`mode=VOICE_OTP`) and transactional SMS report; JSON is taken too.',
      '`token` is TWO_FACTOR_CALLBACK_TOKEN: a wrong one, or none configured, answers 404 like an unknown route and',
      'records nothing. Any report is answered 200 once stored: unknown sessions, unknown status words, fields and',
      'duplicates included. No cookie, no Origin needed; the body is at most 4 kB.',
    ].join(' '),
    access: 'public',
    servedBeforeSessionLookup: true,
    servedBeforeCrossSiteGuard: true,
    request: {
      params: z.object({ token: z.string().min(32).describe('TWO_FACTOR_CALLBACK_TOKEN.') }),
      body: deliveryCallbackFormSchema,
      bodyMediaTypes: ['application/x-www-form-urlencoded', 'application/json'],
      example: {
        mode: 'SMS_OTP',
        SessionId: 'c8e46da6-7b5c-4515-a3b2-83bf045cce44',
        To: '9876543210',
        Status: 'DELIVERED',
      },
    },
    success: {
      status: 200,
      description: 'Stored.',
      schema: deliveryCallbackResponseSchema,
      example: { received: true },
    },
    errors: ['not_found', 'database_unavailable'],
  },
  {
    method: 'get',
    path: '/api/openapi.json',
    tag: 'Reference',
    summary: 'This API reference (OpenAPI 3.1)',
    servedBeforeSessionLookup: true,
    access: 'public',
    success: { status: 200, description: 'The OpenAPI document.', mediaTypes: ['application/json'] },
  },
  {
    method: 'get',
    path: '/api/docs',
    tag: 'Reference',
    summary: 'This API reference as a page',
    servedBeforeSessionLookup: true,
    access: 'public',
    success: { status: 200, description: 'An HTML page rendering /api/openapi.json.', mediaTypes: ['text/html'] },
  },
  {
    method: 'get',
    path: '/api/docs/{asset}',
    tag: 'Reference',
    summary: "The reference page's script and stylesheet",
    servedBeforeSessionLookup: true,
    access: 'public',
    request: { params: z.object({ asset: z.enum(DOCS_ASSET_NAMES) }) },
    success: {
      status: 200,
      description: 'A JavaScript or CSS file.',
      mediaTypes: ['application/javascript', 'text/css'],
    },
    errors: ['not_found'],
  },
];
