import { describe, expect, it, vi } from 'vitest';
import { ApiError, NETWORK_ERROR_MESSAGE, apiRequest, parseRetryAfter } from '@/api/client';
import { jsonResponse, noContent, stubFetch } from '@/test/fakeServer';

async function caught(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

describe('apiRequest', () => {
  it('sends same-origin JSON and resolves with the parsed body', async () => {
    const { requests } = stubFetch({ 'GET /api/thing': () => jsonResponse(200, { ok: true }) });

    await expect(apiRequest('/api/thing')).resolves.toEqual({ ok: true });

    const [request] = requests;
    expect(request?.credentials).toBe('same-origin');
    expect(request?.headers.get('Accept')).toBe('application/json');
    expect(request?.headers.get('Content-Type')).toBeNull();
    expect(request?.rawBody).toBeUndefined();
  });

  it('sends every write as JSON, an empty object when there is no body (the CSRF check wants JSON)', async () => {
    const { requests } = stubFetch({
      'POST /api/a': () => noContent(),
      'PUT /api/b': () => jsonResponse(200, { saved: true }),
    });

    await expect(apiRequest('/api/a', { method: 'POST' })).resolves.toBeUndefined();
    await apiRequest('/api/b', { method: 'PUT', body: { mode: 'autogen' } });

    expect(requests.map((r) => [r.headers.get('Content-Type'), r.rawBody])).toEqual([
      ['application/json', '{}'],
      ['application/json', '{"mode":"autogen"}'],
    ]);
  });

  it('maps an error body to ApiError with its status, message and retry_after_s', async () => {
    stubFetch({
      'POST /api/auth/login': () =>
        jsonResponse(
          429,
          { status: 'rate_limited', message: 'Too many attempts.', retry_after_s: 42 },
          { 'Retry-After': '99' },
        ),
    });

    const error = await caught(apiRequest('/api/auth/login', { method: 'POST', body: {} }));

    expect(error).toMatchObject({
      httpStatus: 429,
      status: 'rate_limited',
      message: 'Too many attempts.',
      retry_after_s: 42,
    });
  });

  it('carries attempts_left and issues when the server sends them', async () => {
    stubFetch({
      'POST /api/sms/verify': () =>
        jsonResponse(400, {
          status: 'otp_mismatch',
          message: 'The code is wrong.',
          attempts_left: 2,
          issues: [{ path: 'otp', message: 'Wrong code' }],
        }),
    });

    const error = await caught(apiRequest('/api/sms/verify', { method: 'POST', body: {} }));

    expect(error).toMatchObject({
      status: 'otp_mismatch',
      attempts_left: 2,
      issues: [{ path: 'otp', message: 'Wrong code' }],
    });
  });

  it("carries the provider's own words (provider_details) of an admin's failed send", async () => {
    stubFetch({
      'POST /api/sms/sendOtp': () =>
        jsonResponse(502, {
          status: 'provider_error',
          message: 'We could not send the code.',
          provider_details: 'Invalid API Key',
        }),
    });

    const error = await caught(apiRequest('/api/sms/sendOtp', { method: 'POST', body: {} }));

    expect(error).toMatchObject({ httpStatus: 502, status: 'provider_error', provider_details: 'Invalid API Key' });
  });

  it('ignores a provider_details that is not a non-empty string', async () => {
    stubFetch({
      'POST /api/sms/sendOtp': () =>
        jsonResponse(502, { status: 'provider_error', message: 'No.', provider_details: { raw: 1 } }),
      'POST /api/sms/verifyOtp': () =>
        jsonResponse(502, { status: 'provider_error', message: 'No.', provider_details: '  ' }),
    });

    expect((await caught(apiRequest('/api/sms/sendOtp', { method: 'POST' }))).provider_details).toBeUndefined();
    expect((await caught(apiRequest('/api/sms/verifyOtp', { method: 'POST' }))).provider_details).toBeUndefined();
  });

  it('reads the wait from the Retry-After header when the body has none', async () => {
    stubFetch({
      'POST /api/sms/send': () =>
        jsonResponse(429, { status: 'rate_limited', message: 'Slow down.' }, { 'Retry-After': '30' }),
    });

    const error = await caught(apiRequest('/api/sms/send', { method: 'POST' }));

    expect(error.retry_after_s).toBe(30);
  });

  it('turns a non-JSON error page into network_error with a generic message', async () => {
    stubFetch({
      'GET /api/thing': () =>
        new Response('<html>Bad gateway</html>', { status: 502, headers: { 'Content-Type': 'text/html' } }),
    });

    const error = await caught(apiRequest('/api/thing'));

    expect(error).toMatchObject({ httpStatus: 502, status: 'network_error' });
    expect(error.message).not.toContain('<html>');
  });

  it('keeps a proxy 429 without a JSON body a rate limit, with the Retry-After wait', async () => {
    stubFetch({
      'GET /api/thing': () => new Response('Too Many Requests', { status: 429, headers: { 'Retry-After': '5' } }),
    });

    const error = await caught(apiRequest('/api/thing'));

    expect(error).toMatchObject({ httpStatus: 429, status: 'rate_limited', retry_after_s: 5 });
  });

  it('rejects a 200 that is not JSON (e.g. the SPA page served for an unknown API path)', async () => {
    stubFetch({
      'GET /api/thing': () =>
        new Response('<!doctype html>', { status: 200, headers: { 'Content-Type': 'text/html' } }),
    });

    const error = await caught(apiRequest('/api/thing'));

    expect(error.status).toBe('network_error');
  });

  it('turns a failed fetch into network_error with httpStatus 0', async () => {
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')));

    const error = await caught(apiRequest('/api/thing'));

    expect(error).toMatchObject({ httpStatus: 0, status: 'network_error', message: NETWORK_ERROR_MESSAGE });
  });

  it('rethrows an abort as it is, so callers can tell cancelling from failing', async () => {
    const controller = new AbortController();
    const abort = new DOMException('The operation was aborted.', 'AbortError');
    vi.stubGlobal(
      'fetch',
      vi.fn().mockImplementation(() => Promise.reject(abort)),
    );
    controller.abort();

    await expect(apiRequest('/api/thing', { signal: controller.signal })).rejects.toBe(abort);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and ignores nonsense', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:01:30 GMT', now)).toBe(90);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
