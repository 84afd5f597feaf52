import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError, type SmsOtpProvider } from '../smsProvider.js';
import { startTwoFactorSimulator, type SimulatorRequest, type TwoFactorSimulator } from './simulator.js';
import type { HttpTransport } from './httpTransport.js';
import { createTwoFactorClient, redactApiKey, toTwoFactorPhone } from './twoFactorClient.js';

const KEY = '7c1f0e2a-93b4-4d5e-8f60-a1b2c3d4e5f6';
const PHONE = '+919876543210';

/** The rejection of `promise`, which must be a ProviderError. */
async function providerFailure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

/** Everything a log line could print of an error: message, details, stack, cause chain. */
function everythingPrintable(error: unknown): string {
  return inspect(error, { depth: 10, showHidden: true });
}

describe('2Factor client against the simulator (real HTTP)', () => {
  let sim: TwoFactorSimulator;
  let client: SmsOtpProvider;
  const requests: SimulatorRequest[] = [];

  beforeAll(async () => {
    sim = await startTwoFactorSimulator({ validApiKeys: [KEY], onRequest: (request) => requests.push(request) });
    client = createTwoFactorClient({ baseUrl: sim.url, apiKey: KEY, timeoutMs: 2000 });
  });
  afterAll(() => sim.close());
  afterEach(() => {
    sim.reset();
    requests.length = 0;
  });

  it('sends with AUTOGEN and verifies the texted code as matched', async () => {
    const sent = await client.sendOtp({ phone: PHONE });
    expect(sent.value.providerSessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.details).toBe(sent.value.providerSessionId);
    expect(Number.isInteger(sent.responseTimeMs) && sent.responseTimeMs >= 0).toBe(true);

    const code = sim.lastCodeFor(PHONE) as string;
    const verified = await client.verifyOtp({ providerSessionId: sent.value.providerSessionId, otp: code });
    expect(verified.value).toEqual({ outcome: 'matched' });
    expect(verified.details).toBe('OTP Matched');
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET /API/V1/${KEY}/SMS/919876543210/AUTOGEN`,
      `GET /API/V1/${KEY}/SMS/VERIFY/${sent.value.providerSessionId}/${code}`,
    ]);
  });

  it('sends the phone without "+" and the template as the last segment', async () => {
    await client.sendOtp({ phone: PHONE, templateName: 'LOGIN OTP/v2' });
    expect(requests[0]?.url).toBe(`/API/V1/${KEY}/SMS/919876543210/AUTOGEN/LOGIN%20OTP%2Fv2`);
    expect(sim.outbox()).toEqual([expect.objectContaining({ phone: PHONE, templateName: 'LOGIN OTP/v2' })]);
  });

  it('omits the template segment when the template name is empty', async () => {
    await client.sendOtp({ phone: PHONE, templateName: '' });
    expect(requests[0]?.url).toBe(`/API/V1/${KEY}/SMS/919876543210/AUTOGEN`);
  });

  it('never uses AUTOGEN2: the server must not learn the code', async () => {
    await client.sendOtp({ phone: PHONE, templateName: 'LOGIN_OTP' });
    expect(requests.some((r) => r.url.includes('AUTOGEN2'))).toBe(false);
  });

  it('reads the HTTP 400 "OTP Mismatch" body as a mismatch, not a transport error', async () => {
    const { value } = await client.sendOtp({ phone: PHONE });
    const code = sim.lastCodeFor(PHONE);
    const wrong = code === '000000' ? '111111' : '000000';
    const answer = await client.verifyOtp({ providerSessionId: value.providerSessionId, otp: wrong });
    expect(answer.value).toEqual({ outcome: 'mismatch' });
    expect(answer.details).toBe('OTP Mismatch');
  });

  it('treats "OTP Expired" with Status Success as expired, not verified', async () => {
    const { value } = await client.sendOtp({ phone: PHONE });
    sim.setFaults({ mode: 'expired' });
    const answer = await client.verifyOtp({
      providerSessionId: value.providerSessionId,
      otp: sim.lastCodeFor(PHONE) as string,
    });
    expect(answer.value).toEqual({ outcome: 'expired' });
  });

  it('reports an unknown session as session_not_found', async () => {
    const answer = await client.verifyOtp({ providerSessionId: '00000000-0000-4000-8000-000000000000', otp: '123456' });
    expect(answer.value).toEqual({ outcome: 'session_not_found' });
    expect(answer.details).toBe('Invalid API / SessionId Combination - No Entry Exists');
  });

  it('reports a consumed session (verified twice) as session_not_found', async () => {
    const { value } = await client.sendOtp({ phone: PHONE });
    const otp = sim.lastCodeFor(PHONE) as string;
    await client.verifyOtp({ providerSessionId: value.providerSessionId, otp });
    expect((await client.verifyOtp({ providerSessionId: value.providerSessionId, otp })).value).toEqual({
      outcome: 'session_not_found',
    });
  });

  it('texts a code it was given as a custom OTP, with the template as the last segment, and never echoes the code', async () => {
    const sent = await client.sendGivenOtp({ phone: PHONE, otp: '482913', templateName: 'LoginOTP' });
    expect(sent.value.providerSessionId).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent.details).not.toContain('482913');
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET /API/V1/${KEY}/SMS/919876543210/482913/LoginOTP`,
    ]);
    expect(sim.outbox({ phone: PHONE })).toMatchObject([
      { kind: 'otp', code: '482913', providerSessionId: sent.value.providerSessionId },
    ]);
  });

  it('refuses a given code that is not 4 to 6 digits without a request, and names no code', async () => {
    for (const otp of ['1234567', '123', '12a456', 'AUTOGEN']) {
      const error = await providerFailure(client.sendGivenOtp({ phone: PHONE, otp }));
      expect(error.kind).toBe('rejected');
      expect(everythingPrintable(error)).not.toContain(otp);
    }
    expect(requests).toEqual([]);
  });

  it("rejects a phone of the wrong length with 2Factor's text", async () => {
    const error = await providerFailure(client.sendOtp({ phone: '+9198765' }));
    expect(error.kind).toBe('rejected');
    expect(error.details).toBe('Invalid Phone Number - Length Mismatch(Expected: 10)');
    expect(error.responseTimeMs).toBeGreaterThanOrEqual(0);
  });

  it('sends a TSMS as a form with From, To, TemplateName and VAR1..n, and returns the session id', async () => {
    const sent = await client.sendTemplateSms({
      from: 'ACMEIN',
      to: PHONE,
      templateName: 'ORDER_SHIPPED',
      variables: ['A-17 & co', 'tomorrow=soon'],
    });
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ method: 'POST', url: `/API/V1/${KEY}/ADDON_SERVICES/SEND/TSMS` });
    expect(Object.fromEntries(new URLSearchParams(requests[0]?.body))).toEqual({
      From: 'ACMEIN',
      To: '919876543210',
      TemplateName: 'ORDER_SHIPPED',
      VAR1: 'A-17 & co',
      VAR2: 'tomorrow=soon',
    });
    expect(sim.outbox()).toEqual([
      expect.objectContaining({
        kind: 'template',
        phone: PHONE,
        from: 'ACMEIN',
        templateName: 'ORDER_SHIPPED',
        variables: ['A-17 & co', 'tomorrow=soon'],
        providerSessionId: sent.value.providerSessionId,
      }),
    ]);
  });

  it('rejects a TSMS 2Factor refuses, with its text', async () => {
    const error = await providerFailure(
      client.sendTemplateSms({ from: 'ACME', to: PHONE, templateName: 'T', variables: [] }),
    );
    expect([error.kind, error.details]).toEqual(['rejected', 'Incorrect sender id and templatename provided']);
  });

  it('reads the SMS balance as text', async () => {
    const balance = await client.getBalance();
    expect(balance.value).toEqual({ balance: '500' });
    expect(requests[0]?.url).toBe(`/API/V1/${KEY}/BAL/SMS`);
  });

  it('reads the transactional SMS balance from its own call', async () => {
    sim.setBalances({ sms: '900', transactionalSms: '42' });
    expect((await client.getBalance('transactional_sms')).value).toEqual({ balance: '42' });
    expect((await client.getBalance('otp_sms')).value).toEqual({ balance: '900' });
    expect(requests.map((request) => request.url)).toEqual([
      `/API/V1/${KEY}/ADDON_SERVICES/BAL/TRANSACTIONAL_SMS`,
      `/API/V1/${KEY}/BAL/SMS`,
    ]);
  });

  it.each([
    ['http500', 'HTTP 500 from provider'],
    ['html', 'unreadable answer (HTTP 200)'],
    ['brokenJson', 'unreadable answer (HTTP 200)'],
    ['oversized', 'answer larger than 65536 bytes'],
  ] as const)('treats the %s fault as unavailable', async (mode, details) => {
    sim.setFaults({ mode });
    const error = await providerFailure(client.getBalance());
    expect([error.kind, error.details]).toEqual(['unavailable', details]);
    expect(error.responseTimeMs).toBeGreaterThanOrEqual(0);
  });

  it('makes exactly one request per call, even when it fails (never retries)', async () => {
    sim.setFaults({ mode: 'http500' });
    await providerFailure(client.sendOtp({ phone: PHONE }));
    expect(sim.stats().totalRequests).toBe(1);
  });

  it("is counted by the simulator's stats, by kind", async () => {
    const { value } = await client.sendOtp({ phone: PHONE });
    await client.verifyOtp({ providerSessionId: value.providerSessionId, otp: '000000' });
    await client.getBalance();
    await client.sendTemplateSms({ from: 'ACMEIN', to: PHONE, templateName: 'T', variables: ['x'] });
    expect(sim.stats()).toMatchObject({
      totalRequests: 4,
      byKind: { autogen: 1, verify: 1, tsms: 1, balance: 1, other: 0 },
    });
  });

  it('keeps hostile session ids and codes inside their own path segment', async () => {
    const hostile = fc.oneof(
      fc.constantFrom('../', '../../BAL/SMS', '%2F', '%2e%2e', '?', '#', '?x=1#y', '/', '\\', ' ', '+', '.', '..', ''),
      fc.string({ unit: 'binary', maxLength: 24 }),
    );
    await fc.assert(
      fc.asyncProperty(hostile, hostile, async (providerSessionId, otp) => {
        requests.length = 0;
        const refused = [providerSessionId, otp].some((value) => value === '' || value === '.' || value === '..');
        const outcome = await client.verifyOtp({ providerSessionId, otp }).then(
          (result) => result.value.outcome,
          (error: unknown) => error,
        );
        if (refused) {
          // A URL parser would drop or resolve these segments: refused before any request.
          expect(outcome).toBeInstanceOf(ProviderError);
          expect((outcome as ProviderError).details).toMatch(
            /^invalid request: (providerSessionId|otp) cannot be sent/,
          );
          expect(requests).toEqual([]);
          return;
        }
        expect(outcome).toBe('session_not_found');
        expect(requests).toHaveLength(1);
        const url = requests[0]?.url as string;
        expect(url).toBe(
          `/API/V1/${KEY}/SMS/VERIFY/${encodeURIComponent(providerSessionId)}/${encodeURIComponent(otp)}`,
        );
        expect(url).not.toMatch(/[?#]/);
        expect(url.split('/').slice(1).map(decodeURIComponent)).toEqual([
          'API',
          'V1',
          KEY,
          'SMS',
          'VERIFY',
          providerSessionId,
          otp,
        ]);
      }),
    );
  });

  it('refuses a code that cannot be percent-encoded (lone surrogate) without a request', async () => {
    const error = await providerFailure(client.verifyOtp({ providerSessionId: 'abc', otp: '\uD800' }));
    expect([error.kind, error.details]).toEqual([
      'rejected',
      'invalid request: otp cannot be sent as a URL path segment',
    ]);
    expect(requests).toEqual([]);
  });
});

describe('2Factor client: the API key never leaks', () => {
  let sim: TwoFactorSimulator;
  beforeAll(async () => {
    sim = await startTwoFactorSimulator({ validApiKeys: ['some-other-key'], invalidKeyHttpStatus: 401 });
  });
  afterAll(() => sim.close());

  it('rejects a bad key with details "Invalid API Key" and the key nowhere in the error', async () => {
    const client = createTwoFactorClient({ baseUrl: sim.url, apiKey: KEY, timeoutMs: 2000 });
    for (const call of [
      () => client.sendOtp({ phone: PHONE }),
      () => client.verifyOtp({ providerSessionId: 'abc', otp: '123456' }),
      () => client.getBalance(),
      () => client.sendTemplateSms({ from: 'ACMEIN', to: PHONE, templateName: 'T', variables: [] }),
    ]) {
      const error = await providerFailure(call());
      expect([error.kind, error.details]).toEqual(['rejected', 'Invalid API Key']);
      expect(everythingPrintable(error)).not.toContain(KEY);
    }
  });

  it('never leaks any key through any verify input (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uuid(),
        fc.string({ unit: 'binary', maxLength: 16 }),
        fc.string({ maxLength: 8 }),
        async (apiKey, session, otp) => {
          const client = createTwoFactorClient({ baseUrl: sim.url, apiKey, timeoutMs: 2000 });
          const error = await providerFailure(client.verifyOtp({ providerSessionId: `${session}${apiKey}`, otp }));
          expect(error.kind).toBe('rejected');
          expect(everythingPrintable(error)).not.toContain(apiKey);
        },
      ),
    );
  });

  it('redacts the key when the provider echoes it back', async () => {
    const echo: HttpTransport = async ({ url }) => ({
      status: 200,
      bodyText: JSON.stringify({ Status: 'Error', Details: `Invalid API Key ${url}` }),
    });
    const client = createTwoFactorClient({
      baseUrl: 'https://2factor.example',
      apiKey: KEY,
      timeoutMs: 2000,
      transport: echo,
    });
    const error = await providerFailure(client.getBalance());
    expect(error.details).toBe('Invalid API Key https://2factor.example/API/V1/[REDACTED]/BAL/SMS');
    expect(everythingPrintable(error)).not.toContain(KEY);
  });

  it('does not pass on a transport error that quotes the URL', async () => {
    const failing: HttpTransport = async ({ url }) => {
      throw new TypeError(`Failed to parse URL from ${url}`);
    };
    const client = createTwoFactorClient({
      baseUrl: 'https://2factor.example',
      apiKey: KEY,
      timeoutMs: 2000,
      transport: failing,
    });
    const error = await providerFailure(client.verifyOtp({ providerSessionId: 'sid', otp: '482913' }));
    expect([error.kind, error.details]).toEqual(['unavailable', 'network error']);
    const printable = everythingPrintable(error);
    expect(printable).not.toContain(KEY);
    expect(printable).not.toContain('482913');
  });

  it('redactApiKey replaces the raw and the percent-encoded key', () => {
    expect(redactApiKey('a/k y/b k%20y', 'k y')).toBe('a/[REDACTED]/b [REDACTED]');
    expect(redactApiKey('nothing here', KEY)).toBe('nothing here');
  });
});

describe('2Factor client: transport failures are unavailable', () => {
  it('times out when 2Factor is slower than timeoutMs, and says so quickly', async () => {
    const sim = await startTwoFactorSimulator({ latencyMs: 1500 });
    try {
      const client = createTwoFactorClient({ baseUrl: sim.url, apiKey: KEY, timeoutMs: 100 });
      const error = await providerFailure(client.sendOtp({ phone: PHONE }));
      expect([error.kind, error.details]).toEqual(['unavailable', 'timeout after 100 ms']);
      expect(error.responseTimeMs).toBeGreaterThanOrEqual(90);
      expect(error.responseTimeMs).toBeLessThan(1000);
      expect(everythingPrintable(error)).not.toContain(KEY);
    } finally {
      await sim.close();
    }
  });

  it('takes a shorter timeout for one call, and never a longer one', async () => {
    const sim = await startTwoFactorSimulator({ latencyMs: 1500 });
    try {
      const client = createTwoFactorClient({ baseUrl: sim.url, apiKey: KEY, timeoutMs: 300 });
      const shorter = await providerFailure(client.sendGivenOtp({ phone: PHONE, otp: '482913' }, { timeoutMs: 100 }));
      expect(shorter.details).toBe('timeout after 100 ms');
      const longer = await providerFailure(
        client.sendTemplateSms({ from: 'TFCTOR', to: PHONE, templateName: 'T', variables: ['1'] }, { timeoutMs: 5000 }),
      );
      expect(longer.details).toBe('timeout after 300 ms');
    } finally {
      await sim.close();
    }
  });

  it('times out when 2Factor never answers', async () => {
    const sim = await startTwoFactorSimulator({ mode: 'hang' });
    try {
      const client = createTwoFactorClient({ baseUrl: sim.url, apiKey: KEY, timeoutMs: 150 });
      const error = await providerFailure(client.verifyOtp({ providerSessionId: 'sid', otp: '123456' }));
      expect([error.kind, error.details]).toEqual(['unavailable', 'timeout after 150 ms']);
    } finally {
      await sim.close();
    }
  });

  it('reports a refused connection (closed port) as unavailable', async () => {
    const sim = await startTwoFactorSimulator();
    await sim.close();
    const client = createTwoFactorClient({ baseUrl: sim.url, apiKey: KEY, timeoutMs: 2000 });
    const error = await providerFailure(client.getBalance());
    expect([error.kind, error.details]).toEqual(['unavailable', 'connection failed (ECONNREFUSED)']);
    expect(error.message).toBe('2Factor getBalance unavailable: connection failed (ECONNREFUSED)');
    expect(everythingPrintable(error)).not.toContain(KEY);
  });

  it('treats a redirect as unavailable (following it would carry the key elsewhere)', async () => {
    const redirecting: HttpTransport = async () => ({ status: 302, bodyText: '' });
    const client = createTwoFactorClient({
      baseUrl: 'https://2factor.example',
      apiKey: KEY,
      timeoutMs: 2000,
      transport: redirecting,
    });
    const error = await providerFailure(client.getBalance());
    expect([error.kind, error.details]).toEqual(['unavailable', 'unexpected redirect (HTTP 302)']);
  });
});

describe('2Factor client helpers', () => {
  it('writes E.164 Indian numbers without the "+"', () => {
    expect(toTwoFactorPhone('+919876543210')).toBe('919876543210');
  });

  it('refuses to start without an API key or with a non-positive timeout', () => {
    expect(() => createTwoFactorClient({ baseUrl: 'https://2factor.in', apiKey: '', timeoutMs: 1000 })).toThrow(
      /apiKey/,
    );
    expect(() => createTwoFactorClient({ baseUrl: 'https://2factor.in', apiKey: KEY, timeoutMs: 0 })).toThrow(
      /timeoutMs/,
    );
  });

  it('accepts a base URL with a trailing slash', async () => {
    const urls: string[] = [];
    const recording: HttpTransport = async ({ url }) => {
      urls.push(url);
      return { status: 200, bodyText: '{"Status":"Success","Details":"42"}' };
    };
    await createTwoFactorClient({
      baseUrl: 'https://2factor.in/',
      apiKey: KEY,
      timeoutMs: 1000,
      transport: recording,
    }).getBalance();
    expect(urls).toEqual([`https://2factor.in/API/V1/${KEY}/BAL/SMS`]);
  });
});
