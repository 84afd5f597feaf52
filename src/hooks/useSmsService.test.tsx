import type { ReactNode } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import { act, renderHook, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useSmsService } from '@/hooks/useSmsService';
import { createQueryClient, OTP_LOGS_QUERY_KEY } from '@/lib/queryClient';
import { jsonResponse, stubFetch, type FakeHandler } from '@/test/fakeServer';

const SESSION_ID = '0b7e7f3c-6a4e-4d7a-9a55-0c1d2e3f4a5b';
const SENT = {
  session_id: SESSION_ID,
  status: 'sent',
  message: 'OTP sent.',
  response_time_ms: 300,
  expires_in_s: 120,
  resend_after_s: 30,
};

function renderService(routes: Record<string, FakeHandler>) {
  const server = stubFetch(routes);
  const queryClient = createQueryClient();
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
  );
  return { ...server, queryClient, ...renderHook(() => useSmsService(), { wrapper }) };
}

describe('useSmsService', () => {
  beforeEach(() => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps the session id and counts resend and expiry down from the answer', async () => {
    const { result } = renderService({ 'POST /api/sms/sendOtp': () => jsonResponse(200, SENT) });

    await act(() => result.current.send('+919876543210', 'login'));

    expect(result.current).toMatchObject({
      sessionId: SESSION_ID,
      phone: '+919876543210',
      resendInS: 30,
      expiresInS: 120,
      lastResult: { action: 'send', ok: true, status: 'sent', message: 'OTP sent.', response_time_ms: 300 },
    });
    act(() => vi.advanceTimersByTime(29_500));
    expect(result.current.resendInS).toBe(1);
    act(() => vi.advanceTimersByTime(500));
    expect(result.current.resendInS).toBe(0);
    expect(result.current.expiresInS).toBe(90);
  });

  it('backs verifies off for retry_after_s after a rate-limited verify, keeping the session', async () => {
    const { result } = renderService({
      'POST /api/sms/sendOtp': () => jsonResponse(200, SENT),
      'POST /api/sms/verifyOtp': () =>
        jsonResponse(429, { status: 'rate_limited', message: 'Slow down.', verified: false, retry_after_s: 12 }),
    });

    await act(() => result.current.send('+919876543210', 'login'));
    const outcome = await act(() => result.current.verify('123456'));

    expect(outcome.ok).toBe(false);
    expect(result.current.verifyRetryInS).toBe(12);
    expect(result.current.canVerify).toBe(false);
    expect(result.current.needsNewCode).toBe(false);
    act(() => vi.advanceTimersByTime(12_000));
    expect(result.current.canVerify).toBe(true);
  });

  it.each([
    ['otp_expired', 410],
    ['session_not_found', 404],
    ['too_many_attempts', 429],
  ])('asks for a new code after %s', async (status, httpStatus) => {
    const { result } = renderService({
      'POST /api/sms/sendOtp': () => jsonResponse(200, SENT),
      'POST /api/sms/verifyOtp': () => jsonResponse(httpStatus, { status, message: 'No.', verified: false }),
    });

    await act(() => result.current.send('+919876543210', 'login'));
    await act(() => result.current.verify('123456'));

    expect(result.current.needsNewCode).toBe(true);
    expect(result.current.canVerify).toBe(false);
    expect(result.current.verifyRetryInS).toBe(0);
  });

  it('treats a mismatch with no attempts left as the end of the session', async () => {
    const { result } = renderService({
      'POST /api/sms/sendOtp': () => jsonResponse(200, SENT),
      'POST /api/sms/verifyOtp': () =>
        jsonResponse(400, { status: 'otp_mismatch', message: 'Wrong.', verified: false, attempts_left: 0 }),
    });

    await act(() => result.current.send('+919876543210', 'login'));
    await act(() => result.current.verify('123456'));

    expect(result.current.attemptsLeft).toBe(0);
    expect(result.current.needsNewCode).toBe(true);
  });

  it('forgets the session on reset but keeps a running 429 back-off', async () => {
    let calls = 0;
    const { result } = renderService({
      'POST /api/sms/sendOtp': () =>
        ++calls === 1
          ? jsonResponse(200, SENT)
          : jsonResponse(429, { status: 'rate_limited', message: 'Per-hour limit.', retry_after_s: 600 }),
    });

    await act(() => result.current.send('+919876543210', 'login'));
    act(() => vi.advanceTimersByTime(30_000));
    await act(() => result.current.send('+919876543210', 'login'));
    expect(result.current.sendRetryInS).toBe(600);

    act(() => result.current.reset());

    expect(result.current).toMatchObject({ sessionId: null, phone: null, lastResult: null, resendInS: 0 });
    expect(result.current.sendRetryInS).toBe(600);
    expect(result.current.canSend).toBe(false);
  });

  it.each([
    ['provider_unavailable', 30],
    ['provider_busy', 2],
    ['database_unavailable', 5],
  ])('does not turn a 503 %s with Retry-After into a rate-limit back-off', async (status, retryAfterS) => {
    const { result } = renderService({
      'POST /api/sms/sendOtp': () =>
        jsonResponse(
          503,
          { status, message: 'Not now.', retry_after_s: retryAfterS },
          { 'Retry-After': String(retryAfterS) },
        ),
      'POST /api/sms/verifyOtp': () =>
        jsonResponse(503, { status, message: 'Not now.', verified: false }, { 'Retry-After': String(retryAfterS) }),
    });

    const outcome = await act(() => result.current.send('+919876543210', 'login'));

    expect(outcome.ok).toBe(false);
    expect(result.current.lastError).toMatchObject({ httpStatus: 503, status });
    expect(result.current.sendRetryInS).toBe(0);
    expect(result.current.canSend).toBe(true);
  });

  it('does not back verifies off after a 503 either', async () => {
    const { result } = renderService({
      'POST /api/sms/sendOtp': () => jsonResponse(200, SENT),
      'POST /api/sms/verifyOtp': () =>
        jsonResponse(503, { status: 'provider_unavailable', message: 'Down.', verified: false, retry_after_s: 30 }),
    });

    await act(() => result.current.send('+919876543210', 'login'));
    await act(() => result.current.verify('123456'));

    expect(result.current.verifyRetryInS).toBe(0);
    expect(result.current.canVerify).toBe(true);
  });

  it('once the code expires, refuses to verify it and allows a resend at once, even inside the cooldown', async () => {
    const { result } = renderService({
      'POST /api/sms/sendOtp': () => jsonResponse(200, { ...SENT, expires_in_s: 20, resend_after_s: 60 }),
    });

    await act(() => result.current.send('+919876543210', 'login'));
    act(() => vi.advanceTimersByTime(19_000));
    expect(result.current).toMatchObject({ codeExpired: false, canVerify: true, resendInS: 41, expiresInS: 1 });

    act(() => vi.advanceTimersByTime(1_000));

    expect(result.current).toMatchObject({
      codeExpired: true,
      needsNewCode: true,
      canVerify: false,
      resendInS: 0,
      expiresInS: 0,
    });
    expect(result.current.canSend).toBe(true);
  });

  it('forgets the last result on clearResult, keeping the session', async () => {
    const { result } = renderService({ 'POST /api/sms/sendOtp': () => jsonResponse(200, SENT) });

    await act(() => result.current.send('+919876543210', 'login'));
    act(() => result.current.clearResult());

    expect(result.current).toMatchObject({ sessionId: SESSION_ID, lastResult: null, lastError: null });
  });

  it('refreshes the OTP logs after a send', async () => {
    const { result, queryClient } = renderService({ 'POST /api/sms/sendOtp': () => jsonResponse(200, SENT) });
    const invalidate = vi.spyOn(queryClient, 'invalidateQueries');

    await act(() => result.current.send('+919876543210', 'test'));

    await waitFor(() => expect(invalidate).toHaveBeenCalledWith({ queryKey: OTP_LOGS_QUERY_KEY }));
  });
});
