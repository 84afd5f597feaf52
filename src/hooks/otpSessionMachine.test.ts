import { describe, expect, it } from 'vitest';
import { ApiError, type ApiErrorInit } from '@/api/client';
import {
  INITIAL_OTP_STATE,
  otpReducer,
  type OtpEvent,
  type OtpSession,
  type OtpState,
} from '@/hooks/otpSessionMachine';

const T0 = 1_000_000;
const PHONE = '+919876543210';
const SESSION_ID = '0b7e7f3c-6a4e-4d7a-9a55-0c1d2e3f4a5b';
const OTHER_SESSION_ID = '7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';

const SENT_ANSWER = {
  session_id: SESSION_ID,
  status: 'sent',
  message: 'We sent a code to +91******3210.',
  response_time_ms: 300,
  expires_in_s: 120,
  resend_after_s: 30,
} as const;

/** A code sent at T0: resend allowed at T0 + 30 s, expiry at T0 + 120 s. */
const SENT: OtpSession = {
  kind: 'sent',
  sessionId: SESSION_ID,
  phone: PHONE,
  sandboxCode: null,
  attemptsLeft: null,
  resendAtMs: T0 + 30_000,
  expiresAtMs: T0 + 120_000,
};

const withSession = (session: OtpSession, extra: Partial<OtpState> = {}): OtpState => ({
  ...INITIAL_OTP_STATE,
  session,
  nowMs: T0,
  ...extra,
});

const apiError = (init: Partial<ApiErrorInit> & Pick<ApiErrorInit, 'status'>) =>
  new ApiError({ httpStatus: 400, message: 'Server wording.', ...init });

const verifyFailed = (atMs: number, init: Partial<ApiErrorInit> & Pick<ApiErrorInit, 'status'>): OtpEvent => ({
  type: 'verifyFailed',
  atMs,
  sessionId: SESSION_ID,
  error: apiError(init),
});

describe('otpReducer', () => {
  it.each<[string, OtpState, OtpEvent, Partial<OtpState>]>([
    [
      'idle + sent → sent, with deadlines from the answer and the answer as the result',
      INITIAL_OTP_STATE,
      { type: 'sent', atMs: T0, phone: PHONE, answer: { ...SENT_ANSWER, sandbox_code: '123456' } },
      {
        session: { ...SENT, sandboxCode: '123456' },
        lastResult: { action: 'send', ok: true, status: 'sent', message: SENT_ANSWER.message, response_time_ms: 300 },
        nowMs: T0,
      },
    ],
    [
      'a new code replaces a dead one and lifts the send back-off',
      withSession({ ...SENT, kind: 'dead', reason: 'refused', attemptsLeft: 0 }, { sendBackOffUntilMs: T0 + 5_000 }),
      { type: 'sent', atMs: T0 + 60_000, phone: PHONE, answer: { ...SENT_ANSWER, session_id: OTHER_SESSION_ID } },
      {
        session: { ...SENT, sessionId: OTHER_SESSION_ID, resendAtMs: T0 + 90_000, expiresAtMs: T0 + 180_000 },
        sendBackOffUntilMs: null,
      },
    ],
    [
      'sent + a rate-limited send → the code stays, sends back off for retry_after_s',
      withSession(SENT),
      {
        type: 'sendFailed',
        atMs: T0 + 1_000,
        error: apiError({ status: 'rate_limited', httpStatus: 429, retry_after_s: 600 }),
      },
      {
        session: SENT,
        sendBackOffUntilMs: T0 + 601_000,
        lastResult: { action: 'send', ok: false, status: 'rate_limited', message: 'Server wording.' },
      },
    ],
    [
      'a 503 with retry_after_s is a fault, not a limit: no back-off',
      INITIAL_OTP_STATE,
      {
        type: 'sendFailed',
        atMs: T0,
        error: apiError({ status: 'provider_unavailable', httpStatus: 503, retry_after_s: 30 }),
      },
      { session: { kind: 'idle' }, sendBackOffUntilMs: null },
    ],
    [
      'sent + verified → verified, keeping the resend cooldown',
      withSession({ ...SENT, sandboxCode: '123456', attemptsLeft: 2 }, { verifyBackOffUntilMs: T0 }),
      {
        type: 'verified',
        atMs: T0 + 5_000,
        sessionId: SESSION_ID,
        answer: { verified: true, status: 'verified', message: 'Code verified.', response_time_ms: 80 },
      },
      {
        session: { kind: 'verified', sessionId: SESSION_ID, phone: PHONE, resendAtMs: T0 + 30_000 },
        verifyBackOffUntilMs: null,
        lastResult: { action: 'verify', ok: true, status: 'verified', message: 'Code verified.', response_time_ms: 80 },
      },
    ],
    [
      'sent + a wrong code with attempts left → still sent, counting the attempts',
      withSession(SENT),
      verifyFailed(T0 + 1_000, { status: 'otp_mismatch', attempts_left: 2 }),
      { session: { ...SENT, attemptsLeft: 2 } },
    ],
    [
      'sent + a wrong code with no attempts left → dead (refused)',
      withSession(SENT),
      verifyFailed(T0 + 1_000, { status: 'otp_mismatch', attempts_left: 0 }),
      { session: { ...SENT, kind: 'dead', reason: 'refused', attemptsLeft: 0 } },
    ],
    [
      'sent + too_many_attempts → dead (refused) with 0 attempts, and no back-off although it is a 429',
      withSession(SENT),
      verifyFailed(T0 + 1_000, { status: 'too_many_attempts', httpStatus: 429, retry_after_s: 60 }),
      { session: { ...SENT, kind: 'dead', reason: 'refused', attemptsLeft: 0 }, verifyBackOffUntilMs: null },
    ],
    [
      'sent + session_not_found → dead (refused)',
      withSession(SENT),
      verifyFailed(T0 + 1_000, { status: 'session_not_found', httpStatus: 404 }),
      { session: { ...SENT, kind: 'dead', reason: 'refused' } },
    ],
    [
      "sent + the server's otp_expired → dead (expired) now, whatever our clock said",
      withSession(SENT),
      verifyFailed(T0 + 1_000, { status: 'otp_expired', httpStatus: 410 }),
      { session: { ...SENT, kind: 'dead', reason: 'expired', expiresAtMs: T0 + 1_000 } },
    ],
    [
      'sent + a rate-limited verify → still sent, verifies back off',
      withSession(SENT),
      verifyFailed(T0 + 1_000, { status: 'rate_limited', httpStatus: 429, retry_after_s: 12 }),
      { session: SENT, verifyBackOffUntilMs: T0 + 13_000 },
    ],
    [
      'an answer about a session left behind changes no session',
      withSession({ kind: 'idle' }),
      verifyFailed(T0 + 1_000, { status: 'too_many_attempts', httpStatus: 429 }),
      { session: { kind: 'idle' }, lastResult: null },
    ],
    [
      'sent + a tick before expiry → still sent, the clock moved',
      withSession(SENT),
      { type: 'tick', atMs: T0 + 119_999 },
      { session: SENT, nowMs: T0 + 119_999 },
    ],
    [
      'sent + a tick at expiry → dead (expired)',
      withSession(SENT),
      { type: 'tick', atMs: T0 + 120_000 },
      { session: { ...SENT, kind: 'dead', reason: 'expired' } },
    ],
    [
      'dead (refused) + a tick at expiry → dead (expired): the new code need not wait for the cooldown',
      withSession({ ...SENT, kind: 'dead', reason: 'refused' }),
      { type: 'tick', atMs: T0 + 120_000 },
      { session: { ...SENT, kind: 'dead', reason: 'expired' } },
    ],
    [
      'verified + a tick long after → still verified',
      withSession({ kind: 'verified', sessionId: SESSION_ID, phone: PHONE, resendAtMs: T0 + 30_000 }),
      { type: 'tick', atMs: T0 + 500_000 },
      { session: { kind: 'verified', sessionId: SESSION_ID, phone: PHONE, resendAtMs: T0 + 30_000 } },
    ],
    [
      'reset → idle and no result, the back-offs stay',
      withSession(SENT, {
        sendBackOffUntilMs: T0 + 600_000,
        verifyBackOffUntilMs: T0 + 10_000,
        lastResult: { action: 'send', ok: true, status: 'sent', message: 'Sent.' },
      }),
      { type: 'reset' },
      {
        session: { kind: 'idle' },
        lastResult: null,
        lastError: null,
        sendBackOffUntilMs: T0 + 600_000,
        verifyBackOffUntilMs: T0 + 10_000,
      },
    ],
    [
      'clearResult → the session stays, the result goes',
      withSession(SENT, { lastResult: { action: 'send', ok: true, status: 'sent', message: 'Sent.' } }),
      { type: 'clearResult' },
      { session: SENT, lastResult: null },
    ],
  ])('%s', (_name, state, event, expected) => {
    expect(otpReducer(state, event)).toMatchObject(expected);
  });

  it('keeps the server error behind a failed result', () => {
    const error = apiError({ status: 'provider_error', httpStatus: 502, provider_details: 'Invalid API Key' });

    const next = otpReducer(INITIAL_OTP_STATE, { type: 'sendFailed', atMs: T0, error });

    expect(next.lastError).toBe(error);
  });
});
