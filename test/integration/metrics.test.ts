/**
 * GET /metrics (prom-client): off without METRICS_TOKEN, bearer token compared in constant time, the metric
 * names operators scrape, values that follow the traffic, and labels from small fixed sets only.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { dbKindsUnderTest } from '../support/testDatabases.js';
import { useTestDatabase, type TestApp } from '../support/testApp.js';
import { CALLBACK_TOKEN, postReport, smsOtpReport, testSend } from '../support/deliveryKit.js';
import { parseExposition, valueOf, type Sample } from '../support/prometheusText.js';
import { addUser, buildSmsApp, codeSentTo, newPhone, signedIn, useSimulator, wrongCode } from '../support/smsKit.js';

const TOKEN = 'metrics-token-0123456789abcdef-0123';

async function scrape(app: TestApp): Promise<Sample[]> {
  const res = await request(app.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(res.text);
}

describe.each(dbKindsUnderTest())('/metrics on %s', (kind) => {
  const testDb = useTestDatabase(kind);
  const sim = useSimulator();

  it('is off without METRICS_TOKEN: 404, not the web app', async () => {
    const app = buildSmsApp(testDb().db, sim());
    const res = await request(app.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(404);
    expect(res.text).toContain('METRICS_TOKEN');
  });

  it.each([
    ['no Authorization header', undefined],
    ['a wrong token', `Bearer ${TOKEN.slice(0, -1)}x`],
    ['a longer token', `Bearer ${TOKEN}0`],
    ['another scheme', `Basic ${TOKEN}`],
  ])('answers 401 with WWW-Authenticate for %s', async (_case, header) => {
    const app = buildSmsApp(testDb().db, sim(), { env: { METRICS_TOKEN: TOKEN } });
    const call = request(app.app).get('/metrics');
    if (header) void call.set('Authorization', header);
    const res = await call.expect(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(res.text).not.toContain('otp_sends_total');
  });

  it('counts sends, checks, refusals, provider latency, budget and balance as the traffic goes', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: { METRICS_TOKEN: TOKEN, SMS_VERIFY_LIMIT_PER_MIN: '3' } });
    const phone = newPhone();
    await addUser(app, 'agent', phone);
    const sent = await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(200);
    await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(429);
    const code = codeSentTo(sim(), phone);
    await request(app.app)
      .post('/api/sms/verifyOtp')
      .send({ session_id: sent.body.session_id, otp: wrongCode(code) })
      .expect(400);
    await request(app.app).post('/api/sms/verifyOtp').send({ session_id: sent.body.session_id, otp: code }).expect(200);
    await request(app.app).post('/api/sms/verifyOtp').send({ session_id: sent.body.session_id, otp: code }).expect(404);
    await request(app.app).post('/api/sms/verifyOtp').send({ session_id: sent.body.session_id, otp: code }).expect(429);
    sim().setBalances({ sms: '1234', transactionalSms: '56' });
    await app.smsBalance.pollIfDue();

    const samples = await scrape(app);
    expect(valueOf(samples, 'otp_sends_total', { purpose: 'login', outcome: 'sent' })).toBe(1);
    expect(valueOf(samples, 'otp_sends_total', { purpose: 'login', outcome: 'rate_limited' })).toBe(1);
    expect(valueOf(samples, 'otp_verifies_total', { outcome: 'otp_mismatch' })).toBe(1);
    expect(valueOf(samples, 'otp_verifies_total', { outcome: 'verified' })).toBe(1);
    expect(valueOf(samples, 'otp_verifies_total', { outcome: 'session_not_found' })).toBe(1);
    expect(valueOf(samples, 'sms_limit_refusals_total', { limit: 'sms-send-phone-cooldown' })).toBe(1);
    expect(valueOf(samples, 'sms_limit_refusals_total', { limit: 'sms-verify-ip' })).toBe(1);
    expect(
      valueOf(samples, 'sms_provider_request_duration_seconds_count', { operation: 'send_otp', outcome: 'answered' }),
    ).toBe(1);
    expect(
      valueOf(samples, 'sms_provider_request_duration_seconds_count', { operation: 'verify_otp', outcome: 'answered' }),
    ).toBe(2);
    expect(
      valueOf(samples, 'sms_provider_request_duration_seconds_count', { operation: 'balance', outcome: 'answered' }),
    ).toBe(2);
    expect(valueOf(samples, 'sms_provider_ceiling_wait_seconds_count')).toBe(5);
    expect(valueOf(samples, 'sms_daily_budget_used')).toBe(1);
    expect(valueOf(samples, 'sms_daily_budget')).toBe(5000);
    expect(valueOf(samples, 'sms_balance', { account: 'otp_sms' })).toBe(1234);
    expect(valueOf(samples, 'sms_balance', { account: 'transactional_sms' })).toBe(56);
    expect(valueOf(samples, 'otp_log_rows_held')).toBe(0);
    expect(valueOf(samples, 'sms_provider_circuit_open')).toBe(0);
    expect(valueOf(samples, 'sms_delivery_reports_total', { outcome: 'delivered' })).toBe(0);
  });

  it('counts a send to a test number apart from the SMS sent', async () => {
    const app = buildSmsApp(testDb().db, sim(), {
      env: { METRICS_TOKEN: TOKEN, SMS_TEST_NUMBERS: '+919999900001:246810' },
    });
    await addUser(app, 'agent', '+919999900001');
    const sent = await request(app.app).post('/api/sms/sendOtp').send({ phone: ' +919999900001 ' }).expect(200);
    await request(app.app)
      .post('/api/sms/verifyOtp')
      .send({ session_id: sent.body.session_id, otp: '246810' })
      .expect(200);

    const samples = await scrape(app);
    expect(valueOf(samples, 'otp_sends_total', { purpose: 'login', outcome: 'test_number' })).toBe(1);
    expect(valueOf(samples, 'otp_sends_total', { purpose: 'login', outcome: 'sent' })).toBe(0);
    expect(valueOf(samples, 'otp_verifies_total', { outcome: 'verified' })).toBe(1);
    expect(
      valueOf(samples, 'sms_provider_request_duration_seconds_count', { operation: 'send_otp', outcome: 'answered' }),
    ).toBeUndefined();
  });

  it('counts each delivery report once by outcome, and codes delivered as a voice call', async () => {
    const app = buildSmsApp(testDb().db, sim(), {
      env: { METRICS_TOKEN: TOKEN, TWO_FACTOR_CALLBACK_TOKEN: CALLBACK_TOKEN },
    });
    const admin = await signedIn(app);
    const [first, second] = [newPhone(), newPhone()];
    const delivered = await testSend(app, sim(), admin.cookie, first);
    const voiced = await testSend(app, sim(), admin.cookie, second);
    await postReport(app, smsOtpReport(delivered.providerSessionId, first, 'DELIVERED')).expect(200);
    await postReport(app, smsOtpReport(delivered.providerSessionId, first, 'DELIVERED')).expect(200);
    await postReport(app, {
      mode: 'VOICE_OTP',
      SessionId: voiced.providerSessionId,
      To: second.slice(3),
      Status: 'DELIVERED',
      callDetailStatus: 'DELIVERED',
    }).expect(200);

    const samples = await scrape(app);
    expect(valueOf(samples, 'sms_delivery_reports_total', { outcome: 'delivered' })).toBe(2);
    expect(valueOf(samples, 'sms_delivery_reports_total', { outcome: 'failed' })).toBe(0);
    expect(valueOf(samples, 'sms_voice_instead_of_sms_total')).toBe(1);
  });

  it('counts calls refused under the request-rate ceiling', async () => {
    const app = buildSmsApp(testDb().db, sim(), {
      env: { METRICS_TOKEN: TOKEN, PROVIDER_MAX_RPS: '1', SMS_RATE_LIMIT_PER_MIN: '100' },
    });
    const phones = [newPhone(), newPhone(), newPhone()];
    for (const phone of phones) await addUser(app, 'agent', phone);
    const answers = await Promise.all(phones.map((phone) => request(app.app).post('/api/sms/sendOtp').send({ phone })));
    const busy = answers.filter((res) => res.body.status === 'provider_busy').length;
    expect(busy).toBeGreaterThan(0);

    const samples = await scrape(app);
    expect(valueOf(samples, 'sms_provider_ceiling_refusals_total')).toBe(busy);
    expect(valueOf(samples, 'otp_sends_total', { purpose: 'login', outcome: 'provider_busy' })).toBe(busy);
  });

  it('labels with small fixed sets only: no phone number, user id or session id', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: { METRICS_TOKEN: TOKEN } });
    const { user, cookie } = await signedIn(app);
    const phones = [newPhone(), newPhone()];
    for (const phone of phones) {
      const sent = await request(app.app)
        .post('/api/sms/sendOtp')
        .set('Cookie', cookie)
        .send({ phone, purpose: 'test' })
        .expect(200);
      await request(app.app).post('/api/sms/verifyOtp').send({ session_id: sent.body.session_id, otp: '000000' });
    }
    const stranger = newPhone();
    await request(app.app).post('/api/sms/sendOtp').send({ phone: stranger }).expect(200);
    await request(app.app).post('/api/sms/sendOtp').send({ phone: stranger }).expect(429);
    await app.smsBalance.pollIfDue();

    const samples = await scrape(app);
    const ours = samples.filter((sample) => /^(otp|sms)_/.test(sample.name));
    expect(ours.length).toBeGreaterThan(20);
    const labelNames = [...new Set(ours.flatMap((sample) => Object.keys(sample.labels)))].sort();
    expect(labelNames).toEqual(['account', 'le', 'limit', 'operation', 'outcome', 'purpose']);
    const values = ours.flatMap((sample) => Object.values(sample.labels));
    for (const value of values) {
      expect(value).not.toMatch(/\d{10}/);
      expect(value).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    }
    expect(values).not.toContain(user.id);
  });
});
