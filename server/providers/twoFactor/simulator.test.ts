import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseDeliveryCallback } from './deliveryCallback.js';
import { startTwoFactorSimulator, type SimulatorMessage, type TwoFactorSimulator } from './simulator.js';

const KEY = '5f3a9c2e-1111-4b5b-9c9c-0123456789ab';
const PHONE = '+919876543210';

async function get(sim: TwoFactorSimulator, path: string) {
  const response = await fetch(`${sim.url}${path}`);
  return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
}

async function getJson(sim: TwoFactorSimulator, path: string) {
  const { status, text } = await get(sim, path);
  return { status, json: JSON.parse(text) as { Status: string; Details: string; OTP?: string } };
}

async function postForm(sim: TwoFactorSimulator, path: string, fields: Record<string, string>) {
  const response = await fetch(`${sim.url}${path}`, { method: 'POST', body: new URLSearchParams(fields) });
  return { status: response.status, json: JSON.parse(await response.text()) as { Status: string; Details: string } };
}

const api = (path: string) => `/API/V1/${KEY}/${path}`;

describe('2Factor simulator: the API', () => {
  let sim: TwoFactorSimulator;
  beforeAll(async () => {
    sim = await startTwoFactorSimulator();
  });
  afterAll(() => sim.close());
  afterEach(() => sim.reset());

  it.each(['9876543210', '919876543210', '+919876543210', '%2B919876543210'])(
    'accepts the phone written as %s and records it as E.164',
    async (phone) => {
      const { status, json } = await getJson(sim, api(`SMS/${phone}/AUTOGEN`));
      expect(status).toBe(200);
      expect(json.Status).toBe('Success');
      expect(sim.outbox()).toEqual([
        expect.objectContaining({
          kind: 'otp',
          phone: PHONE,
          providerSessionId: json.Details,
          code: expect.stringMatching(/^\d{6}$/),
        }),
      ]);
    },
  );

  it('tells the code of a session by its id (the sandbox shows admins their test codes with it)', async () => {
    const session = (await getJson(sim, api(`SMS/${PHONE}/AUTOGEN`))).json.Details;
    await getJson(sim, api(`SMS/${PHONE}/AUTOGEN`));
    expect(sim.codeForSession(session)).toBe(sim.outbox()[0]!.code);
    expect(sim.codeForSession('no-such-session')).toBeUndefined();
  });

  it.each(['98765', '09876543210', '9198765432101', 'abcdefghij'])(
    'answers HTTP 400 "Length Mismatch" for the phone %s',
    async (phone) => {
      expect(await getJson(sim, api(`SMS/${phone}/AUTOGEN`))).toEqual({
        status: 400,
        json: { Status: 'Error', Details: 'Invalid Phone Number - Length Mismatch(Expected: 10)' },
      });
      expect(sim.outbox()).toEqual([]);
    },
  );

  it('verifies the texted code once: "OTP Matched", then the session is gone', async () => {
    const session = (await getJson(sim, api(`SMS/${PHONE}/AUTOGEN/LOGIN_OTP`))).json.Details;
    const code = sim.lastCodeFor(PHONE);
    expect(sim.outbox()[0]).toMatchObject({ templateName: 'LOGIN_OTP' });
    expect(await getJson(sim, api(`SMS/VERIFY/${session}/${code}`))).toEqual({
      status: 200,
      json: { Status: 'Success', Details: 'OTP Matched' },
    });
    expect(await getJson(sim, api(`SMS/VERIFY/${session}/${code}`))).toEqual({
      status: 400,
      json: { Status: 'Error', Details: 'Invalid API / SessionId Combination - No Entry Exists' },
    });
  });

  it('answers HTTP 400 "OTP Mismatch" to wrong codes without consuming the session or capping attempts', async () => {
    const session = (await getJson(sim, api(`SMS/${PHONE}/AUTOGEN`))).json.Details;
    const code = sim.lastCodeFor(PHONE) as string;
    const wrong = code === '000000' ? '111111' : '000000';
    for (let attempt = 0; attempt < 10; attempt++) {
      expect(await getJson(sim, api(`SMS/VERIFY/${session}/${wrong}`))).toEqual({
        status: 400,
        json: { Status: 'Error', Details: 'OTP Mismatch' },
      });
    }
    expect((await getJson(sim, api(`SMS/VERIFY/${session}/${code}`))).json.Details).toBe('OTP Matched');
  });

  it('returns the code in "OTP" for AUTOGEN2 (which our client never calls)', async () => {
    const { json } = await getJson(sim, api(`SMS/${PHONE}/AUTOGEN2`));
    expect(json.OTP).toBe(sim.lastCodeFor(PHONE));
  });

  it('sends AUTOGEN3 with a template and refuses it without one', async () => {
    expect((await getJson(sim, api(`SMS/${PHONE}/AUTOGEN3/LOGIN_OTP`))).json.Status).toBe('Success');
    expect((await getJson(sim, api(`SMS/${PHONE}/AUTOGEN3`))).json).toEqual({
      Status: 'Error',
      Details: 'Missing templatename value',
    });
  });

  it('sends a custom 4–6 digit code and verifies it', async () => {
    const session = (await getJson(sim, api(`SMS/${PHONE}/4321/LOGIN_OTP`))).json.Details;
    expect(sim.outbox()[0]).toMatchObject({ code: '4321', templateName: 'LOGIN_OTP' });
    expect((await getJson(sim, api(`SMS/VERIFY/${session}/4321`))).json.Details).toBe('OTP Matched');
  });

  it('verifies by phone with VERIFY3 against the newest session', async () => {
    await getJson(sim, api(`SMS/${PHONE}/AUTOGEN`));
    await getJson(sim, api(`SMS/${PHONE}/AUTOGEN`));
    const newest = sim.lastCodeFor(PHONE);
    expect((await getJson(sim, api(`SMS/VERIFY3/919876543210/${newest}`))).json.Details).toBe('OTP Matched');
  });

  it('queues a TSMS per recipient with sender, template and variables as sent', async () => {
    const { status, json } = await postForm(sim, api('ADDON_SERVICES/SEND/TSMS'), {
      From: 'ACMEIN',
      To: '919876543210,9876543211',
      TemplateName: 'ORDER_SHIPPED',
      VAR2: 'tomorrow',
      VAR1: 'A-17 & co',
    });
    expect(status).toBe(200);
    expect(json.Status).toBe('Success');
    const common = {
      kind: 'template',
      providerSessionId: json.Details,
      from: 'ACMEIN',
      templateName: 'ORDER_SHIPPED',
      variables: ['A-17 & co', 'tomorrow'],
    };
    expect(sim.outbox()).toEqual([
      expect.objectContaining({ ...common, phone: '+919876543210' }),
      expect.objectContaining({ ...common, phone: '+919876543211' }),
    ]);
    const report = await get(sim, api(`ADDON_SERVICES/RPT/TSMS/${json.Details}`));
    expect(report.type).toContain('xml');
    expect(report.text.match(/<statusDesc>DELIVERED<\/statusDesc>/g)).toHaveLength(2);
  });

  it('refuses a TSMS without TemplateName or Msg, with a bad sender id, or a bad number', async () => {
    const path = api('ADDON_SERVICES/SEND/TSMS');
    expect((await postForm(sim, path, { From: 'ACMEIN', To: '919876543210' })).json.Details).toBe(
      'Missing templatename value',
    );
    expect((await postForm(sim, path, { From: 'ACME', To: '919876543210', TemplateName: 'T' })).json.Details).toBe(
      'Incorrect sender id and templatename provided',
    );
    expect((await postForm(sim, path, { From: 'ACMEIN', To: '12345', TemplateName: 'T' })).json.Details).toBe(
      'Invalid Phone Number - Length Mismatch(Expected: 10)',
    );
    expect(sim.outbox()).toEqual([]);
  });

  it('accepts an open-template TSMS with Msg, defaulting the sender to TFCTOR', async () => {
    await postForm(sim, api('ADDON_SERVICES/SEND/TSMS'), { To: '919876543210', Msg: 'Hello' });
    expect(sim.outbox()[0]).toMatchObject({ kind: 'template', from: 'TFCTOR', text: 'Hello', variables: [] });
  });

  it.each(['BAL/SMS', 'BAL/VOICE', 'ADDON_SERVICES/BAL/TRANSACTIONAL_SMS'])(
    'answers %s with the balance as text',
    async (path) => {
      expect(await getJson(sim, api(path))).toEqual({ status: 200, json: { Status: 'Success', Details: '500' } });
    },
  );

  it('answers an unknown route with 404 and counts it as "other"', async () => {
    expect((await getJson(sim, api('SMS/9876543210/NOPE'))).status).toBe(404);
    expect((await get(sim, '/favicon.ico')).status).toBe(404);
    expect(sim.stats().byKind.other).toBe(2);
  });

  it('counts every API request by kind, but not control requests', async () => {
    await getJson(sim, api(`SMS/${PHONE}/AUTOGEN`));
    await getJson(sim, api(`SMS/VERIFY/x/123456`));
    await getJson(sim, api(`SMS/VERIFY3/${PHONE}/123456`));
    await getJson(sim, api('BAL/SMS'));
    await postForm(sim, api('ADDON_SERVICES/SEND/TSMS'), { To: '919876543210', TemplateName: 'T' });
    await get(sim, '/__simulator/outbox');
    await get(sim, '/__simulator/stats');
    const stats = sim.stats();
    expect(stats).toMatchObject({ totalRequests: 5, byKind: { autogen: 1, verify: 2, tsms: 1, balance: 1, other: 0 } });
    expect(stats.maxPerCalendarSecond).toBeGreaterThanOrEqual(1);
    expect(stats.maxInAnySlidingSecond).toBeGreaterThanOrEqual(stats.maxPerCalendarSecond);
    expect(stats.perSecond.reduce((sum, entry) => sum + entry.count, 0)).toBe(5);
    sim.resetStats();
    expect(sim.stats().totalRequests).toBe(0);
  });
});

describe('2Factor simulator: keys, expiry, hooks', () => {
  it('answers "Invalid API Key" (HTTP 200 by default) for keys outside validApiKeys', async () => {
    const sim = await startTwoFactorSimulator({ validApiKeys: [KEY] });
    try {
      expect(await getJson(sim, '/API/V1/other-key/BAL/SMS')).toEqual({
        status: 200,
        json: { Status: 'Error', Details: 'Invalid API Key' },
      });
      expect((await getJson(sim, api('BAL/SMS'))).json.Status).toBe('Success');
    } finally {
      await sim.close();
    }
  });

  it('uses invalidKeyHttpStatus for bad keys', async () => {
    const sim = await startTwoFactorSimulator({ validApiKeys: [KEY], invalidKeyHttpStatus: 401 });
    try {
      expect((await getJson(sim, '/API/V1/other-key/BAL/SMS')).status).toBe(401);
    } finally {
      await sim.close();
    }
  });

  it('answers "OTP Expired" with Status Success after otpTtlMs, then forgets the session', async () => {
    let nowMs = 1_000_000;
    const sim = await startTwoFactorSimulator({ otpTtlMs: 60_000, now: () => nowMs });
    try {
      const session = (await getJson(sim, api(`SMS/${PHONE}/AUTOGEN`))).json.Details;
      const code = sim.lastCodeFor(PHONE);
      nowMs += 60_000;
      expect(await getJson(sim, api(`SMS/VERIFY/${session}/${code}`))).toEqual({
        status: 200,
        json: { Status: 'Success', Details: 'OTP Expired' },
      });
      nowMs += 60_000;
      expect((await getJson(sim, api(`SMS/VERIFY/${session}/${code}`))).json.Details).toBe(
        'Invalid API / SessionId Combination - No Entry Exists',
      );
    } finally {
      await sim.close();
    }
  });

  it('generates codes of otpLength digits', async () => {
    const sim = await startTwoFactorSimulator({ otpLength: 4 });
    try {
      await getJson(sim, api(`SMS/${PHONE}/AUTOGEN`));
      expect(sim.lastCodeFor('9876543210')).toMatch(/^\d{4}$/);
    } finally {
      await sim.close();
    }
  });

  it('calls onMessage for every delivered message and onRequest with the raw URL', async () => {
    const messages: SimulatorMessage[] = [];
    const urls: string[] = [];
    const sim = await startTwoFactorSimulator({
      onMessage: (m) => messages.push(m),
      onRequest: (r) => urls.push(r.url),
    });
    try {
      await getJson(sim, api(`SMS/%2B919876543210/AUTOGEN`));
      expect(messages).toEqual([expect.objectContaining({ kind: 'otp', phone: PHONE })]);
      expect(urls).toEqual([api('SMS/%2B919876543210/AUTOGEN')]);
    } finally {
      await sim.close();
    }
  });

  it('forgets sessions, newest codes and delivery reports 2 × otpTtlMs after the send, also while no request comes in', async () => {
    let nowMs = 1_000_000;
    const sim = await startTwoFactorSimulator({ otpTtlMs: 60_000, now: () => nowMs, sweepIntervalMs: 10 });
    try {
      for (const phone of ['9876543210', '9876543211', '9876543212']) await getJson(sim, api(`SMS/${phone}/AUTOGEN`));
      const report = (
        await postForm(sim, api('ADDON_SERVICES/SEND/TSMS'), { To: '9876543213', TemplateName: 'T', VAR1: 'x' })
      ).json.Details;
      expect(sim.retained()).toEqual({ sessions: 3, lastCodes: 3, templateReports: 1, outbox: 4 });

      nowMs += 119_999;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(sim.retained()).toMatchObject({ sessions: 3, lastCodes: 3, templateReports: 1 });

      nowMs += 1;
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(sim.retained()).toEqual({ sessions: 0, lastCodes: 0, templateReports: 0, outbox: 4 });
      expect(sim.lastCodeFor(PHONE)).toBeUndefined();
      expect((await getJson(sim, api(`ADDON_SERVICES/RPT/TSMS/${report}`))).json.Details).toMatch(/No Entry Exists/);
    } finally {
      await sim.close();
    }
  });

  it('remembers the newest codes and delivery reports of at most maxSessions phones and messages', async () => {
    const sim = await startTwoFactorSimulator({ maxSessions: 2 });
    try {
      for (const phone of ['9876543210', '9876543211', '9876543212']) {
        await getJson(sim, api(`SMS/${phone}/AUTOGEN`));
        await postForm(sim, api('ADDON_SERVICES/SEND/TSMS'), { To: phone, TemplateName: 'T' });
      }
      expect(sim.retained()).toMatchObject({ sessions: 2, lastCodes: 2, templateReports: 2 });
      expect(sim.lastCodeFor('9876543210')).toBeUndefined();
      expect(sim.lastCodeFor('9876543212')).toMatch(/^\d{6}$/);
    } finally {
      await sim.close();
    }
  });

  it('keeps at most maxSessions sessions, dropping the oldest', async () => {
    const sim = await startTwoFactorSimulator({ maxSessions: 2 });
    try {
      const first = (await getJson(sim, api(`SMS/${PHONE}/1111`))).json.Details;
      await getJson(sim, api(`SMS/${PHONE}/2222`));
      await getJson(sim, api(`SMS/${PHONE}/3333`));
      expect((await getJson(sim, api(`SMS/VERIFY/${first}/1111`))).json.Details).toMatch(/No Entry Exists/);
    } finally {
      await sim.close();
    }
  });
});

describe('2Factor simulator: faults', () => {
  let sim: TwoFactorSimulator;
  beforeAll(async () => {
    sim = await startTwoFactorSimulator();
  });
  afterAll(() => sim.close());
  afterEach(() => sim.reset());

  it('http500 answers 500 with an HTML body', async () => {
    sim.setFaults({ mode: 'http500' });
    const answer = await get(sim, api('BAL/SMS'));
    expect(answer.status).toBe(500);
    expect(answer.type).toContain('text/html');
  });

  it('html answers 200 text/html', async () => {
    sim.setFaults({ mode: 'html' });
    const answer = await get(sim, api('BAL/SMS'));
    expect([answer.status, answer.type.split(';')[0]]).toEqual([200, 'text/html']);
  });

  it('brokenJson answers 200 with truncated JSON', async () => {
    sim.setFaults({ mode: 'brokenJson' });
    const answer = await get(sim, api('BAL/SMS'));
    expect(answer.status).toBe(200);
    expect(() => JSON.parse(answer.text)).toThrow();
  });

  it('oversized answers 200 with about 1 MiB of JSON', async () => {
    sim.setFaults({ mode: 'oversized' });
    const answer = await get(sim, api('BAL/SMS'));
    expect(answer.status).toBe(200);
    expect(answer.text.length).toBeGreaterThan(1 << 20);
  });

  it('invalidKey answers "Invalid API Key" to every call', async () => {
    sim.setFaults({ mode: 'invalidKey' });
    expect((await getJson(sim, api(`SMS/${PHONE}/AUTOGEN`))).json).toEqual({
      Status: 'Error',
      Details: 'Invalid API Key',
    });
    expect(sim.outbox()).toEqual([]);
  });

  it('expired makes every verify answer "OTP Expired" with Status Success', async () => {
    const session = (await getJson(sim, api(`SMS/${PHONE}/AUTOGEN`))).json.Details;
    sim.setFaults({ mode: 'expired' });
    expect(await getJson(sim, api(`SMS/VERIFY/${session}/${sim.lastCodeFor(PHONE)}`))).toEqual({
      status: 200,
      json: { Status: 'Success', Details: 'OTP Expired' },
    });
    expect((await getJson(sim, api('SMS/VERIFY/unknown/123456'))).json.Details).toBe('OTP Expired');
  });

  it('latencyMs delays every answer without blocking other work', async () => {
    sim.setFaults({ latencyMs: 150 });
    const startedAt = performance.now();
    const answers = await Promise.all([
      get(sim, api('BAL/SMS')),
      get(sim, api('BAL/SMS')),
      get(sim, '/__simulator/stats'),
    ]);
    const elapsedMs = performance.now() - startedAt;
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(elapsedMs).toBeGreaterThanOrEqual(140);
    expect(elapsedMs).toBeLessThan(1000); // concurrent, not 2 × 150 ms in series plus
  });

  it('reset clears outbox, sessions, stats and faults', async () => {
    const session = (await getJson(sim, api(`SMS/${PHONE}/AUTOGEN`))).json.Details;
    const code = sim.lastCodeFor(PHONE);
    sim.setFaults({ mode: 'http500', latencyMs: 10 });
    sim.reset();
    expect(sim.outbox()).toEqual([]);
    expect(sim.lastCodeFor(PHONE)).toBeUndefined();
    expect(sim.stats().totalRequests).toBe(0);
    expect((await getJson(sim, api(`SMS/VERIFY/${session}/${code}`))).json.Details).toMatch(/No Entry Exists/);
  });

  it('rejects unknown fault modes', () => {
    expect(() => sim.setFaults({ mode: 'explode' as never })).toThrow();
  });
});

describe('2Factor simulator: hang and close', () => {
  it('never answers in hang mode, and close() still ends promptly', async () => {
    const sim = await startTwoFactorSimulator({ mode: 'hang' });
    const pending = fetch(`${sim.url}${api('BAL/SMS')}`).then(
      () => 'answered',
      () => 'connection closed',
    );
    const early = await Promise.race([pending, new Promise((resolve) => setTimeout(() => resolve('no answer'), 200))]);
    expect(early).toBe('no answer');
    const startedAt = performance.now();
    await sim.close();
    expect(performance.now() - startedAt).toBeLessThan(1000);
    expect(await pending).toBe('connection closed');
  });

  it('close() does not wait for idle keep-alive connections', async () => {
    const sim = await startTwoFactorSimulator();
    await get(sim, api('BAL/SMS')); // leaves a pooled keep-alive connection
    const startedAt = performance.now();
    await sim.close();
    expect(performance.now() - startedAt).toBeLessThan(1000);
  });
});

describe('2Factor simulator: control API over HTTP (simulator only)', () => {
  let sim: TwoFactorSimulator;
  beforeAll(async () => {
    sim = await startTwoFactorSimulator({ latencyMs: 5 });
  });
  afterAll(() => sim.close());

  const control = async (method: 'GET' | 'POST', path: string, body?: unknown) => {
    const response = await fetch(`${sim.url}/__simulator/${path}`, {
      method,
      ...(body === undefined
        ? {}
        : {
            body: typeof body === 'string' ? body : JSON.stringify(body),
            headers: { 'content-type': 'application/json' },
          }),
    });
    return { status: response.status, json: (await response.json()) as unknown };
  };

  it('lists the outbox, filtered by phone written with a raw "+" (read as a space), %2B or digits', async () => {
    await getJson(sim, api('SMS/9876543210/AUTOGEN'));
    await getJson(sim, api('SMS/9876543211/AUTOGEN'));
    for (const filter of ['+919876543210', '%2B919876543210', '9876543210']) {
      const { json } = await control('GET', `outbox?phone=${filter}`);
      expect(json).toEqual([expect.objectContaining({ phone: PHONE, code: sim.lastCodeFor(PHONE) })]);
    }
    expect((await control('GET', 'outbox')).json).toHaveLength(2);
    expect((await control('GET', 'last-code?phone=%2B919876543210')).json).toEqual({ code: sim.lastCodeFor(PHONE) });
    expect((await control('GET', 'last-code?phone=%2B919999999999')).json).toEqual({ code: null });
  });

  it('reports stats without counting itself', async () => {
    const { json } = await control('GET', 'stats');
    expect(json).toMatchObject({
      totalRequests: sim.stats().totalRequests,
      byKind: expect.any(Object),
      perSecond: expect.any(Array),
    });
  });

  it('sets faults from JSON and refuses malformed ones', async () => {
    expect(await control('POST', 'faults', { mode: 'http500' })).toEqual({
      status: 200,
      json: { latencyMs: 5, mode: 'http500' },
    });
    expect((await get(sim, api('BAL/SMS'))).status).toBe(500);
    expect((await control('POST', 'faults', { mode: 'explode' })).status).toBe(400);
    expect((await control('POST', 'faults', '{not json')).status).toBe(400);
    expect((await control('GET', 'faults')).json).toEqual({ latencyMs: 5, mode: 'http500' });
  });

  it('sets balances from JSON, refuses malformed ones, and reset restores them', async () => {
    await control('POST', 'reset');
    expect(await control('POST', 'balances', { sms: '42', transactionalSms: '7' })).toEqual({
      status: 200,
      json: { sms: '42', voice: '500', transactionalSms: '7' },
    });
    expect((await getJson(sim, api('BAL/SMS'))).json.Details).toBe('42');
    expect((await getJson(sim, api('ADDON_SERVICES/BAL/TRANSACTIONAL_SMS'))).json.Details).toBe('7');
    expect((await control('POST', 'balances', { sms: 42 })).status).toBe(400);
    expect((await control('POST', 'balances', { wallet: '1' })).status).toBe(400);
    await control('POST', 'reset');
    expect((await getJson(sim, api('BAL/SMS'))).json.Details).toBe('500');
  });

  it('resets everything, restoring the faults given at start', async () => {
    await control('POST', 'faults', { mode: 'html', latencyMs: 0 });
    expect(await control('POST', 'reset')).toEqual({ status: 200, json: { ok: true } });
    expect((await control('GET', 'faults')).json).toEqual({ latencyMs: 5, mode: 'none' });
    expect((await control('GET', 'outbox')).json).toEqual([]);
    expect(sim.stats().totalRequests).toBe(0);
  });

  it('answers 404 for unknown control routes', async () => {
    expect((await control('GET', 'nope')).status).toBe(404);
  });
});

describe('2Factor simulator: delivery reports to a callback URL', () => {
  /** A callback receiver: every form posted to it, and the status it answers with. */
  let receiver: Server;
  let receiverUrl: string;
  let answerStatus = 200;
  const received: Array<{ contentType: string | undefined; fields: Record<string, string>; atMs: number }> = [];
  let sim: TwoFactorSimulator;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        received.push({
          contentType: req.headers['content-type'],
          fields: Object.fromEntries(new URLSearchParams(body)),
          atMs: performance.now(),
        });
        res.writeHead(answerStatus).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/callback`;
    sim = await startTwoFactorSimulator({ deliveryReports: { callbackUrl: receiverUrl, delayMs: 0 } });
  });
  afterEach(() => {
    sim.reset();
    received.length = 0;
    answerStatus = 200;
  });
  afterAll(async () => {
    await sim.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  const settled = () => expect.poll(() => sim.deliveryReports().pending, { timeout: 5_000 }).toBe(0);

  it('posts the SMS OTP form 2Factor posts (To: 10 digits), parsed by our callback parser as delivered', async () => {
    const session = (await getJson(sim, api(`SMS/${PHONE}/AUTOGEN`))).json.Details;
    await settled();
    expect(received).toEqual([
      {
        contentType: 'application/x-www-form-urlencoded',
        fields: { mode: 'SMS_OTP', SessionId: session, To: '9876543210', Status: 'DELIVERED' },
        atMs: expect.any(Number),
      },
    ]);
    expect(parseDeliveryCallback(received[0]!.fields)).toMatchObject({
      providerSessionId: session,
      phone: PHONE,
      form: 'sms_otp',
      outcome: 'delivered',
    });
    expect(sim.deliveryReports()).toMatchObject({ posted: 1, failed: 0, pending: 0 });
  });

  it('posts one transactional SMS report per recipient (SmsTo: 91 and 10 digits), with the status and error fields', async () => {
    const { json } = await postForm(sim, api('ADDON_SERVICES/SEND/TSMS'), {
      From: 'ABCDEF',
      To: '9876543210,9123456789',
      TemplateName: 'T',
      VAR1: 'x',
    });
    await settled();
    expect(received.map((report) => report.fields)).toEqual([
      expect.objectContaining({
        SessionId: json.Details,
        SmsTo: '919876543210',
        SmsStatus: 'DELIVERED',
        ErrorName: 'NO_ERROR',
        StatusName: 'DELIVERED_TO_HANDSET',
      }),
      expect.objectContaining({ SessionId: json.Details, SmsTo: '919123456789', SmsStatus: 'DELIVERED' }),
    ]);
    expect(parseDeliveryCallback(received[0]!.fields)).toMatchObject({
      form: 'tsms',
      phone: PHONE,
      outcome: 'delivered',
      reason: null,
    });
  });

  it.each([
    ['failed', 'FAILED', 'UNDELIVERABLE', 'EC_ABSENT_SUBSCRIBER'],
    ['rejected', 'REJECTED', 'REJECTED', 'DLT_TEMPLATE_MISMATCH'],
  ] as const)(
    'reports %s sends as 2Factor words them (OTP %s, TSMS %s with %s)',
    async (outcome, otpStatus, tsmsStatus, errorName) => {
      sim.setDeliveryReports({ mix: { delivered: 0, failed: 0, rejected: 0, [outcome]: 1 } });
      await getJson(sim, api(`SMS/${PHONE}/AUTOGEN`));
      await postForm(sim, api('ADDON_SERVICES/SEND/TSMS'), { From: 'ABCDEF', To: '9876543210', TemplateName: 'T' });
      await settled();
      const [otp, tsms] = received.map((report) => report.fields);
      expect(otp).toMatchObject({ mode: 'SMS_OTP', Status: otpStatus });
      expect(tsms).toMatchObject({ SmsStatus: tsmsStatus, ErrorName: errorName });
      expect(parseDeliveryCallback(otp!)).toMatchObject({ outcome, reason: otpStatus });
      expect(parseDeliveryCallback(tsms!)).toMatchObject({ outcome, reason: errorName });
    },
  );

  it('draws outcomes in the proportions of the mix', async () => {
    sim.setDeliveryReports({ mix: { delivered: 3, failed: 1, rejected: 0 } });
    for (let i = 0; i < 200; i++) await getJson(sim, api(`SMS/${PHONE}/AUTOGEN`));
    await settled();
    const failed = received.filter((report) => report.fields.Status === 'FAILED').length;
    expect(received).toHaveLength(200);
    expect(received.filter((report) => report.fields.Status === 'REJECTED')).toEqual([]);
    // 50 expected; 5 standard deviations either side.
    expect(failed).toBeGreaterThan(20);
    expect(failed).toBeLessThan(80);
  });

  it('with the voice-instead-of-SMS fault, reports OTPs as voice calls, with call times; TSMS stay SMS', async () => {
    sim.setDeliveryReports({ voiceInsteadOfSms: true });
    const session = (await getJson(sim, api(`SMS/${PHONE}/AUTOGEN`))).json.Details;
    await postForm(sim, api('ADDON_SERVICES/SEND/TSMS'), { From: 'ABCDEF', To: '9876543210', TemplateName: 'T' });
    await settled();
    const [voice, tsms] = received.map((report) => report.fields);
    expect(voice).toEqual({
      mode: 'VOICE_OTP',
      SessionId: session,
      To: '9876543210',
      Status: 'DELIVERED',
      api_request_time: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      call_start_time: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      call_end_time: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/),
      callDetailStatus: 'DELIVERED',
    });
    expect(parseDeliveryCallback(voice!)).toMatchObject({ form: 'voice_otp', channel: 'voice', outcome: 'delivered' });
    expect(tsms).toMatchObject({ SmsStatus: 'DELIVERED' });
  });

  it('waits delayMs before posting, and counts reports the receiver refused or could not take', async () => {
    sim.setDeliveryReports({ delayMs: 150 });
    const sentAt = performance.now();
    await getJson(sim, api(`SMS/${PHONE}/AUTOGEN`));
    expect(sim.deliveryReports().pending).toBe(1);
    await settled();
    expect(received[0]!.atMs - sentAt).toBeGreaterThanOrEqual(140);

    answerStatus = 500;
    sim.setDeliveryReports({ delayMs: 0 });
    await getJson(sim, api(`SMS/${PHONE}/AUTOGEN`));
    await settled();
    sim.setDeliveryReports({ callbackUrl: 'http://127.0.0.1:9/closed' });
    await getJson(sim, api(`SMS/${PHONE}/AUTOGEN`));
    await settled();
    expect(sim.deliveryReports()).toMatchObject({ posted: 1, failed: 2 });
  });

  it('posts nothing without a callback URL, and reset cancels reports still waiting', async () => {
    sim.setDeliveryReports({ callbackUrl: null });
    await getJson(sim, api(`SMS/${PHONE}/AUTOGEN`));
    expect(sim.deliveryReports().pending).toBe(0);

    sim.setDeliveryReports({ callbackUrl: receiverUrl, delayMs: 200 });
    await getJson(sim, api(`SMS/${PHONE}/AUTOGEN`));
    sim.reset();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toEqual([]);
    // Back to the start options: the receiver, at once.
    expect(sim.deliveryReports()).toMatchObject({
      callbackUrl: receiverUrl,
      delayMs: 0,
      voiceInsteadOfSms: false,
      posted: 0,
      failed: 0,
      pending: 0,
    });
  });

  it('is set and read through the control API, which refuses malformed settings', async () => {
    const control = async (method: 'GET' | 'POST', body?: unknown) => {
      const response = await fetch(`${sim.url}/__simulator/delivery-reports`, {
        method,
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    };
    expect(
      await control('POST', { delayMs: 25, mix: { delivered: 1, failed: 1, rejected: 0 }, voiceInsteadOfSms: true }),
    ).toEqual({
      status: 200,
      json: {
        callbackUrl: receiverUrl,
        delayMs: 25,
        mix: { delivered: 1, failed: 1, rejected: 0 },
        voiceInsteadOfSms: true,
        posted: 0,
        failed: 0,
        pending: 0,
      },
    });
    for (const bad of [
      { mix: { delivered: 0, failed: 0, rejected: 0 } },
      { callbackUrl: 'ftp://example.com/x' },
      { delayMs: -1 },
      { colour: 'red' },
      '{not json',
    ]) {
      expect((await control('POST', bad)).status).toBe(400);
    }
    expect((await control('GET')).json).toMatchObject({ delayMs: 25, voiceInsteadOfSms: true });
  });
});
