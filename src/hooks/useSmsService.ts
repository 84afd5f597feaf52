import { useCallback, useEffect, useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type {
  OtpPurpose,
  SendOtpRequest,
  SendOtpResponse,
  VerifyOtpRequest,
  VerifyOtpResponse,
} from '../../common/api/sms.js';
import { ApiError, isApiError, NETWORK_ERROR_MESSAGE } from '@/api/client';
import { sendOtp } from '@/api/sms/sendOtp';
import { verifyOtp } from '@/api/sms/verifyOtp';
import { COUNTDOWN_TICK_MS, secondsUntil } from '@/hooks/useCountdown';
import { endsOtpSession } from '@/lib/otpMessages';
import { DELIVERY_FUNNEL_QUERY_KEY, OTP_LOGS_QUERY_KEY, SMS_USAGE_QUERY_KEY } from '@/lib/queryClient';

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

export type SendOutcome = { ok: true; answer: SendOtpResponse } | { ok: false; error: ApiError };
export type VerifyOutcome = { ok: true; answer: VerifyOtpResponse } | { ok: false; error: ApiError };

interface OtpSession {
  sessionId: string | null;
  /** E.164 phone the current session was sent to. */
  phone: string | null;
  sandboxCode: string | null;
  attemptsLeft: number | null;
  verified: boolean;
  /** The session can no longer verify (expired, used, too many attempts): only a new code helps. */
  needsNewCode: boolean;
  /** Epoch ms when the server allows another send to this phone (`resend_after_s`). */
  resendAt: number | null;
  /** Epoch ms when the code expires (`expires_in_s`). */
  expiresAt: number | null;
}

const NO_SESSION: OtpSession = {
  sessionId: null,
  phone: null,
  sandboxCode: null,
  attemptsLeft: null,
  verified: false,
  needsNewCode: false,
  resendAt: null,
  expiresAt: null,
};


function asApiError(error: unknown): ApiError {
  return isApiError(error) ? error : new ApiError({ httpStatus: 0, status: 'network_error', message: NETWORK_ERROR_MESSAGE });
}

/**
 * The wait of a rate limit (429 `rate_limited`), or undefined. Only a rate limit holds the buttons back with a
 * countdown: a 503 may carry Retry-After too (provider down or busy, database away), but that is a hint about
 * a fault, not a limit the person hit, and each such status has its own message.
 */
function rateLimitWaitS(error: ApiError): number | undefined {
  return error.status === 'rate_limited' ? error.retry_after_s : undefined;
}


/**
 * Send and verify one OTP at a time, for the Test Sender and the phone login tab.
 *
 * Every wait comes from the server's numbers (`resend_after_s`, `retry_after_s`, `expires_in_s`) turned into
 * end timestamps when the answer arrives; the countdowns are recomputed from those timestamps on each tick,
 * so a late timer never makes them drift. A 429 back-off outlives `reset()`: changing the number does not
 * lift a per-IP or per-hour limit.
 */
export function useSmsService() {
  const queryClient = useQueryClient();
  const [session, setSession] = useState<OtpSession>(NO_SESSION);
  const [lastResult, setLastResult] = useState<SmsResult | null>(null);
  const [lastError, setLastError] = useState<ApiError | null>(null);
  /** Epoch ms until which Send / Verify stay disabled after a 429 rate_limited. */
  const [sendRetryAt, setSendRetryAt] = useState<number | null>(null);
  const [verifyRetryAt, setVerifyRetryAt] = useState<number | null>(null);
  /** The clock the countdowns read: set when an answer arrives and on every tick, never during render. */
  const [now, setNow] = useState(0);

  const sendMutation = useMutation<SendOtpResponse, ApiError, SendOtpRequest>({ mutationFn: (request) => sendOtp(request) });
  const verifyMutation = useMutation<VerifyOtpResponse, ApiError, VerifyOtpRequest>({
    mutationFn: (request) => verifyOtp(request),
  });
  const sendAsync = sendMutation.mutateAsync;
  const verifyAsync = verifyMutation.mutateAsync;

  // While any deadline lies ahead, re-read the clock a few times a second. The countdowns are derived from the
  // end timestamps, so a late or skipped tick only delays the display, never shifts the deadline.
  useEffect(() => {
    const lastDeadline = Math.max(
      ...[session.resendAt, session.expiresAt, sendRetryAt, verifyRetryAt].filter((at): at is number => at !== null),
    );
    if (!Number.isFinite(lastDeadline)) return;
    const timer = setInterval(() => {
      const at = Date.now();
      setNow(at);
      if (at >= lastDeadline) clearInterval(timer);
    }, COUNTDOWN_TICK_MS);
    return () => clearInterval(timer);
  }, [session.resendAt, session.expiresAt, sendRetryAt, verifyRetryAt]);

  // A send or check adds log rows, may spend the daily budget and moves the funnel: the admin page shows all three.
  const invalidateLogs = useCallback(() => {
    void queryClient.invalidateQueries({ queryKey: OTP_LOGS_QUERY_KEY });
    void queryClient.invalidateQueries({ queryKey: SMS_USAGE_QUERY_KEY });
    void queryClient.invalidateQueries({ queryKey: DELIVERY_FUNNEL_QUERY_KEY });
  }, [queryClient]);

  const send = useCallback(
    async (phone: string, purpose: OtpPurpose): Promise<SendOutcome> => {
      try {
        const answer = await sendAsync({ phone, purpose });
        const at = Date.now();
        setNow(at);
        setSession({
          sessionId: answer.session_id,
          phone,
          sandboxCode: answer.sandbox_code ?? null,
          attemptsLeft: null,
          verified: false,
          needsNewCode: false,
          resendAt: at + answer.resend_after_s * 1000,
          expiresAt: at + answer.expires_in_s * 1000,
        });
        setSendRetryAt(null);
        setLastError(null);
        setLastResult({
          action: 'send',
          ok: true,
          status: answer.status,
          message: answer.message,
          response_time_ms: answer.response_time_ms,
        });
        return { ok: true, answer };
      } catch (caught) {
        const error = asApiError(caught);
        const at = Date.now();
        setNow(at);
        const backOffS = rateLimitWaitS(error);
        if (backOffS !== undefined) setSendRetryAt(at + backOffS * 1000);
        setLastError(error);
        setLastResult({ action: 'send', ok: false, status: error.status, message: error.message });
        return { ok: false, error };
      } finally {
        invalidateLogs();
      }
    },
    [sendAsync, invalidateLogs],
  );

  const sessionId = session.sessionId;
  const verify = useCallback(
    async (otp: string): Promise<VerifyOutcome> => {
      if (sessionId === null) {
        const error = new ApiError({ httpStatus: 0, status: 'session_not_found', message: 'Send a code first.' });
        return { ok: false, error };
      }
      try {
        const answer = await verifyAsync({ session_id: sessionId, otp });
        setSession((current) => ({
          ...current,
          verified: true,
          needsNewCode: false,
          attemptsLeft: null,
          sandboxCode: null,
          expiresAt: null,
        }));
        setVerifyRetryAt(null);
        setLastError(null);
        setLastResult({
          action: 'verify',
          ok: true,
          status: answer.status,
          message: answer.message,
          response_time_ms: answer.response_time_ms,
        });
        return { ok: true, answer };
      } catch (caught) {
        const error = asApiError(caught);
        const at = Date.now();
        setNow(at);
        const ended = endsOtpSession(error);
        setSession((current) => ({
          ...current,
          attemptsLeft:
            error.status === 'too_many_attempts' ? 0 : (error.attempts_left ?? current.attemptsLeft),
          needsNewCode: current.needsNewCode || ended,
          // The server's clock has the last word on expiry: its otp_expired ends the code's lifetime here too.
          expiresAt: error.status === 'otp_expired' ? Math.min(current.expiresAt ?? at, at) : current.expiresAt,
        }));
        // too_many_attempts is a 429 too, but waiting does not revive the session: no back-off for it.
        const backOffS = rateLimitWaitS(error);
        if (backOffS !== undefined && !ended) setVerifyRetryAt(at + backOffS * 1000);
        setLastError(error);
        setLastResult({ action: 'verify', ok: false, status: error.status, message: error.message });
        return { ok: false, error };
      } finally {
        invalidateLogs();
      }
    },
    [sessionId, verifyAsync, invalidateLogs],
  );

  /** "Change number": forget the session and its messages. Back-offs stay: the server still enforces them. */
  const reset = useCallback(() => {
    setSession(NO_SESSION);
    setLastResult(null);
    setLastError(null);
  }, []);

  /** Forget the last outcome (e.g. when a new mistake in the form makes it stale); the session stays. */
  const clearResult = useCallback(() => {
    setLastResult(null);
    setLastError(null);
  }, []);

  const isSending = sendMutation.isPending;
  const isVerifying = verifyMutation.isPending;
  const sendRetryInS = secondsUntil(sendRetryAt, now);
  const verifyRetryInS = secondsUntil(verifyRetryAt, now);
  // An expired code can never verify, and the cooldown exists to stop a second SMS for a code that still
  // works: once the code has expired, asking for a new one is the only way on, so it is not held back.
  const codeExpired =
    session.sessionId !== null && !session.verified && session.expiresAt !== null && now >= session.expiresAt;
  const needsNewCode = session.needsNewCode || codeExpired;

  return {
    sessionId: session.sessionId,
    /** E.164 phone of the current session. */
    phone: session.phone,
    sandboxCode: session.sandboxCode,
    attemptsLeft: session.attemptsLeft,
    verified: session.verified,
    /** The session can no longer verify (expired, used, too many attempts): only a new code helps. */
    needsNewCode,
    /** The code's lifetime (`expires_in_s`) ran out before it was verified. */
    codeExpired,
    /** Seconds until another send to the session's phone is allowed (0 once the code has expired). */
    resendInS: codeExpired ? 0 : secondsUntil(session.resendAt, now),
    /** Seconds until the current code expires (0 when none or expired). */
    expiresInS: secondsUntil(session.expiresAt, now),
    /** Seconds of 429 rate-limit back-off left for sends; Send stays disabled while it runs. */
    sendRetryInS,
    /** Seconds of 429 back-off left for verifies. */
    verifyRetryInS,
    lastResult,
    lastError,
    isSending,
    isVerifying,
    canSend: !isSending && sendRetryInS === 0,
    canVerify: session.sessionId !== null && !session.verified && !needsNewCode && !isVerifying && verifyRetryInS === 0,
    send,
    verify,
    reset,
    clearResult,
  };
}

export type SmsService = ReturnType<typeof useSmsService>;
