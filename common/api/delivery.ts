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
  period: z.enum(FUNNEL_PERIODS).default('24h'),
});
export type FunnelQuery = z.input<typeof funnelQuerySchema>;

/** One reason sends failed, e.g. `REJECTED` or 2Factor's `ErrorName`. */
export interface FailureReasonShare {
  reason: string;
  count: number;
  /** Share of the failed sends, from 0 to 1. */
  share: number;
}

/** Sends whose send time fell in this hour of the day (IST, 0–23), over the whole period. */
export interface FunnelHour {
  hour: number;
  accepted: number;
  delivered: number;
  failed: number;
  verified: number;
}

/**
 * GET /api/sms/funnel: what happened to the OTP sends of the period (login and test codes; template SMS that carry
 * no code are not in it). Each stage counts sends of the period, whenever their report or check came.
 */
export interface DeliveryFunnelResponse {
  period: FunnelPeriod;
  /** ISO times: sends after `from`, up to and including `to` (the time of the answer). */
  from: string;
  to: string;
  /** TWO_FACTOR_CALLBACK_TOKEN is set: 2Factor can report deliveries. Without it, nothing is ever `delivered`. */
  reports_enabled: boolean;
  /** Sends 2Factor accepted ("Success": queued, not yet delivered). */
  accepted: number;
  /** Reported delivered, as SMS or as a voice call. */
  delivered: number;
  /** Reported failed or rejected. */
  failed: number;
  /** No final report yet. */
  awaiting_report: number;
  /** Whose code was then verified. */
  verified: number;
  /** Delivered as a voice call although sent as SMS. */
  delivered_as_voice: number;
  /** Biggest first. */
  failure_reasons: FailureReasonShare[];
  /** From the send to the delivery report, over the delivered sends; null when none. */
  delivery_time_ms: { p50: number | null; p95: number | null };
  /** Always 24 entries, hour 0 to 23 (IST). */
  by_hour: FunnelHour[];
  /** Reports received in the period about sessions this app did not send (another app on the same 2Factor account?). */
  unmatched_reports: number;
  /**
   * Voice calls instead of SMS in the last 7 days, whatever the period: the DLT template or sender is not mapped in
   * the 2Factor account. `last_at` is the newest such report (ISO), or null.
   */
  voice_instead_of_sms: { last_7_days: number; last_at: string | null };
}
