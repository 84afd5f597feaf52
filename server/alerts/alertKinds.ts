/**
 * The alerts the app sends to ALERT_WEBHOOK_URL, and their texts. A text carries counts, shares and times only:
 * never an API key, a code or a phone number (alerts.ts also scrubs secrets and masks anything phone-like).
 */
import type { BalanceAccount } from '../../common/api/sms.js';

export const ALERT_KINDS = [
  'balance_low',
  'budget_reached',
  'circuit_open',
  'delivery_failure_share',
  'voice_instead_of_sms',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export interface Alert {
  kind: AlertKind;
  text: string;
}

/** Delivery failures alert when over this share of the last hour's sends… */
export const DELIVERY_FAILURE_SHARE_LIMIT = 0.2;
/** …and only with at least this many sends, so two failures out of five do not page anyone. */
export const DELIVERY_FAILURE_MIN_SENDS = 20;

const ACCOUNT_NAMES: Record<BalanceAccount, string> = { otp_sms: 'OTP SMS', transactional_sms: 'transactional SMS' };
const count = new Intl.NumberFormat('en-IN', { maximumFractionDigits: 2 });
const istTime = new Intl.DateTimeFormat('en-IN', { timeStyle: 'short', timeZone: 'Asia/Kolkata' });

export function balanceLowAlert(input: { account: BalanceAccount; balance: number; threshold: number }): Alert {
  return {
    kind: 'balance_low',
    text: `2Factor ${ACCOUNT_NAMES[input.account]} balance is low: ${count.format(input.balance)} credits left (alert below ${count.format(input.threshold)}). Top up the 2Factor account before sends start failing.`,
  };
}

export function budgetReachedAlert(input: { sentToday: number; dailyBudget: number; resetsAt: Date }): Alert {
  return {
    kind: 'budget_reached',
    text: `Daily SMS budget reached: ${count.format(input.sentToday)} of ${count.format(input.dailyBudget)} sent today. Every send is refused (sms_budget_exhausted) until ${istTime.format(input.resetsAt)} IST; raise SMS_DAILY_BUDGET if this traffic is expected.`,
  };
}

export function circuitOpenAlert(input: { openForMs: number }): Alert {
  const minutes = Math.max(1, Math.floor(input.openForMs / 60_000));
  return {
    kind: 'circuit_open',
    text: `2Factor has been failing for ${minutes} min: calls are paused (circuit open) and sends answer provider_unavailable. Check 2Factor's status and the server's network.`,
  };
}

/** With the last hour's counts of OTP sends and failed reports; undefined while the share is acceptable. */
export function deliveryFailureShareAlert(input: { sent: number; failed: number }): Alert | undefined {
  if (input.sent < DELIVERY_FAILURE_MIN_SENDS || input.failed / input.sent <= DELIVERY_FAILURE_SHARE_LIMIT)
    return undefined;
  const share = Math.round((input.failed / input.sent) * 100);
  return {
    kind: 'delivery_failure_share',
    text: `SMS delivery is failing: ${share} % of the last hour's ${count.format(input.sent)} sends were not delivered (${count.format(input.failed)} failed or rejected). See Settings → SMS & OTP for the reasons.`,
  };
}

/** A delivery report says a code sent as SMS reached the phone as a voice call. */
export function voiceInsteadOfSmsAlert(): Alert {
  return {
    kind: 'voice_instead_of_sms',
    text: 'An OTP sent as SMS was delivered as a voice call: the DLT template or sender id is not mapped in your 2Factor account. Map them in the 2Factor dashboard; Settings → SMS & OTP counts these calls.',
  };
}
