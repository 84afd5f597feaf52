import { z } from 'zod';

/**
 * How a send ended, as the provider reported it: `delivered` (reached the phone, as SMS or as a voice call),
 * `failed` (not delivered), `rejected` (refused by the operator or by DLT scrubbing), `pending` (not final yet),
 * `unknown` (a status word we do not recognise).
 */
export const DELIVERY_OUTCOMES = ['delivered', 'failed', 'rejected', 'pending', 'unknown'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

export const FUNNEL_PERIODS = ['24h', '7d'] as const;
export type FunnelPeriod = (typeof FUNNEL_PERIODS)[number];

export const funnelQuerySchema = z.object({
  period: z.enum(FUNNEL_PERIODS).default('24h').describe('The last 24 hours or the last 7 days.'),
});

const countSchema = z.number().int().min(0);

export const failureReasonShareSchema = z.object({
  reason: z
    .string()
    .describe(
      "2Factor's word for it: `FAILED`, `REJECTED`, or a transactional SMS `ErrorName` such as `EC_ABSENT_SUBSCRIBER`.",
    ),
  count: countSchema,
  share: z.number().min(0).max(1).describe('Share of the failed sends, from 0 to 1.'),
});

export const funnelHourSchema = z.object({
  hour: z
    .number()
    .int()
    .min(0)
    .max(23)
    .describe('Hour of the day in IST: sends whose send time fell in it, over the whole period.'),
  accepted: countSchema,
  delivered: countSchema,
  failed: countSchema,
  verified: countSchema,
});
export type FunnelHour = z.infer<typeof funnelHourSchema>;

/**
 * GET /api/sms/funnel: what happened to the OTP sends of the period (login and test codes; Template API messages,
 * which carry no code, are not in it). Each stage counts sends of the period, whenever their report or check came.
 */
export const deliveryFunnelResponseSchema = z.object({
  period: z.enum(FUNNEL_PERIODS),
  from: z.iso.datetime({ offset: true }).describe('Sends after this time…'),
  to: z.iso.datetime({ offset: true }).describe('…up to and including this one (the time of the answer).'),
  reports_enabled: z
    .boolean()
    .describe(
      'The server has a delivery callback token: 2Factor can report deliveries. Without one, nothing is ever delivered.',
    ),
  accepted: countSchema.describe('Sends 2Factor accepted ("Success": queued, not yet delivered).'),
  delivered: countSchema.describe('Reported delivered, as SMS or as a voice call.'),
  failed: countSchema.describe('Reported failed or rejected.'),
  awaiting_report: countSchema.describe('No final report yet.'),
  verified: countSchema.describe('Whose code was then checked right.'),
  delivered_as_voice: countSchema.describe('Delivered as a voice call although sent as SMS.'),
  failure_reasons: z.array(failureReasonShareSchema).describe('Biggest first.'),
  delivery_time_ms: z
    .object({ p50: countSchema.nullable(), p95: countSchema.nullable() })
    .describe('From the send to its delivery report, over the delivered sends; null when none was delivered.'),
  by_hour: z.array(funnelHourSchema).length(24).describe('Hours 0 to 23 (IST), in order.'),
  unmatched_reports: countSchema.describe(
    'Reports received in the period about sessions this app did not send (another app on the same 2Factor account?).',
  ),
  voice_instead_of_sms: z
    .object({ last_7_days: countSchema, last_at: z.iso.datetime({ offset: true }).nullable() })
    .describe(
      'Codes sent as SMS that 2Factor reported as voice calls in the last 7 days, whatever the period: the DLT template or sender is not mapped in the 2Factor account.',
    ),
});
export type DeliveryFunnelResponse = z.infer<typeof deliveryFunnelResponseSchema>;

/**
 * A 2Factor delivery callback as it is posted (a form; JSON is taken too). The documented fields of the three forms;
 * any other field is accepted and kept.
 */
export const deliveryCallbackFormSchema = z
  .object({
    mode: z.string().optional().describe('`SMS_OTP` or `VOICE_OTP`; absent in transactional SMS reports.'),
    SessionId: z.string().optional().describe("2Factor's session id of the send."),
    To: z.string().optional().describe('OTP reports: the 10-digit number.'),
    Status: z.string().optional().describe('OTP reports: `DELIVERED`, `FAILED` or `REJECTED`.'),
    callDetailStatus: z.string().optional().describe('Voice OTP reports: e.g. `DELIVERED (USR_BUSY)`.'),
    SmsTo: z.string().optional().describe('Transactional SMS reports: the number as 91 and 10 digits.'),
    SmsStatus: z.string().optional().describe('Transactional SMS reports: e.g. `DELIVERED`.'),
    ErrorName: z.string().optional().describe('Transactional SMS reports: `NO_ERROR`, or why it failed.'),
  })
  .catchall(z.string());

export const deliveryCallbackResponseSchema = z.object({
  received: z.literal(true).describe('Stored (or already stored: a report posted twice is kept once).'),
});
