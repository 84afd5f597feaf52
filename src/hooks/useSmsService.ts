import { useCallback, useEffect, useReducer } from 'react';
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
import { INITIAL_OTP_STATE, otpReducer } from '@/hooks/otpSessionMachine';
import { COUNTDOWN_TICK_MS, secondsUntil } from '@/hooks/useCountdown';
import { DELIVERY_FUNNEL_QUERY_KEY, OTP_LOGS_QUERY_KEY, SMS_USAGE_QUERY_KEY } from '@/lib/queryClient';

export type SendOutcome = { ok: true; answer: SendOtpResponse } | { ok: false; error: ApiError };
export type VerifyOutcome = { ok: true; answer: VerifyOtpResponse } | { ok: false; error: ApiError };

function asApiError(error: unknown): ApiError {
  return isApiError(error)
    ? error
    : new ApiError({ httpStatus: 0, status: 'network_error', message: NETWORK_ERROR_MESSAGE });
}

/**
 * Send and verify one OTP at a time, for the Test Sender and the phone login tab.
 *
 * The session is a small state machine (otpSessionMachine.ts: idle → sent → verified | dead). Every wait comes
 * from the server's numbers (`resend_after_s`, `retry_after_s`, `expires_in_s`), turned into deadlines when the
 * answer arrives; while one lies ahead the clock ticks a few times a second and the countdowns are recomputed
 * from the deadlines, so a late tick only delays the display, never shifts a deadline. A 429 back-off outlives
 * `reset()`: changing the number does not lift a per-IP or per-hour limit.
 */
export function useSmsService() {
  const queryClient = useQueryClient();
  const [state, dispatch] = useReducer(otpReducer, INITIAL_OTP_STATE);
  const { session, nowMs } = state;

  const sendMutation = useMutation<SendOtpResponse, ApiError, SendOtpRequest>({
    mutationFn: (request) => sendOtp(request),
  });
  const verifyMutation = useMutation<VerifyOtpResponse, ApiError, VerifyOtpRequest>({
    mutationFn: (request) => verifyOtp(request),
  });
  const sendAsync = sendMutation.mutateAsync;
  const verifyAsync = verifyMutation.mutateAsync;

  // While a deadline lies ahead, re-read the clock a few times a second. A new deadline restarts the ticks, so
  // one lands on it exactly (under a test's fake clock as in a browser).
  const resendAtMs = session.kind === 'idle' ? null : session.resendAtMs;
  const expiresAtMs = session.kind === 'sent' || session.kind === 'dead' ? session.expiresAtMs : null;
  const { sendBackOffUntilMs, verifyBackOffUntilMs } = state;
  useEffect(() => {
    const lastDeadlineMs = Math.max(
      ...[resendAtMs, expiresAtMs, sendBackOffUntilMs, verifyBackOffUntilMs].filter((at): at is number => at !== null),
    );
    if (!Number.isFinite(lastDeadlineMs) || Date.now() >= lastDeadlineMs) return;
    const timer = setInterval(() => {
      const atMs = Date.now();
      dispatch({ type: 'tick', atMs });
      if (atMs >= lastDeadlineMs) clearInterval(timer);
    }, COUNTDOWN_TICK_MS);
    return () => clearInterval(timer);
  }, [resendAtMs, expiresAtMs, sendBackOffUntilMs, verifyBackOffUntilMs]);

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
        dispatch({ type: 'sent', atMs: Date.now(), phone, answer });
        return { ok: true, answer };
      } catch (caught) {
        const error = asApiError(caught);
        dispatch({ type: 'sendFailed', atMs: Date.now(), error });
        return { ok: false, error };
      } finally {
        invalidateLogs();
      }
    },
    [sendAsync, invalidateLogs],
  );

  const sessionId = session.kind === 'idle' ? null : session.sessionId;
  const verify = useCallback(
    async (otp: string): Promise<VerifyOutcome> => {
      if (sessionId === null) {
        const error = new ApiError({ httpStatus: 0, status: 'session_not_found', message: 'Send a code first.' });
        return { ok: false, error };
      }
      try {
        const answer = await verifyAsync({ session_id: sessionId, otp });
        dispatch({ type: 'verified', atMs: Date.now(), sessionId, answer });
        return { ok: true, answer };
      } catch (caught) {
        const error = asApiError(caught);
        dispatch({ type: 'verifyFailed', atMs: Date.now(), sessionId, error });
        return { ok: false, error };
      } finally {
        invalidateLogs();
      }
    },
    [sessionId, verifyAsync, invalidateLogs],
  );

  const reset = useCallback(() => dispatch({ type: 'reset' }), []);
  const clearResult = useCallback(() => dispatch({ type: 'clearResult' }), []);

  const isSending = sendMutation.isPending;
  const isVerifying = verifyMutation.isPending;
  const sendRetryInS = secondsUntil(state.sendBackOffUntilMs, nowMs);
  const verifyRetryInS = secondsUntil(state.verifyBackOffUntilMs, nowMs);
  const codeExpired = session.kind === 'dead' && session.reason === 'expired';
  const hasCode = session.kind === 'sent' || session.kind === 'dead';

  return {
    sessionId,
    /** E.164 phone of the current session. */
    phone: session.kind === 'idle' ? null : session.phone,
    sandboxCode: hasCode ? session.sandboxCode : null,
    attemptsLeft: hasCode ? session.attemptsLeft : null,
    verified: session.kind === 'verified',
    /** The session can no longer verify (expired, used, too many attempts): only a new code helps. */
    needsNewCode: session.kind === 'dead',
    /** The code's lifetime (`expires_in_s`) ran out before it was verified. */
    codeExpired,
    /**
     * Seconds until another send to the session's phone is allowed. 0 once the code has expired: the cooldown
     * exists to stop a second SMS for a code that still works, and a new code is then the only way on.
     */
    resendInS: session.kind === 'idle' || codeExpired ? 0 : secondsUntil(session.resendAtMs, nowMs),
    /** Seconds until the current code expires (0 when none or expired). */
    expiresInS: hasCode ? secondsUntil(session.expiresAtMs, nowMs) : 0,
    /** Seconds of 429 rate-limit back-off left for sends; Send stays disabled while it runs. */
    sendRetryInS,
    /** Seconds of 429 back-off left for verifies. */
    verifyRetryInS,
    lastResult: state.lastResult,
    lastError: state.lastError,
    isSending,
    isVerifying,
    canSend: !isSending && sendRetryInS === 0,
    canVerify: session.kind === 'sent' && !isVerifying && verifyRetryInS === 0,
    send,
    verify,
    reset,
    clearResult,
  };
}
