import type { OtpLogItem } from '../../common/api/sms.js';

/**
 * Two different questions, kept apart so that a person's typo never reads as an outage:
 * - delivery health (sends, types autogen/template): did 2Factor take the SMS? accepted / refused / unavailable;
 * - code checks (type verify): how did the person do? verified / wrong code / expired / no longer valid, plus
 *   the checks 2Factor itself failed (a provider fault, not the person's).
 * Statuses are those of otp_logs.status (supabase/migrations/*_sms_otp.sql).
 */
export interface DeliveryHealth {
  sends: number;
  accepted: number;
  refused: number;
  unavailable: number;
  /** 0–100, rounded; null without sends. */
  acceptedPercent: number | null;
}

export interface CheckOutcomes {
  checks: number;
  verified: number;
  wrongCode: number;
  expired: number;
  /** Used, replaced or unknown session. */
  noLongerValid: number;
  /** 2Factor refused or did not answer the check. */
  providerFailed: number;
}

export interface OtpLogStats {
  count: number;
  delivery: DeliveryHealth;
  checks: CheckOutcomes;
  medianMs: number | null;
  maxMs: number | null;
}

/** Whose outcome a row shows: all went well, the person's code did not (wrong, expired, used), or 2Factor failed. */
export type OtpLogTone = 'ok' | 'person' | 'provider';

const PROVIDER_FAILURES: ReadonlySet<string> = new Set(['provider_error', 'provider_unavailable', 'provider_busy']);
const PERSON_OUTCOMES: ReadonlySet<string> = new Set(['otp_mismatch', 'otp_expired', 'session_not_found']);

export function otpLogTone(item: Pick<OtpLogItem, 'status'>): OtpLogTone {
  if (PROVIDER_FAILURES.has(item.status)) return 'provider';
  if (PERSON_OUTCOMES.has(item.status)) return 'person';
  return 'ok';
}

function percent(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 100);
}

export function otpLogStats(items: readonly OtpLogItem[]): OtpLogStats {
  const sendsOf = (status: string) => items.filter((item) => item.type !== 'verify' && item.status === status).length;
  const checksOf = (...statuses: string[]) =>
    items.filter((item) => item.type === 'verify' && statuses.includes(item.status)).length;

  const accepted = sendsOf('sent');
  const refused = sendsOf('provider_error');
  const unavailable = sendsOf('provider_unavailable') + sendsOf('provider_busy');
  const sends = accepted + refused + unavailable;

  const checks: CheckOutcomes = {
    checks: 0,
    verified: checksOf('verified'),
    wrongCode: checksOf('otp_mismatch'),
    expired: checksOf('otp_expired'),
    noLongerValid: checksOf('session_not_found'),
    providerFailed: checksOf('provider_error', 'provider_unavailable', 'provider_busy'),
  };
  checks.checks = checks.verified + checks.wrongCode + checks.expired + checks.noLongerValid + checks.providerFailed;

  const times = items.map((item) => item.response_time_ms).sort((a, b) => a - b);
  const middle = Math.floor(times.length / 2);
  const medianMs =
    times.length === 0
      ? null
      : times.length % 2 === 1
        ? times[middle]!
        : Math.round((times[middle - 1]! + times[middle]!) / 2);

  return {
    count: items.length,
    delivery: { sends, accepted, refused, unavailable, acceptedPercent: percent(accepted, sends) },
    checks,
    medianMs,
    maxMs: times.length === 0 ? null : times[times.length - 1]!,
  };
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** Delivery health in one sentence, or null without sends. */
export function deliverySummary({
  sends,
  accepted,
  refused,
  unavailable,
  acceptedPercent,
}: DeliveryHealth): string | null {
  if (sends === 0) return null;
  return `2Factor accepted ${accepted} of ${plural(sends, 'send', 'sends')} (${acceptedPercent}%): ${refused} refused, ${unavailable} unavailable.`;
}

/** Code-check outcomes in one sentence, or null without checks. */
export function checksSummary(checks: CheckOutcomes): string | null {
  if (checks.checks === 0) return null;
  const parts = [
    `${checks.verified} verified`,
    plural(checks.wrongCode, 'wrong code', 'wrong codes'),
    `${checks.expired} expired`,
    `${checks.noLongerValid} no longer valid`,
  ];
  if (checks.providerFailed > 0) parts.push(`${checks.providerFailed} not checked (2Factor failed)`);
  return `${plural(checks.checks, 'code check', 'code checks')}: ${parts.join(', ')}.`;
}
