import type { SendOtpResponse, VerifyOtpResponse } from '../../common/api/sms.js';
import type { ApiError } from '@/api/client';

/** The outcome of the last send or verify, as the UI shows it. */
export interface SmsResult {
  action: 'send' | 'verify';
  ok: boolean;
  /** `sent` / `verified`, or the error code (`otp_mismatch`, `rate_limited`, `network_error`…). */
  status: string;
  message: string;
  /** Provider round trip as the server measured it; error answers do not carry it. */
  response_time_ms?: number;
}

interface SessionFacts {
  sessionId: string;
  /** E.164 phone the code was sent to. */
  phone: string;
  /** Epoch ms when the server allows another send to this phone (`resend_after_s`). */
  resendAtMs: number;
}

interface CodeFacts extends SessionFacts {
  sandboxCode: string | null;
  /** Wrong codes still allowed, once the server has said (`attempts_left`); null before the first wrong code. */
  attemptsLeft: number | null;
  /** Epoch ms when the code stops working (`expires_in_s`). */
  expiresAtMs: number;
}

/**
 * One OTP session as the browser sees it:
 * - `idle`: no code asked for (or "Change number");
 * - `sent`: a code is out and may still be verified;
 * - `verified`: the code matched;
 * - `dead`: the code can never verify: `expired` (its lifetime ran out, by our clock or the server's) or
 *   `refused` (too many wrong codes, used or replaced). Only a new code helps; an expired one may be asked
 *   for at once, the others wait out the resend cooldown.
 */
export type OtpSession =
  | { kind: 'idle' }
  | ({ kind: 'sent' } & CodeFacts)
  | ({ kind: 'verified' } & SessionFacts)
  | ({ kind: 'dead'; reason: 'expired' | 'refused' } & CodeFacts);

export interface OtpState {
  session: OtpSession;
  /** Epoch ms until which sends stay refused after a 429 `rate_limited`; outlives `reset`. */
  sendBackOffUntilMs: number | null;
  /** Epoch ms until which verifies stay refused after a 429 `rate_limited`; outlives `reset`. */
  verifyBackOffUntilMs: number | null;
  lastResult: SmsResult | null;
  /** The failure behind a failed lastResult. */
  lastError: ApiError | null;
  /** The clock the countdowns read: the time of the last event. */
  nowMs: number;
}

export type OtpEvent =
  | { type: 'sent'; atMs: number; phone: string; answer: SendOtpResponse }
  | { type: 'sendFailed'; atMs: number; error: ApiError }
  | { type: 'verified'; atMs: number; sessionId: string; answer: VerifyOtpResponse }
  | { type: 'verifyFailed'; atMs: number; sessionId: string; error: ApiError }
  /** The clock moved: a code whose deadline passed dies. */
  | { type: 'tick'; atMs: number }
  /** "Change number": forget the session and the last result; back-offs stay, the server still enforces them. */
  | { type: 'reset' }
  /** Forget the last result (a new mistake in the form made it stale); the session stays. */
  | { type: 'clearResult' };

export const INITIAL_OTP_STATE: OtpState = {
  session: { kind: 'idle' },
  sendBackOffUntilMs: null,
  verifyBackOffUntilMs: null,
  lastResult: null,
  lastError: null,
  nowMs: 0,
};

/** Verify answers after which the session can never verify: only a new code helps. */
function endsOtpSession(error: ApiError): boolean {
  return (
    error.status === 'otp_expired' ||
    error.status === 'session_not_found' ||
    error.status === 'too_many_attempts' ||
    (error.status === 'otp_mismatch' && error.attempts_left === 0)
  );
}

/**
 * The wait of a rate limit (429 `rate_limited`), or undefined. Only a rate limit holds the buttons back with a
 * countdown: a 503 may carry Retry-After too (provider down or busy, database away), but that is a hint about
 * a fault, not a limit the person hit, and each such status has its own message.
 */
function rateLimitWaitS(error: ApiError): number | undefined {
  return error.status === 'rate_limited' ? error.retry_after_s : undefined;
}

function succeeded(
  action: SmsResult['action'],
  answer: { status: string; message: string; response_time_ms: number },
): Pick<OtpState, 'lastResult' | 'lastError'> {
  const { status, message, response_time_ms } = answer;
  return { lastResult: { action, ok: true, status, message, response_time_ms }, lastError: null };
}

function failed(action: SmsResult['action'], error: ApiError): Pick<OtpState, 'lastResult' | 'lastError'> {
  return { lastResult: { action, ok: false, status: error.status, message: error.message }, lastError: error };
}

/** A code past its deadline is dead, whatever killed it before: an expired code may be replaced at once. */
function expireAt(session: OtpSession, atMs: number): OtpSession {
  if ((session.kind === 'sent' || session.kind === 'dead') && atMs >= session.expiresAtMs) {
    return session.kind === 'dead' && session.reason === 'expired'
      ? session
      : { ...session, kind: 'dead', reason: 'expired' };
  }
  return session;
}

/** Pure: the next state for an event. Every deadline is an epoch ms computed once, when its answer arrives. */
export function otpReducer(state: OtpState, event: OtpEvent): OtpState {
  switch (event.type) {
    case 'sent': {
      const { atMs, phone, answer } = event;
      return {
        ...state,
        session: {
          kind: 'sent',
          sessionId: answer.session_id,
          phone,
          sandboxCode: answer.sandbox_code ?? null,
          attemptsLeft: null,
          resendAtMs: atMs + answer.resend_after_s * 1000,
          expiresAtMs: atMs + answer.expires_in_s * 1000,
        },
        sendBackOffUntilMs: null,
        ...succeeded('send', answer),
        nowMs: atMs,
      };
    }
    case 'sendFailed': {
      const { atMs, error } = event;
      const backOffS = rateLimitWaitS(error);
      return {
        ...state,
        // A refused resend leaves the code already out as it was.
        session: expireAt(state.session, atMs),
        sendBackOffUntilMs: backOffS === undefined ? state.sendBackOffUntilMs : atMs + backOffS * 1000,
        ...failed('send', error),
        nowMs: atMs,
      };
    }
    case 'verified': {
      const { atMs, sessionId, answer } = event;
      const { session } = state;
      // An answer about a session the person has since left ("Change number", a new code) changes nothing.
      if (session.kind === 'idle' || session.sessionId !== sessionId) return { ...state, nowMs: atMs };
      return {
        ...state,
        session: { kind: 'verified', sessionId, phone: session.phone, resendAtMs: session.resendAtMs },
        verifyBackOffUntilMs: null,
        ...succeeded('verify', answer),
        nowMs: atMs,
      };
    }
    case 'verifyFailed': {
      const { atMs, sessionId, error } = event;
      const ended = endsOtpSession(error);
      const backOffS = rateLimitWaitS(error);
      // too_many_attempts is a 429 too, but waiting does not revive the session: no back-off for it.
      const verifyBackOffUntilMs =
        backOffS !== undefined && !ended ? atMs + backOffS * 1000 : state.verifyBackOffUntilMs;
      const { session } = state;
      if (session.kind !== 'sent' && session.kind !== 'dead') return { ...state, verifyBackOffUntilMs, nowMs: atMs };
      if (session.sessionId !== sessionId) return { ...state, verifyBackOffUntilMs, nowMs: atMs };
      const attemptsLeft = error.status === 'too_many_attempts' ? 0 : (error.attempts_left ?? session.attemptsLeft);
      let next: OtpSession = { ...session, attemptsLeft };
      // The server's clock has the last word on expiry: its otp_expired ends the code's lifetime here too.
      if (error.status === 'otp_expired')
        next = { ...next, kind: 'dead', reason: 'expired', expiresAtMs: Math.min(session.expiresAtMs, atMs) };
      else if (ended && next.kind === 'sent') next = { ...next, kind: 'dead', reason: 'refused' };
      return { ...state, session: expireAt(next, atMs), verifyBackOffUntilMs, ...failed('verify', error), nowMs: atMs };
    }
    case 'tick': {
      const session = expireAt(state.session, event.atMs);
      return { ...state, session, nowMs: event.atMs };
    }
    case 'reset':
      return { ...state, session: { kind: 'idle' }, lastResult: null, lastError: null };
    case 'clearResult':
      return { ...state, lastResult: null, lastError: null };
  }
}
