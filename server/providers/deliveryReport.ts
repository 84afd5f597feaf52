/**
 * A delivery report, as our code sees it whatever the provider: which send it is about, how it ended, and every
 * field the provider posted. server/providers/twoFactor/deliveryCallback.ts turns 2Factor's callback forms into
 * this; server/sms/deliveryReports.ts records it.
 */
import type { DeliveryOutcome } from '../../common/api/delivery.js';

/** Which of the provider's report forms it came in. */
export type DeliveryReportForm = 'sms_otp' | 'voice_otp' | 'tsms' | 'unknown';

export interface DeliveryReport {
  /** The provider's session id of the send (2Factor's SessionId); null when the report named none. */
  providerSessionId: string | null;
  /** The recipient as E.164, when the report named a number we can read. */
  phone: string | null;
  form: DeliveryReportForm;
  /** How it reached the phone: a voice report means the code was read out in a call. */
  channel: 'sms' | 'voice';
  outcome: DeliveryOutcome;
  /** The provider's own status word, as posted. */
  providerStatus: string | null;
  /** Why it was not delivered, in the provider's words; null when delivered. */
  reason: string | null;
  /** Every field as posted, unknown ones included. */
  fields: Readonly<Record<string, string>>;
}

/**
 * How far along each outcome is. A send's status only moves to a higher rank, so a duplicate or a late report of
 * an earlier stage never replaces a final status, and the order reports arrive in does not matter. A delivery
 * outranks a failure: a "delivered" after a "failed" means a retry got through.
 */
export const OUTCOME_RANK: Readonly<Record<DeliveryOutcome, number>> = {
  unknown: 0,
  pending: 1,
  failed: 2,
  rejected: 2,
  delivered: 3,
};
