/**
 * The admin routes: template SMS, SMS settings (GET/PUT, connection test) and the provider log, with their
 * role checks; and the sandbox (no key outside production) and provider_not_configured (production).
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { OtpLogItem } from '../../common/api/sms.js';
import { startTwoFactorSimulator } from '../../server/providers/twoFactor/simulator.js';
import { sandboxFromSimulator } from '../../server/providers/twoFactor/simulatorSandbox.js';
import { dbKindsUnderTest } from '../support/testDatabases.js';
import { buildTestApp, createFakeClock, useTestDatabase, type TestApp } from '../support/testApp.js';
import {
  addUser,
  allLogRows,
  buildSmsApp,
  codeSentTo,
  cookieFor,
  newPhone,
  signedIn,
  TEST_API_KEY,
  useSimulator,
} from '../support/smsKit.js';

const OTHER_KEY = 'saved-1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9';

describe.each(dbKindsUnderTest())('SMS admin routes on %s', (kind) => {
  const testDb = useTestDatabase(kind);
  const sim = useSimulator();

  /** Checks that `call` answers 401 logged out and 403 for staff and agent. */
  async function expectAdminOnly(app: TestApp, call: (cookie?: string) => request.Test) {
    expect((await call().expect(401)).body.status).toBe('unauthorized');
    for (const role of ['staff', 'agent'] as const) {
      const { cookie } = await signedIn(app, role);
      expect((await call(cookie).expect(403)).body.status).toBe('forbidden');
    }
  }

  describe('POST /api/sms/sendTemplate', () => {
    it('sends From, To, TemplateName, VAR1 and VAR2 to 2Factor and answers 200 with the 2Factor session id', async () => {
      const app = buildSmsApp(testDb().db, sim(), { env: { SMS_SENDER_ID: 'ACMEIN', SMS_TEMPLATE: 'Default Tpl' } });
      const admin = await signedIn(app, 'admin');
      const to = newPhone();
      const res = await request(app.app)
        .post('/api/sms/sendTemplate')
        .set('Cookie', admin.cookie)
        .send({ to, template_name: 'Order Shipped', var1: 'Asha', var2: 'ORD-1234' })
        .expect(200);
      expect(Object.keys(res.body).sort()).toEqual(['message', 'response_time_ms', 'session_id', 'status']);
      expect(res.body).toMatchObject({ status: 'sent', session_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
      expect(res.body.message).toContain(`+91******${to.slice(-4)}`);
      expect(sim().outbox()).toEqual([
        expect.objectContaining({
          kind: 'template',
          phone: to,
          from: 'ACMEIN',
          templateName: 'Order Shipped',
          variables: ['Asha', 'ORD-1234'],
          providerSessionId: res.body.session_id,
        }),
      ]);
    });

    it('uses SMS_TEMPLATE when no template is named, and works for super_admin', async () => {
      const app = buildSmsApp(testDb().db, sim(), { env: { SMS_TEMPLATE: 'Default Tpl' } });
      const { cookie } = await signedIn(app, 'super_admin');
      const to = newPhone();
      await request(app.app).post('/api/sms/sendTemplate').set('Cookie', cookie).send({ to, var1: 'x' }).expect(200);
      expect(sim().outbox()[0]).toMatchObject({ from: 'TFCTOR', templateName: 'Default Tpl', variables: ['x'] });
    });

    it('keeps each variable in its own slot: var2 without var1 arrives as VAR2, with an empty VAR1', async () => {
      const requests: string[] = [];
      const recording = await startTwoFactorSimulator({ onRequest: (req) => void requests.push(req.body ?? '') });
      try {
        const app = buildTestApp(testDb().db, {
          env: { TWO_FACTOR_BASE_URL: recording.url, TWO_FACTOR_API_KEY: TEST_API_KEY },
        });
        const { cookie } = await signedIn(app);
        await request(app.app)
          .post('/api/sms/sendTemplate')
          .set('Cookie', cookie)
          .send({ to: newPhone(), var2: 'ORD-1234' })
          .expect(200);
        const form = new URLSearchParams(requests[0]);
        expect(form.get('VAR2')).toBe('ORD-1234');
        expect(form.get('VAR1')).toBe('');
        expect(recording.outbox()[0]!.variables).toEqual(['', 'ORD-1234']);
      } finally {
        await recording.close();
      }
    });

    it('is for admins only, and refused requests reach no provider', async () => {
      const app = buildSmsApp(testDb().db, sim());
      await expectAdminOnly(app, (cookie) => {
        const call = request(app.app).post('/api/sms/sendTemplate');
        return (cookie ? call.set('Cookie', cookie) : call).send({ to: newPhone() });
      });
      expect(sim().stats().totalRequests).toBe(0);
    });

    it('answers 400 invalid_phone and invalid_request for bad input, without a provider call', async () => {
      const app = buildSmsApp(testDb().db, sim());
      const { cookie } = await signedIn(app);
      const post = (body: object) => request(app.app).post('/api/sms/sendTemplate').set('Cookie', cookie).send(body);
      expect((await post({ to: '9876543210' }).expect(400)).body.status).toBe('invalid_phone');
      expect((await post({ to: newPhone(), template_name: '../../BAL/SMS' }).expect(400)).body.status).toBe(
        'invalid_request',
      );
      expect((await post({ to: newPhone(), var1: 'x'.repeat(161) }).expect(400)).body.status).toBe('invalid_request');
      expect(sim().stats().totalRequests).toBe(0);
    });

    it('answers 502 provider_error with a friendly message when 2Factor refuses the template', async () => {
      const app = buildSmsApp(testDb().db, sim(), { env: { SMS_SENDER_ID: 'ACMEIN' } });
      const { cookie } = await signedIn(app);
      sim().setFaults({ mode: 'invalidKey' });
      const res = await request(app.app)
        .post('/api/sms/sendTemplate')
        .set('Cookie', cookie)
        .send({ to: newPhone() })
        .expect(502);
      expect(res.body.status).toBe('provider_error');
      expect(res.body.message).not.toMatch(/Invalid API Key/i);
    });
  });

  describe('GET and PUT /api/sms/config', () => {
    it('shows the settings in force with the key masked to its last 4 characters, never the key', async () => {
      const app = buildSmsApp(testDb().db, sim(), {
        env: { SMS_SENDER_ID: 'ACMEIN', SMS_TEMPLATE: 'Env Tpl', SMS_MODE: 'template' },
      });
      const { cookie } = await signedIn(app);
      const res = await request(app.app).get('/api/sms/config').set('Cookie', cookie).expect(200);
      expect(res.body).toEqual({
        api_key_set: true,
        api_key_masked: `••••••••${TEST_API_KEY.slice(-4)}`,
        api_key_source: 'environment',
        api_key_source_without_saved: 'environment',
        sender_id: 'ACMEIN',
        template_name: 'Env Tpl',
        mode: 'template',
        sandbox: false,
      });
      expect(res.text).not.toContain(TEST_API_KEY);
      expect(res.text).not.toContain(TEST_API_KEY.slice(0, 8));
    });

    it('saves key, template and mode; saved values win over the environment and are used for sends', async () => {
      const keyed = await startTwoFactorSimulator({ validApiKeys: [OTHER_KEY] });
      try {
        const app = buildTestApp(testDb().db, {
          holdAnswer: async () => undefined,
          clock: createFakeClock(Date.now()),
          env: {
            TWO_FACTOR_BASE_URL: keyed.url,
            TWO_FACTOR_API_KEY: TEST_API_KEY,
            SMS_TEMPLATE: 'Env Tpl',
            SMS_MODE: 'autogen',
          },
        });
        const admin = await signedIn(app);
        const phone = newPhone();
        // The environment's key is not valid for this 2Factor account.
        expect(
          (
            await request(app.app)
              .post('/api/sms/sendOtp')
              .set('Cookie', admin.cookie)
              .send({ phone, purpose: 'test' })
              .expect(502)
          ).body.status,
        ).toBe('provider_error');

        const saved = await request(app.app)
          .put('/api/sms/config')
          .set('Cookie', admin.cookie)
          .send({ api_key: OTHER_KEY, template_name: 'Saved Tpl', mode: 'template' })
          .expect(200);
        expect(saved.body).toMatchObject({
          api_key_set: true,
          api_key_masked: '••••••••e0f9',
          template_name: 'Saved Tpl',
          mode: 'template',
        });
        expect(saved.text).not.toContain(OTHER_KEY);
        expect((await request(app.app).get('/api/sms/config').set('Cookie', admin.cookie).expect(200)).body).toEqual(
          saved.body,
        );

        await request(app.app)
          .post('/api/sms/sendOtp')
          .set('Cookie', admin.cookie)
          .send({ phone: newPhone(), purpose: 'test' })
          .expect(200);
        expect(keyed.outbox().at(-1)).toMatchObject({ kind: 'template', templateName: 'Saved Tpl' });

        // A second instance (fresh caches) reads the same saved settings from the database.
        const other = buildTestApp(testDb().db, {
          env: { TWO_FACTOR_BASE_URL: keyed.url, TWO_FACTOR_API_KEY: TEST_API_KEY },
        });
        const otherAdmin = await cookieFor(other, admin.user);
        expect(
          (await request(other.app).get('/api/sms/config').set('Cookie', otherAdmin).expect(200)).body,
        ).toMatchObject({
          api_key_masked: '••••••••e0f9',
          template_name: 'Saved Tpl',
          mode: 'template',
        });
      } finally {
        await keyed.close();
      }
    });

    it('keeps fields that a PUT leaves out', async () => {
      const app = buildSmsApp(testDb().db, sim());
      const { cookie } = await signedIn(app);
      await request(app.app).put('/api/sms/config').set('Cookie', cookie).send({ template_name: 'First' }).expect(200);
      const res = await request(app.app)
        .put('/api/sms/config')
        .set('Cookie', cookie)
        .send({ mode: 'template' })
        .expect(200);
      expect(res.body).toMatchObject({
        template_name: 'First',
        mode: 'template',
        api_key_masked: `••••••••${TEST_API_KEY.slice(-4)}`,
      });
    });

    it('stores the saved key encrypted: the sms_settings row does not contain it', async () => {
      const app = buildSmsApp(testDb().db, sim());
      const { cookie } = await signedIn(app);
      await request(app.app).put('/api/sms/config').set('Cookie', cookie).send({ api_key: OTHER_KEY }).expect(200);
      const { rows } = await testDb().db.query<Record<string, unknown>>('select * from public.sms_settings');
      expect(rows).toHaveLength(1);
      const text = JSON.stringify(rows);
      expect(text).not.toContain(OTHER_KEY);
      expect(text).not.toContain(OTHER_KEY.slice(-12));
      expect(rows[0]!.api_key_ciphertext).toMatch(/^v1\./);
      expect(app.log.text()).not.toContain(OTHER_KEY);
    });

    it("falls back to the environment's key, with a warning, when the saved key cannot be decrypted (APP_SECRET rotated)", async () => {
      const app = buildSmsApp(testDb().db, sim());
      const admin = await signedIn(app);
      await request(app.app)
        .put('/api/sms/config')
        .set('Cookie', admin.cookie)
        .send({ api_key: OTHER_KEY })
        .expect(200);

      const rotated = buildSmsApp(testDb().db, sim(), {
        env: { APP_SECRET: 'a-rotated-app-secret-0123456789abcdefghij' },
      });
      const view = await request(rotated.app)
        .get('/api/sms/config')
        .set('Cookie', await cookieFor(rotated, admin.user))
        .expect(200);
      expect(view.body).toMatchObject({ api_key_set: true, api_key_masked: `••••••••${TEST_API_KEY.slice(-4)}` });
      expect(rotated.log.text()).toMatch(/cannot be decrypted/);
      expect(rotated.log.text()).not.toContain(OTHER_KEY);
    });

    it('answers 400 for invalid settings and keeps the old ones', async () => {
      const app = buildSmsApp(testDb().db, sim());
      const { cookie } = await signedIn(app);
      for (const body of [
        { api_key: 'short' },
        { api_key: 'has/slash-0123456789' },
        { mode: 'voice' },
        { template_name: '' },
        { template_name: 'a/b' },
      ]) {
        const res = await request(app.app).put('/api/sms/config').set('Cookie', cookie).send(body).expect(400);
        expect(res.body.status).toBe('invalid_request');
        expect(JSON.stringify(res.body)).not.toContain('has/slash-0123456789');
      }
      const view = await request(app.app).get('/api/sms/config').set('Cookie', cookie).expect(200);
      expect(view.body).toMatchObject({
        api_key_masked: `••••••••${TEST_API_KEY.slice(-4)}`,
        mode: 'autogen',
        template_name: 'SMSTemplate1',
      });
    });

    it('is for admins only', async () => {
      const app = buildSmsApp(testDb().db, sim());
      await expectAdminOnly(app, (cookie) => {
        const call = request(app.app).get('/api/sms/config');
        return cookie ? call.set('Cookie', cookie) : call;
      });
      await expectAdminOnly(app, (cookie) => {
        const call = request(app.app).put('/api/sms/config');
        return (cookie ? call.set('Cookie', cookie) : call).send({ template_name: 'Hijack' });
      });
      const { rows } = await testDb().db.query('select * from public.sms_settings');
      expect(rows).toHaveLength(0);
    });
  });

  describe('DELETE /api/sms/config/api_key', () => {
    const removeKey = (app: TestApp, cookie: string) =>
      request(app.app).delete('/api/sms/config/api_key').set('Cookie', cookie).send({});

    it('brings the sandbox back in development: sends and the connection test reach the simulator again', async () => {
      // 2Factor (a simulator here) does not accept the key the admin saves.
      const twoFactor = await startTwoFactorSimulator({ validApiKeys: ['only-this-key-0000'] });
      try {
        const app = buildTestApp(testDb().db, {
          env: { TWO_FACTOR_BASE_URL: twoFactor.url },
          sandbox: sandboxFromSimulator(sim()),
          holdAnswer: async () => undefined,
          clock: createFakeClock(Date.now()),
        });
        const admin = await signedIn(app);
        const testSend = () =>
          request(app.app)
            .post('/api/sms/sendOtp')
            .set('Cookie', admin.cookie)
            .send({ phone: newPhone(), purpose: 'test' });
        const connectionTest = async () =>
          (await request(app.app).post('/api/sms/config/test').set('Cookie', admin.cookie).send({}).expect(200)).body;

        await request(app.app)
          .put('/api/sms/config')
          .set('Cookie', admin.cookie)
          .send({ api_key: OTHER_KEY, template_name: 'Kept Tpl' })
          .expect(200);
        expect(
          (await request(app.app).get('/api/sms/config').set('Cookie', admin.cookie).expect(200)).body,
        ).toMatchObject({
          api_key_source: 'saved',
          api_key_source_without_saved: 'sandbox',
          sandbox: false,
        });
        expect((await testSend().expect(502)).body.status).toBe('provider_error');
        expect(await connectionTest()).toMatchObject({ ok: false });

        const removed = await removeKey(app, admin.cookie).expect(200);

        expect(removed.body).toMatchObject({
          api_key_set: false,
          api_key_masked: null,
          api_key_source: 'sandbox',
          sandbox: true,
          template_name: 'Kept Tpl',
        });
        expect((await request(app.app).get('/api/sms/config').set('Cookie', admin.cookie).expect(200)).body).toEqual(
          removed.body,
        );
        expect(await connectionTest()).toMatchObject({ ok: true, message: expect.stringMatching(/sandbox/) });
        const sent = await testSend().expect(200);
        expect(sent.body.sandbox_code).toMatch(/^\d{6}$/);
        expect(sim().outbox()).toHaveLength(1);
        const { rows } = await testDb().db.query<{ api_key_ciphertext: string | null; template_name: string }>(
          'select api_key_ciphertext, template_name from public.sms_settings',
        );
        expect(rows).toEqual([{ api_key_ciphertext: null, template_name: 'Kept Tpl' }]);
      } finally {
        await twoFactor.close();
      }
    });

    it("goes back to the environment's key, and the log says who removed it, never the key", async () => {
      const app = buildSmsApp(testDb().db, sim());
      const admin = await signedIn(app);
      await request(app.app)
        .put('/api/sms/config')
        .set('Cookie', admin.cookie)
        .send({ api_key: OTHER_KEY })
        .expect(200);

      const removed = await removeKey(app, admin.cookie).expect(200);

      expect(removed.body).toMatchObject({
        api_key_set: true,
        api_key_masked: `••••••••${TEST_API_KEY.slice(-4)}`,
        api_key_source: 'environment',
      });
      await request(app.app)
        .post('/api/sms/sendOtp')
        .set('Cookie', admin.cookie)
        .send({ phone: newPhone(), purpose: 'test' })
        .expect(200);
      expect(sim().stats().totalRequests).toBe(1);
      const audit = app.log.lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.msg === 'saved 2Factor API key removed');
      expect(audit).toEqual([expect.objectContaining({ removedBy: admin.user.id, apiKeySource: 'environment' })]);
      expect(app.log.text()).not.toContain(OTHER_KEY);
      expect(removed.text).not.toContain(OTHER_KEY);
    });

    it('leaves no key in production without an environment key: sends answer provider_not_configured', async () => {
      const app = buildTestApp(testDb().db, {
        env: { NODE_ENV: 'production', TWO_FACTOR_BASE_URL: sim().url },
        holdAnswer: async () => undefined,
      });
      // Production names the session cookie __Host-sid.
      const cookie = (await signedIn(app)).cookie.replace(/^sid=/, '__Host-sid=');
      await request(app.app).put('/api/sms/config').set('Cookie', cookie).send({ api_key: OTHER_KEY }).expect(200);

      const removed = await removeKey(app, cookie).expect(200);

      expect(removed.body).toMatchObject({
        api_key_set: false,
        api_key_source: 'none',
        api_key_source_without_saved: 'none',
        sandbox: false,
      });
      const send = await request(app.app).post('/api/sms/sendOtp').send({ phone: newPhone() }).expect(503);
      expect(send.body.status).toBe('provider_not_configured');
    });

    it('changes nothing, and logs nothing, when no key is saved', async () => {
      const app = buildSmsApp(testDb().db, sim());
      const admin = await signedIn(app);
      const before = await request(app.app).get('/api/sms/config').set('Cookie', admin.cookie).expect(200);
      const removed = await removeKey(app, admin.cookie).expect(200);
      expect(removed.body).toEqual(before.body);
      expect(app.log.text()).not.toContain('API key removed');
    });

    it('is for admins only, refuses cross-site and non-JSON requests, and keeps the saved key', async () => {
      const app = buildSmsApp(testDb().db, sim());
      const admin = await signedIn(app);
      await request(app.app)
        .put('/api/sms/config')
        .set('Cookie', admin.cookie)
        .send({ api_key: OTHER_KEY })
        .expect(200);

      await expectAdminOnly(app, (cookie) => {
        const call = request(app.app).delete('/api/sms/config/api_key');
        return (cookie ? call.set('Cookie', cookie) : call).send({});
      });
      const crossSite = await removeKey(app, admin.cookie).set('Origin', 'https://attacker.example').expect(403);
      expect(crossSite.body.status).toBe('cross_site_request');
      const noJson = await request(app.app).delete('/api/sms/config/api_key').set('Cookie', admin.cookie).expect(415);
      expect(noJson.body.status).toBe('unsupported_media_type');

      const view = await request(app.app).get('/api/sms/config').set('Cookie', admin.cookie).expect(200);
      expect(view.body).toMatchObject({ api_key_source: 'saved', api_key_masked: '••••••••e0f9' });
      expect(app.log.text()).not.toContain('API key removed');
    });
  });

  describe('POST /api/sms/config/test', () => {
    it('answers ok with the balance, and sends no SMS', async () => {
      const app = buildSmsApp(testDb().db, sim());
      const { cookie } = await signedIn(app);
      const res = await request(app.app).post('/api/sms/config/test').set('Cookie', cookie).send({}).expect(200);
      expect(res.body).toEqual({ ok: true, balance: '500', message: expect.stringContaining('500') });
      expect(sim().stats().byKind).toMatchObject({ balance: 1, autogen: 0, tsms: 0 });
      expect(sim().outbox()).toEqual([]);
    });

    it('answers ok false with the reason for a key 2Factor does not accept', async () => {
      const keyed = await startTwoFactorSimulator({ validApiKeys: [OTHER_KEY] });
      try {
        const app = buildTestApp(testDb().db, {
          env: { TWO_FACTOR_BASE_URL: keyed.url, TWO_FACTOR_API_KEY: TEST_API_KEY },
        });
        const { cookie } = await signedIn(app);
        const res = await request(app.app).post('/api/sms/config/test').set('Cookie', cookie).send({}).expect(200);
        expect(res.body).toEqual({ ok: false, message: '2Factor refused: Invalid API Key' });
        expect(res.text).not.toContain(TEST_API_KEY);

        await request(app.app).put('/api/sms/config').set('Cookie', cookie).send({ api_key: OTHER_KEY }).expect(200);
        const fixed = await request(app.app).post('/api/sms/config/test').set('Cookie', cookie).send({}).expect(200);
        expect(fixed.body).toMatchObject({ ok: true, balance: '500' });
      } finally {
        await keyed.close();
      }
    });

    it('answers ok false when 2Factor is not reachable', async () => {
      const app = buildSmsApp(testDb().db, sim(), { env: { PROVIDER_TIMEOUT_MS: '100' } });
      const { cookie } = await signedIn(app);
      sim().setFaults({ mode: 'http500' });
      const res = await request(app.app).post('/api/sms/config/test').set('Cookie', cookie).send({}).expect(200);
      expect(res.body).toMatchObject({ ok: false, message: expect.stringMatching(/not reachable/) });
    });

    it('is for admins only', async () => {
      const app = buildSmsApp(testDb().db, sim());
      await expectAdminOnly(app, (cookie) => {
        const call = request(app.app).post('/api/sms/config/test');
        return (cookie ? call.set('Cookie', cookie) : call).send({});
      });
      expect(sim().stats().totalRequests).toBe(0);
    });
  });

  describe('GET /api/sms/logs', () => {
    /** Sends `count` test codes (one log row each, type autogen) and verifies one (type verify). */
    async function withLogRows(app: TestApp, cookie: string, count: number) {
      const phones: string[] = [];
      for (let i = 0; i < count; i++) {
        const phone = newPhone();
        phones.push(phone);
        const sent = await request(app.app)
          .post('/api/sms/sendOtp')
          .set('Cookie', cookie)
          .send({ phone, purpose: 'test' })
          .expect(200);
        if (i === 1)
          await request(app.app)
            .post('/api/sms/verifyOtp')
            .send({ session_id: sent.body.session_id, otp: codeSentTo(sim(), phone) })
            .expect(200);
      }
      return phones;
    }

    it('lists rows newest first with masked phones, and pages with limit, before and next_before', async () => {
      const app = buildSmsApp(testDb().db, sim(), {
        env: { SMS_RATE_LIMIT_PER_MIN: '100', SMS_MAX_SENDS_PER_HOUR: '100' },
      });
      const admin = await signedIn(app);
      const phones = await withLogRows(app, admin.cookie, 5);

      const all = await request(app.app).get('/api/sms/logs').set('Cookie', admin.cookie).expect(200);
      const items = all.body.items as OtpLogItem[];
      expect(items).toHaveLength(6);
      expect(all.body.next_before).toBeNull();
      expect(items.map((item) => item.id)).toEqual([...items.map((item) => item.id)].sort((a, b) => b - a));
      expect(items[0]).toMatchObject({
        type: 'autogen',
        origin: 'test',
        status: 'sent',
        phone: `+91******${phones[4]!.slice(-4)}`,
        user_id: admin.user.id,
      });
      expect(Object.keys(items[0]!).sort()).toEqual([
        'created_at',
        'details',
        'id',
        'origin',
        'phone',
        'response_time_ms',
        'session_id',
        'status',
        'type',
        'user_id',
      ]);
      for (const item of items) {
        expect(item.phone).toMatch(/^\+91\*{6}\d{4}$/);
        expect(JSON.stringify(item)).not.toContain(phones.find((p) => p.endsWith(item.phone.slice(-4)))!);
      }

      const first = await request(app.app).get('/api/sms/logs?limit=4').set('Cookie', admin.cookie).expect(200);
      expect(first.body.items.map((item: OtpLogItem) => item.id)).toEqual(items.slice(0, 4).map((item) => item.id));
      expect(first.body.next_before).toBe(items[3]!.id);
      const second = await request(app.app)
        .get(`/api/sms/logs?limit=4&before=${first.body.next_before}`)
        .set('Cookie', admin.cookie)
        .expect(200);
      expect(second.body.items.map((item: OtpLogItem) => item.id)).toEqual(items.slice(4).map((item) => item.id));
      expect(second.body.next_before).toBeNull();
    });

    it('filters by type', async () => {
      const app = buildSmsApp(testDb().db, sim(), {
        env: { SMS_RATE_LIMIT_PER_MIN: '100', SMS_MAX_SENDS_PER_HOUR: '100' },
      });
      const admin = await signedIn(app);
      await withLogRows(app, admin.cookie, 3);
      const verifies = await request(app.app).get('/api/sms/logs?type=verify').set('Cookie', admin.cookie).expect(200);
      expect(verifies.body.items).toEqual([expect.objectContaining({ type: 'verify', status: 'verified' })]);
      const sends = await request(app.app)
        .get('/api/sms/logs?type=autogen&limit=2')
        .set('Cookie', admin.cookie)
        .expect(200);
      expect(sends.body.items.map((item: OtpLogItem) => item.type)).toEqual(['autogen', 'autogen']);
      expect(sends.body.next_before).not.toBeNull();
      const templates = await request(app.app)
        .get('/api/sms/logs?type=template')
        .set('Cookie', admin.cookie)
        .expect(200);
      expect(templates.body).toEqual({ items: [], next_before: null });
    });

    it('answers 400 for a bad query', async () => {
      const app = buildSmsApp(testDb().db, sim());
      const { cookie } = await signedIn(app);
      for (const query of [
        'limit=0',
        'limit=101',
        'limit=abc',
        'before=-1',
        'before=1.5',
        'type=sms',
        'limit=1&limit=2',
        'before=99999999999999999999999',
      ]) {
        const res = await request(app.app).get(`/api/sms/logs?${query}`).set('Cookie', cookie);
        expect([query, res.status, res.body.status]).toEqual([query, 400, 'invalid_request']);
      }
    });

    it('is for admins only', async () => {
      const app = buildSmsApp(testDb().db, sim());
      await expectAdminOnly(app, (cookie) => {
        const call = request(app.app).get('/api/sms/logs');
        return cookie ? call.set('Cookie', cookie) : call;
      });
    });
  });

  describe('sandbox and unconfigured provider', () => {
    it('talks to the simulator with no API key outside production and shows admins the code of their test sends only', async () => {
      const app = buildTestApp(testDb().db, {
        sandbox: sandboxFromSimulator(sim()),
        holdAnswer: async () => undefined,
      });
      const admin = await signedIn(app);
      const view = await request(app.app).get('/api/sms/config').set('Cookie', admin.cookie).expect(200);
      expect(view.body).toMatchObject({
        api_key_set: false,
        api_key_masked: null,
        api_key_source: 'sandbox',
        sandbox: true,
      });

      const phone = newPhone();
      const test = await request(app.app)
        .post('/api/sms/sendOtp')
        .set('Cookie', admin.cookie)
        .send({ phone, purpose: 'test' })
        .expect(200);
      expect(test.body.sandbox_code).toBe(codeSentTo(sim(), phone));

      const owned = newPhone();
      await addUser(app, 'staff', owned);
      const login = await request(app.app).post('/api/sms/sendOtp').send({ phone: owned }).expect(200);
      expect(login.body.sandbox_code).toBeUndefined();
      codeSentTo(sim(), owned);
      expect(
        (await request(app.app).post('/api/sms/config/test').set('Cookie', admin.cookie).send({}).expect(200)).body
          .message,
      ).toMatch(/sandbox/);
    });

    it('answers 503 provider_not_configured in production without an API key, for any number', async () => {
      const app = buildTestApp(testDb().db, { env: { NODE_ENV: 'production' }, sandbox: sandboxFromSimulator(sim()) });
      const phone = newPhone();
      await addUser(app, 'staff', phone);
      for (const target of [phone, newPhone()]) {
        const res = await request(app.app).post('/api/sms/sendOtp').send({ phone: target }).expect(503);
        expect(res.body.status).toBe('provider_not_configured');
      }
      expect(sim().stats().totalRequests).toBe(0);
      expect(await allLogRows(testDb().db)).toEqual([]);
    });
  });
});
