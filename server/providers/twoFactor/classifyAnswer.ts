/**
 * Turns one HTTP answer from 2Factor (status code + body text) into what it means for us. Pure: no I/O, no
 * clock, no API key, so every row of /work/shared/2factor-api.md is pinned by a unit test.
 *
 * Rules shared by every call:
 * - 2Factor answers business outcomes with HTTP 400 + JSON (mismatch, unknown session, bad phone), so the
 *   body of a 4xx is read like the body of a 2xx.
 * - 5xx (whatever the body), 429, any other status, and a body that is not `{Status, Details}` JSON mean
 *   there was no usable answer: `unavailable`.
 * - `Status: "Error"` with a readable body means the provider refused: `rejected`, with its `Details`.
 *
 * `details` here is the provider's raw text; the client redacts the API key before it goes anywhere.
 */
import { parseTwoFactorAnswer, TWO_FACTOR_TEXT, type TwoFactorAnswer } from './wireSchemas.js';
import type { VerifyOutcome } from '../smsProvider.js';

export type AnswerClassification<T> =
  { ok: true; value: T; details: string } | { ok: false; kind: 'rejected' | 'unavailable'; details: string };

type Failure = Extract<AnswerClassification<never>, { ok: false }>;

const isSuccessStatus = (httpStatus: number) => httpStatus >= 200 && httpStatus < 300;
const isClientErrorStatus = (httpStatus: number) => httpStatus >= 400 && httpStatus < 500;

function unavailable(details: string): Failure {
  return { ok: false, kind: 'unavailable', details };
}

function rejected(details: string): Failure {
  return { ok: false, kind: 'rejected', details: details === '' ? '(empty Details)' : details };
}

/**
 * The step every call shares: either a readable `{Status, Details}` answer or an `unavailable` failure.
 * 429 is `unavailable` even with a readable body: 2Factor's throttling texts are unknown, and a throttled
 * call is a transient condition, not a refusal of this request (the breaker should count it).
 */
export function readAnswer(httpStatus: number, bodyText: string): { ok: true; answer: TwoFactorAnswer } | Failure {
  if (httpStatus >= 500) return unavailable(`HTTP ${httpStatus} from provider`);
  const answer =
    isSuccessStatus(httpStatus) || isClientErrorStatus(httpStatus) ? parseTwoFactorAnswer(bodyText) : undefined;
  if (httpStatus === 429) return unavailable(answer ? `HTTP 429: ${answer.Details}` : 'HTTP 429 from provider');
  if (!isSuccessStatus(httpStatus) && !isClientErrorStatus(httpStatus))
    return unavailable(`unexpected HTTP ${httpStatus}`);
  if (!answer) return unavailable(`unreadable answer (HTTP ${httpStatus})`);
  return { ok: true, answer };
}

const MISMATCH = /OTP Mismatch/i;
const EXPIRED = /OTP Expired/i;
const NO_SESSION = /No Entry Exists/i;

/**
 * VERIFY / VERIFY3. Verified means exactly `Status: "Success"`, `Details: "OTP Matched"` on a 2xx, nothing
 * else: `OTP Expired` often comes with `Status: "Success"`, and an unknown Success text must never let a
 * user in. The three non-verified outcomes are recognised by their text whatever the Status says, since
 * misreading them can only deny access, never grant it.
 */
export function classifyVerifyAnswer(
  httpStatus: number,
  bodyText: string,
): AnswerClassification<{ outcome: VerifyOutcome }> {
  const read = readAnswer(httpStatus, bodyText);
  if (!read.ok) return read;
  const { Status, Details } = read.answer;
  if (Status === 'Success' && Details === TWO_FACTOR_TEXT.otpMatched && isSuccessStatus(httpStatus)) {
    return { ok: true, value: { outcome: 'matched' }, details: Details };
  }
  if (MISMATCH.test(Details)) return { ok: true, value: { outcome: 'mismatch' }, details: Details };
  if (EXPIRED.test(Details)) return { ok: true, value: { outcome: 'expired' }, details: Details };
  if (NO_SESSION.test(Details)) return { ok: true, value: { outcome: 'session_not_found' }, details: Details };
  // `Invalid API Key` and any other refusal, and any Success text we do not know: not verified.
  return rejected(Details);
}

/**
 * A call whose success carries one value in `Details` (AUTOGEN and TSMS: a session id; balances: a
 * number as text). Success must come on a 2xx with a non-empty `Details`; a Success on a 4xx or an empty
 * one is an answer we cannot use (`unavailable`), and it is never retried by the caller either way.
 */
function classifyValueAnswer(httpStatus: number, bodyText: string, what: string): AnswerClassification<string> {
  const read = readAnswer(httpStatus, bodyText);
  if (!read.ok) return read;
  const { Status, Details } = read.answer;
  if (Status === 'Error') return rejected(Details);
  if (!isSuccessStatus(httpStatus)) return unavailable(`contradictory answer: Success on HTTP ${httpStatus}`);
  const value = Details.trim();
  if (value === '') return unavailable(`unreadable answer: Success without ${what}`);
  return { ok: true, value, details: Details };
}

/** AUTOGEN (OTP send) and TSMS: `Details` is the provider's session id. */
export function classifySendAnswer(
  httpStatus: number,
  bodyText: string,
): AnswerClassification<{ providerSessionId: string }> {
  const result = classifyValueAnswer(httpStatus, bodyText, 'a session id');
  return result.ok ? { ...result, value: { providerSessionId: result.value } } : result;
}

/** BAL/SMS: `Details` is the remaining credit count, as text (e.g. "500"). */
export function classifyBalanceAnswer(httpStatus: number, bodyText: string): AnswerClassification<{ balance: string }> {
  const result = classifyValueAnswer(httpStatus, bodyText, 'a balance');
  return result.ok ? { ...result, value: { balance: result.value } } : result;
}
