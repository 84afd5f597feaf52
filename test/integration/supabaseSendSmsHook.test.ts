/**
 * Supabase Auth's Send SMS Hook, end to end: requests signed with `standardwebhooks` exactly as Supabase signs them
 * (webhook-id, webhook-timestamp, webhook-signature), posted to the app, delivered through the 2Factor simulator
 * over real HTTP, logged in otp_logs with the Supabase user's id. The code never reaches a log row or a log line.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { redisLimiterStores } from '../../server/http/limiterStores.js';
import type { Redis } from 'ioredis';
import { dbKindsUnderTest } from '../support/testDatabases.js';
import { useTestDatabase, type TestApp } from '../support/testApp.js';
import { deleteRedisKeys, redisTestUrl, testRedisClient, uniqueRedisPrefix } from '../support/testRedis.js';
import {
  addUser,
  allLogRows,
  buildSmsApp,
  closedPort,
  containsCode,
  newPhone,
  signedIn,
  useSimulator,
  type SmsTestAppOptions,
} from '../support/smsKit.js';

const HOOK_PATH = '/api/hooks/supabase/send-sms';
/** Secrets in Supabase's form: `v1,whsec_<base64>`. */
const SECRET = `v1,whsec_${Buffer.from('supabase-hook-secret-current-0001').toString('base64')}`;
const OLD_SECRET = `v1,whsec_${Buffer.from('supabase-hook-secret-previous-002').toString('base64')}`;
const OTHER_SECRET = `v1,whsec_${Buffer.from('somebody-elses-secret-0000000003').toString('base64')}`;
const RAISED_LIMITS = { SMS_MAX_SENDS_PER_PHONE_PER_DAY: '100', SMS_DAILY_BUDGET: '1000' };

interface HookCall {
  phone: string;
  otp: string;
  userId?: string;
  uuid?: string;
  smsType?: string;
}

/** Supabase's payload: metadata, the user record, and the SMS (phones without `+`). */
function payload({ phone, otp, userId = randomUUID(), uuid = randomUUID(), smsType = 'sms' }: HookCall) {
  const digits = phone.replace(/^\+/, '');
  return {
    metadata: { uuid, time: new Date().toISOString(), name: 'send-sms', ip_address: '203.0.113.7' },
    user: {
      id: userId,
      aud: 'authenticated',
      role: 'authenticated',
      phone: digits,
      app_metadata: { provider: 'phone' },
      user_metadata: {},
    },
    sms: { otp, sms_type: smsType },
  };
}

/** Signs like Supabase: one `v1,<sig>` per secret, joined with ", ". */
function signedHeaders(body: string, secrets: string[], options: { msgId?: string; at?: Date } = {}) {
  const msgId = options.msgId ?? `msg_${randomUUID()}`;
  const at = options.at ?? new Date();
  const signatures = secrets.map((secret) => new Webhook(secret.replace(/^v1,/, '')).sign(msgId, at, body));
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signatures.join(', '),
  };
}

function postHook(
  app: TestApp,
  call: HookCall,
  options: { secrets?: string[]; msgId?: string; at?: Date; body?: string } = {},
) {
  const body = options.body ?? JSON.stringify(payload(call));
  return request(app.app)
    .post(HOOK_PATH)
    .set('Content-Type', 'application/json')
    .set(signedHeaders(body, options.secrets ?? [SECRET], options))
    .send(body);
}

/** Six digits that no other call of this file used, so a code found anywhere is this one. */
let codeCounter = 0;
function newCode(length = 6): string {
  codeCounter += 1;
  return String(700_000 + codeCounter * 7919)
    .padEnd(length, '3')
    .slice(0, length);
}

describe.each(dbKindsUnderTest())('Supabase Send SMS Hook on %s', (kind) => {
  const testDb = useTestDatabase(kind);
  const sim = useSimulator();

  function hookApp(env: Record<string, string> = {}, options: Omit<SmsTestAppOptions, 'env'> = {}): TestApp {
    return buildSmsApp(testDb().db, sim(), {
      env: { SUPABASE_SMS_HOOK_SECRETS: SECRET, PUBLIC_URL: 'https://otp.example.com/', ...RAISED_LIMITS, ...env },
      ...options,
    });
  }

  async function hookRows() {
    return (await allLogRows(testDb().db)).filter((row) => row.origin === 'supabase_hook');
  }

  it('delivers the code of a well-signed request through 2Factor and answers 200 {} as JSON, with one log row for the Supabase user', async () => {
    const app = hookApp();
    const phone = newPhone();
    const otp = newCode();
    const userId = randomUUID();

    const res = await postHook(app, { phone, otp, userId });

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({});
    expect(sim().outbox({ phone })).toMatchObject([{ kind: 'otp', code: otp, templateName: 'SMSTemplate1' }]);
    const rows = await allLogRows(testDb().db);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ origin: 'supabase_hook', user_id: userId, phone, type: 'autogen', status: 'sent' });
    expect(rows[0]!.provider_session_id).toBe(sim().outbox({ phone })[0]!.providerSessionId);
    await app.otpLogWriter.drain();
    expect(containsCode(JSON.stringify(rows), otp)).toBe(false);
    expect(containsCode(app.log.text(), otp)).toBe(false);
  });

  it('accepts an MFA code (sms_type "mfa") the same way', async () => {
    const app = hookApp();
    const phone = newPhone();
    const otp = newCode();
    await postHook(app, { phone, otp, smsType: 'mfa' }).expect(200, {});
    expect(
      sim()
        .outbox({ phone })
        .map((m) => m.code),
    ).toEqual([otp]);
  });

  it('refuses with 401 a request signed with another secret, unsigned, or over 5 minutes old: no SMS, no log row', async () => {
    const app = hookApp();
    const phone = newPhone();
    const otp = newCode();

    const wrong = await postHook(app, { phone, otp }, { secrets: [OTHER_SECRET] });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ status: 'unauthorized' });
    const stale = await postHook(app, { phone, otp }, { at: new Date(Date.now() - 6 * 60_000) });
    expect(stale.status).toBe(401);
    const unsigned = await request(app.app)
      .post(HOOK_PATH)
      .set('Content-Type', 'application/json')
      .send(payload({ phone, otp }));
    expect(unsigned.status).toBe(401);
    // Signed, then changed in transit.
    const body = JSON.stringify(payload({ phone, otp }));
    const tampered = await request(app.app)
      .post(HOOK_PATH)
      .set('Content-Type', 'application/json')
      .set(signedHeaders(body, [SECRET]))
      .send(body.replace(otp, '000000'));
    expect(tampered.status).toBe(401);

    expect(sim().outbox({ phone })).toEqual([]);
    expect(await allLogRows(testDb().db)).toEqual([]);
    expect(containsCode(app.log.text(), otp)).toBe(false);
  });

  it('accepts both secrets while one is rotated out, and a signature list in which only one matches', async () => {
    const app = hookApp({ SUPABASE_SMS_HOOK_SECRETS: `${SECRET}|${OLD_SECRET}` });
    const [first, second, third] = [newPhone(), newPhone(), newPhone()];

    await postHook(app, { phone: first, otp: newCode() }, { secrets: [OLD_SECRET] }).expect(200, {});
    await postHook(app, { phone: second, otp: newCode() }, { secrets: [SECRET] }).expect(200, {});
    await postHook(app, { phone: third, otp: newCode() }, { secrets: [OTHER_SECRET, OLD_SECRET] }).expect(200, {});
    await postHook(app, { phone: newPhone(), otp: newCode() }, { secrets: [OTHER_SECRET] }).expect(401);

    expect([first, second, third].map((phone) => sim().outbox({ phone }).length)).toEqual([1, 1, 1]);
  });

  it('sends once for a repeated request uuid (Supabase retries with a new webhook-id): the repeat answers success', async () => {
    const app = hookApp();
    const phone = newPhone();
    const call = { phone, otp: newCode(), uuid: randomUUID() };

    await postHook(app, call).expect(200, {});
    await postHook(app, call).expect(200, {});

    expect(sim().outbox({ phone })).toHaveLength(1);
    expect(await hookRows()).toHaveLength(1);
    const admin = await signedIn(app);
    const view = await request(app.app).get('/api/sms/supabase-hook').set('Cookie', admin.cookie).expect(200);
    expect(view.body.last_call).toMatchObject({ result: 'duplicate', http_status: 200 });
  });

  it('answers a phone 2Factor cannot text in the hook error shape (http_code 400), sending nothing', async () => {
    const app = hookApp();
    for (const phone of ['14155550100', '915876543210', '9198765']) {
      const res = await postHook(app, { phone, otp: newCode() }).expect(200);
      expect(res.body).toEqual({ error: { http_code: 400, message: expect.stringMatching(/Indian mobile number/) } });
    }
    expect(sim().stats().totalRequests).toBe(0);
    expect(await allLogRows(testDb().db)).toEqual([]);
  });

  it('refuses a signed body that is not a Send SMS payload with 400 (a code of 5 or 11 digits, no user id)', async () => {
    const app = hookApp();
    const phone = newPhone();
    for (const body of [
      JSON.stringify(payload({ phone, otp: '12345' })),
      JSON.stringify(payload({ phone, otp: '12345678901' })),
      JSON.stringify({ ...payload({ phone, otp: newCode() }), user: { phone: phone.slice(1) } }),
      'not json',
    ]) {
      const res = await postHook(app, { phone, otp: '' }, { body });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ status: 'invalid_request' });
    }
    expect(sim().stats().totalRequests).toBe(0);
  });

  it('books the same resend cooldown and daily budget as our own sends, answered as 429 in the hook error shape', async () => {
    const app = hookApp({ SMS_DAILY_BUDGET: '2' });
    const phone = newPhone();

    await postHook(app, { phone, otp: newCode() }).expect(200, {});
    const cooldown = await postHook(app, { phone, otp: newCode() }).expect(200);
    expect(cooldown.body).toEqual({
      error: { http_code: 429, message: expect.stringMatching(/wait before requesting another/) },
    });

    // Our own login send counts against the same budget as the hook's.
    const ownerPhone = newPhone();
    await addUser(app, 'agent', ownerPhone);
    await request(app.app).post('/api/sms/sendOtp').send({ phone: ownerPhone }).expect(200);
    const budget = await postHook(app, { phone: newPhone(), otp: newCode() }).expect(200);
    expect(budget.body).toEqual({
      error: { http_code: 429, message: expect.stringMatching(/more text messages today/) },
    });

    expect(sim().outbox()).toHaveLength(2);
    expect(await hookRows()).toHaveLength(1);
  });

  it('gives the uuid back after a limit refusal, so a retry of that request can send once the limit allows', async () => {
    const app = hookApp({ SMS_RESEND_COOLDOWN_S: '30' });
    const phone = newPhone();
    await postHook(app, { phone, otp: newCode() }).expect(200, {});
    const call = { phone, otp: newCode(), uuid: randomUUID() };
    expect((await postHook(app, call).expect(200)).body.error.http_code).toBe(429);
    app.clock.advance(31_000);
    await postHook(app, call).expect(200, {});
    expect(sim().outbox({ phone })).toHaveLength(2);
  });

  it("gives the request id and the booking back when 2Factor refuses the send, so Supabase's retry sends once fixed", async () => {
    const app = hookApp();
    const phone = newPhone();
    const call = { phone, otp: newCode(), uuid: randomUUID() };
    sim().setFaults({ mode: 'invalidKey' });
    expect((await postHook(app, call).expect(200)).body.error.http_code).toBe(502);

    sim().setFaults({ mode: 'none' });
    // Not answered as a repeat (the id was given back) nor held by the cooldown (the booking was given back).
    await postHook(app, call).expect(200, {});
    expect(sim().outbox({ phone })).toHaveLength(1);
    expect(await hookRows()).toMatchObject([{ status: 'provider_error' }, { status: 'sent' }]);
  });

  it('gives the request id and the booking back when the open circuit holds the call, which then reaches nobody', async () => {
    const app = hookApp({}, { breaker: { failuresToOpen: 1, halfOpenAfterMs: 60_000 } });
    sim().setFaults({ mode: 'http500' });
    expect((await postHook(app, { phone: newPhone(), otp: newCode() })).status).toBe(503);
    const requestsBefore = sim().stats().totalRequests;

    const phone = newPhone();
    const call = { phone, otp: newCode(), uuid: randomUUID() };
    const held = await postHook(app, call);
    expect([held.status, held.headers['retry-after']]).toEqual([503, expect.any(String)]);
    expect(sim().stats().totalRequests).toBe(requestsBefore);
    expect(await hookRows()).toHaveLength(1); // only the call that reached 2Factor

    sim().setFaults({ mode: 'none' });
    // The breaker times its pause on the wall clock: move the wall clock past it instead of waiting.
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 60_000 });
    await postHook(app, call).expect(200, {});
    expect(sim().outbox({ phone })).toHaveLength(1);
  });

  it('keeps the request id and the booking after a timeout (the SMS may have gone out): a retry sends nothing more', async () => {
    const app = hookApp({ PROVIDER_TIMEOUT_MS: '200' });
    const phone = newPhone();
    const call = { phone, otp: newCode(), uuid: randomUUID() };
    sim().setFaults({ mode: 'hang' });
    expect((await postHook(app, call)).status).toBe(503);
    const requestsAfterTimeout = sim().stats().totalRequests;

    sim().setFaults({ mode: 'none' });
    await postHook(app, call).expect(200, {}); // a repeat: success, nothing sent
    const another = await postHook(app, { phone, otp: newCode() }).expect(200);
    expect(another.body.error.http_code).toBe(429); // the phone's cooldown stays booked
    expect(sim().stats().totalRequests).toBe(requestsAfterTimeout);
  });

  it("answers within Supabase's 5 s when 2Factor hangs: 503 with Retry-After, and one provider_unavailable row", async () => {
    const app = hookApp();
    sim().setFaults({ mode: 'hang' });
    const phone = newPhone();
    const startedAt = performance.now();

    const res = await postHook(app, { phone, otp: newCode() });

    expect(performance.now() - startedAt).toBeLessThan(5_000);
    expect(res.status).toBe(503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(await hookRows()).toMatchObject([{ status: 'provider_unavailable', details: 'timeout after 3500 ms' }]);
  });

  it('answers 503 with Retry-After while 2Factor is down, and logs the failed call', async () => {
    const app = hookApp({ TWO_FACTOR_BASE_URL: `http://127.0.0.1:${await closedPort()}` });
    const res = await postHook(app, { phone: newPhone(), otp: newCode() });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('30');
    expect(await hookRows()).toMatchObject([{ status: 'provider_unavailable', type: 'autogen' }]);
  });

  it("sends a slow but answering 2Factor's code and still answers inside 5 s", async () => {
    const app = hookApp();
    sim().setFaults({ latencyMs: 1_500 });
    const phone = newPhone();
    const startedAt = performance.now();
    await postHook(app, { phone, otp: newCode() }).expect(200, {});
    expect(performance.now() - startedAt).toBeLessThan(5_000);
    expect(sim().outbox({ phone })).toHaveLength(1);
  });

  it('in autogen mode refuses a code longer than 6 digits before booking, telling the admin to set the OTP length to 6', async () => {
    const app = hookApp();
    const phone = newPhone();
    const res = await postHook(app, { phone, otp: newCode(8) }).expect(200);
    expect(res.body).toEqual({ error: { http_code: 500, message: expect.stringMatching(/OTP length to 6/) } });
    expect(sim().stats().totalRequests).toBe(0);
    // Nothing was booked: a 6-digit code goes out at once.
    await postHook(app, { phone, otp: newCode() }).expect(200, {});
  });

  it('in template mode texts the code by TSMS with VAR1, up to 10 digits', async () => {
    const app = hookApp({ SMS_MODE: 'template', SMS_TEMPLATE: 'LoginCode' });
    const phone = newPhone();
    const otp = newCode(10);
    await postHook(app, { phone, otp }).expect(200, {});
    expect(sim().outbox({ phone })).toMatchObject([{ kind: 'template', templateName: 'LoginCode', variables: [otp] }]);
    const rows = await hookRows();
    expect(rows).toMatchObject([{ type: 'template', status: 'sent' }]);
    expect(containsCode(JSON.stringify(rows), otp)).toBe(false);
  });

  it('does not exist without SUPABASE_SMS_HOOK_SECRETS: 404, and the admin view says it is off', async () => {
    const app = buildSmsApp(testDb().db, sim());
    const res = await postHook(app, { phone: newPhone(), otp: newCode() });
    expect(res.status).toBe(404);
    const admin = await signedIn(app);
    const view = await request(app.app).get('/api/sms/supabase-hook').set('Cookie', admin.cookie).expect(200);
    expect(view.body).toEqual({ enabled: false, url: null, secrets: 0, last_call: null });
  });

  it('shows admins the URL to paste into Supabase, how many secrets are set, and the last call; others get 403/401', async () => {
    const app = hookApp({ SUPABASE_SMS_HOOK_SECRETS: `${SECRET}|${OLD_SECRET}` });
    const admin = await signedIn(app);
    const before = await request(app.app).get('/api/sms/supabase-hook').set('Cookie', admin.cookie).expect(200);
    expect(before.body).toEqual({
      enabled: true,
      url: 'https://otp.example.com/api/hooks/supabase/send-sms',
      secrets: 2,
      last_call: null,
    });

    await postHook(app, { phone: newPhone(), otp: newCode() }, { secrets: [OTHER_SECRET] }).expect(401);
    const after = await request(app.app).get('/api/sms/supabase-hook').set('Cookie', admin.cookie).expect(200);
    expect(after.body.last_call).toEqual({ at: expect.any(String), result: 'unauthorized', http_status: 401 });
    expect(JSON.stringify(after.body)).not.toContain('whsec_');

    await request(app.app).get('/api/sms/supabase-hook').expect(401);
    const agent = await signedIn(app, 'agent');
    await request(app.app).get('/api/sms/supabase-hook').set('Cookie', agent.cookie).expect(403);
  });
});

const redisUrl = redisTestUrl();

describe.runIf(redisUrl)('Supabase Send SMS Hook on two instances sharing Redis', () => {
  const testDb = useTestDatabase('pglite');
  const sim = useSimulator();
  const clients: Redis[] = [];
  let prefix = '';

  afterEach(async () => {
    const admin = testRedisClient(redisUrl!);
    await deleteRedisKeys(admin, `${prefix}*`);
    await admin.quit();
    await Promise.all(clients.splice(0).map((client) => client.quit().catch(() => client.disconnect())));
  });

  it('sends a request retried on the other instance once, and both show the last call', async () => {
    prefix = uniqueRedisPrefix('hook');
    const instance = () => {
      const client = testRedisClient(redisUrl!, { keyPrefix: prefix });
      clients.push(client);
      return buildSmsApp(testDb().db, sim(), {
        env: { SUPABASE_SMS_HOOK_SECRETS: SECRET },
        limiterStores: redisLimiterStores(client),
      });
    };
    const [a, b] = [instance(), instance()];
    const phone = newPhone();
    const call = { phone, otp: newCode(), uuid: randomUUID() };

    await Promise.all([postHook(a, call).expect(200, {}), postHook(b, call).expect(200, {})]);

    expect(sim().outbox({ phone })).toHaveLength(1);
    const admin = await signedIn(b);
    const view = await request(b.app).get('/api/sms/supabase-hook').set('Cookie', admin.cookie).expect(200);
    expect(view.body.last_call).toMatchObject({ http_status: 200 });
  });
});
