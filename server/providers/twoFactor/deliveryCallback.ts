/**
 * 2Factor's delivery callbacks → our DeliveryReport. 2Factor posts a form (application/x-www-form-urlencoded) to
 * the callback URL set in the account, as soon as the operator acknowledges. Three forms are documented by 2Factor's
 * support pages (see docs/operations.md, "Delivery reports"):
 *
 *   SMS OTP     mode=SMS_OTP, SessionId, To (10 digits), Status = DELIVERED | FAILED | REJECTED
 *   voice OTP   mode=VOICE_OTP, SessionId, To, Status, api_request_time, call_start_time, call_end_time,
 *               callDetailStatus = FAILED | REJECTED | DELIVERED | DELIVERED (USR_BUSY) | DELIVERED (USR_NOT_PICKD) | …
 *   TSMS        SessionId, SmsTo (91…), SmsStatus, StatusGroupId, StatusGroupName, StatusId, StatusName,
 *               StatusDescription, ErrorGroupId, ErrorGroupName, ErrorId, ErrorName, ErrorDescription, ErrorPermanent
 *
 * Only `DELIVERED` is documented for SmsStatus; the other words below follow the status groups its ids match
 * (PENDING 1, UNDELIVERABLE 2, DELIVERED 3, EXPIRED 4, REJECTED 5). A word we do not know is `unknown`: recorded,
 * never mistaken for a failure. Field names are matched without regard to case, and every field is kept as posted.
 */
import { normalizeTypedIndianMobile } from '../../../common/phone.js';
import type { DeliveryOutcome } from '../../../common/api/delivery.js';
import type { DeliveryReport, DeliveryReportForm } from '../deliveryReport.js';

const OUTCOME_WORDS: Readonly<Record<string, DeliveryOutcome>> = {
  DELIVERED: 'delivered',
  FAILED: 'failed',
  UNDELIVERABLE: 'failed',
  UNDELIVERED: 'failed',
  EXPIRED: 'failed',
  REJECTED: 'rejected',
  PENDING: 'pending',
  ACCEPTED: 'pending',
  SUBMITTED: 'pending',
  SENT: 'pending',
};

/** TSMS `ErrorName` when there was no error. */
const NO_ERROR = 'NO_ERROR';

/** `fields`: the posted form (or JSON object) as name → value. Never throws: any input becomes a report. */
export function parseDeliveryCallback(fields: Readonly<Record<string, string>>): DeliveryReport {
  const field = caseInsensitive(fields);
  const form = formOf(field('mode'), field('SmsStatus') ?? field('SmsTo'));
  const providerSessionId = field('SessionId') ?? null;
  const rawPhone = form === 'tsms' ? (field('SmsTo') ?? field('To')) : (field('To') ?? field('SmsTo'));
  const phone = rawPhone === undefined ? null : normalizeTypedIndianMobile(rawPhone);

  if (form === 'tsms') {
    const providerStatus = field('SmsStatus') ?? field('StatusGroupName') ?? null;
    const outcome = outcomeOf(providerStatus);
    const errorName = field('ErrorName');
    const reason =
      outcome === 'delivered'
        ? null
        : errorName !== undefined && errorName.toUpperCase() !== NO_ERROR
          ? errorName
          : (field('StatusName') ?? providerStatus);
    return { providerSessionId, phone, form, channel: 'sms', outcome, providerStatus, reason, fields: { ...fields } };
  }

  const callDetail = field('callDetailStatus');
  const providerStatus = field('Status') ?? callDetail ?? null;
  const outcome = outcomeOf(providerStatus);
  const reason =
    outcome === 'delivered' ? null : form === 'voice_otp' ? (callDetail ?? providerStatus) : providerStatus;
  return {
    providerSessionId,
    phone,
    form,
    channel: form === 'voice_otp' ? 'voice' : 'sms',
    outcome,
    providerStatus,
    reason,
    fields: { ...fields },
  };
}

function formOf(mode: string | undefined, tsmsField: string | undefined): DeliveryReportForm {
  const upper = mode?.toUpperCase();
  if (upper === 'SMS_OTP') return 'sms_otp';
  if (upper === 'VOICE_OTP') return 'voice_otp';
  if (tsmsField !== undefined) return 'tsms';
  return 'unknown';
}

/** `DELIVERED`, `delivered `, `DELIVERED (USR_BUSY)` → delivered; anything else we do not know → unknown. */
function outcomeOf(status: string | null): DeliveryOutcome {
  if (status === null) return 'unknown';
  const word = status.trim().toUpperCase().split(/[\s(]/, 1)[0] ?? '';
  return OUTCOME_WORDS[word] ?? 'unknown';
}

/** A reader of `fields` by name, whatever the case; empty values count as missing. */
function caseInsensitive(fields: Readonly<Record<string, string>>): (name: string) => string | undefined {
  const byLowerName = new Map<string, string>();
  for (const [name, value] of Object.entries(fields)) {
    const key = name.toLowerCase();
    if (!byLowerName.has(key) && value.trim() !== '') byLowerName.set(key, value.trim());
  }
  return (name) => byLowerName.get(name.toLowerCase());
}
