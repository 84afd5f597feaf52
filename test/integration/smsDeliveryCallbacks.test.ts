/**
 * 2Factor's delivery callbacks, POST /api/sms/callbacks/2factor/{token}, against real sends through the app:
 * each form 2Factor posts (SMS OTP, voice OTP, transactional SMS) is stored as a delivery event and moves its send's
 * status; a wrong token is a 404 that records nothing; duplicates, reports out of order and reports about sessions we
 * never sent are harmless; a voice report about a code sent as SMS is flagged; the token never reaches the log.
 * Then the simulator posting the reports itself, over real HTTP. On PGlite and, with TEST_DATABASE_URL, PostgreSQL.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { Db, Queryable } from '../../server/db/db.js';
import { VOICE_INSTEAD_OF_SMS_MESSAGE } from '../../server/sms/deliveryReports.js';
import { sandboxFromSimulator } from '../../server/providers/twoFactor/simulatorSandbox.js';
import { CALLBACK_BODY_LIMIT } from '../../server/webhooks/twoFactorCallbacks.js';
import {
  CALLBACK_PATH,
  CALLBACK_TOKEN,
  deliveryEvents,
  deliveryState,
  postReport,
  smsOtpReport,
  testSend,
} from '../support/deliveryKit.js';
import { listen } from '../support/securityKit.js';
import { buildSmsApp, newPhone, signedIn, useSimulator } from '../support/smsKit.js';
import { buildTestApp, useTestDatabase, type TestApp } from '../support/testApp.js';
import { dbKindsUnderTest } from '../support/testDatabases.js';

const RAISED_LIMITS = {
  SMS_RATE_LIMIT_PER_MIN: '1000',
  SMS_MAX_SENDS_PER_HOUR: '1000',
  SMS_MAX_SENDS_PER_PHONE_PER_DAY: '1000',
};

describe.each(dbKindsUnderTest())('2Factor delivery callbacks on %s', (kind) => {
  const testDb = useTestDatabase(kind);
  const sim = useSimulator();

  function app(env: Record<string, string> = {}): TestApp {
    return buildSmsApp(testDb().db, sim(), {
      env: { TWO_FACTOR_CALLBACK_TOKEN: CALLBACK_TOKEN, ...RAISED_LIMITS, ...env },
    });
  }

  async function rowCounts(db: Db): Promise<{ events: number; states: number }> {
    const { rows } = await db.query<{ events: number; states: number }>(
      'select (select count(*) from public.sms_delivery_events)::int as events, (select count(*) from public.sms_deliveries)::int as states',
    );
    return rows[0]!;
  }

  describe('each form 2Factor posts', () => {
    it('SMS OTP DELIVERED: 200 at once, one event with the user and the time from send to report, and the send delivered', async () => {
      const a = app();
      const admin = await signedIn(a);
      const phone = newPhone();
      const send = await testSend(a, sim(), admin.cookie, phone);
      a.clock.advance(4_200);

      // A form from 2Factor's servers: no Origin, no cookie, not JSON. The cross-site guard must not stand in the way.
      const answer = await postReport(a, smsOtpReport(send.providerSessionId, phone, 'DELIVERED')).expect(200);
      expect(answer.body).toEqual({ received: true });

      const [event, ...more] = await deliveryEvents(testDb().db);
      expect(more).toEqual([]);
      expect(event).toMatchObject({
        provider_session_id: send.providerSessionId,
        user_id: admin.user.id,
        phone,
        form: 'sms_otp',
        channel: 'sms',
        outcome: 'delivered',
        provider_status: 'DELIVERED',
        reason: null,
        voice_instead_of_sms: false,
        details: { mode: 'SMS_OTP', SessionId: send.providerSessionId, To: phone.slice(3), Status: 'DELIVERED' },
      });
      expect(Number(event!.send_to_report_ms)).toBe(4_200);
      expect(await deliveryState(testDb().db, send.providerSessionId)).toMatchObject({
        status: 'delivered',
        reason: null,
        channel: 'sms',
        reports: 1,
      });
    });

    it.each([
      ['FAILED', 'failed'],
      ['REJECTED', 'rejected'],
    ])("SMS OTP %s: the send is %s, with 2Factor's word as the reason", async (status, outcome) => {
      const a = app();
      const admin = await signedIn(a);
      const phone = newPhone();
      const send = await testSend(a, sim(), admin.cookie, phone);
      await postReport(a, smsOtpReport(send.providerSessionId, phone, status)).expect(200);
      expect((await deliveryEvents(testDb().db))[0]).toMatchObject({
        outcome,
        provider_status: status,
        reason: status,
      });
      expect(await deliveryState(testDb().db, send.providerSessionId)).toMatchObject({
        status: outcome,
        reason: status,
      });
    });

    it('transactional SMS (template mode and Template API sends): SmsStatus decides, ErrorName is the reason', async () => {
      const a = app({ SMS_MODE: 'template' });
      const admin = await signedIn(a);
      const codePhone = newPhone();
      const code = await testSend(a, sim(), admin.cookie, codePhone);
      const smsPhone = newPhone();
      const sent = await request(a.app)
        .post('/api/sms/sendTemplate')
        .set('Cookie', admin.cookie)
        .send({ to: smsPhone, var1: 'A-1' })
        .expect(200);

      const delivered = {
        SessionId: code.providerSessionId,
        SmsTo: codePhone.slice(1),
        SmsStatus: 'DELIVERED',
        StatusGroupId: '3',
        StatusGroupName: 'DELIVERED',
        StatusId: '5',
        StatusName: 'DELIVERED_TO_HANDSET',
        StatusDescription: 'Message delivered to handset',
        ErrorGroupId: '0',
        ErrorGroupName: 'OK',
        ErrorId: '0',
        ErrorName: 'NO_ERROR',
        ErrorDescription: 'No Error',
        ErrorPermanent: 'false',
      };
      const undeliverable = {
        ...delivered,
        SessionId: sent.body.session_id as string,
        SmsTo: smsPhone.slice(1),
        SmsStatus: 'UNDELIVERABLE',
        StatusGroupName: 'UNDELIVERABLE',
        StatusName: 'UNDELIVERABLE_NOT_DELIVERED',
        ErrorName: 'EC_ABSENT_SUBSCRIBER',
        ErrorPermanent: 'false',
      };
      await postReport(a, delivered).expect(200);
      await postReport(a, undeliverable).expect(200);

      const [first, second] = await deliveryEvents(testDb().db);
      expect(first).toMatchObject({
        form: 'tsms',
        phone: codePhone,
        outcome: 'delivered',
        reason: null,
        user_id: admin.user.id,
      });
      expect(second).toMatchObject({
        form: 'tsms',
        phone: smsPhone,
        outcome: 'failed',
        provider_status: 'UNDELIVERABLE',
        reason: 'EC_ABSENT_SUBSCRIBER',
      });
      expect(second!.sent_at).not.toBeNull();
      expect(await deliveryState(testDb().db, code.providerSessionId)).toMatchObject({ status: 'delivered' });
      expect(await deliveryState(testDb().db, sent.body.session_id as string)).toMatchObject({
        status: 'failed',
        reason: 'EC_ABSENT_SUBSCRIBER',
      });
    });

    it('voice OTP for a code sent as SMS: delivered, flagged, and said in the log with how it happens', async () => {
      const a = app();
      const admin = await signedIn(a);
      const phone = newPhone();
      const send = await testSend(a, sim(), admin.cookie, phone);
      const voice = {
        mode: 'VOICE_OTP',
        SessionId: send.providerSessionId,
        To: phone.slice(3),
        Status: 'DELIVERED',
        api_request_time: '2026-11-24 13:21:34',
        call_start_time: '2026-11-24 13:21:41',
        call_end_time: '2026-11-24 13:21:44',
        callDetailStatus: 'DELIVERED',
      };
      await postReport(a, voice).expect(200);

      expect((await deliveryEvents(testDb().db))[0]).toMatchObject({
        form: 'voice_otp',
        channel: 'voice',
        outcome: 'delivered',
        voice_instead_of_sms: true,
        details: voice,
      });
      expect(await deliveryState(testDb().db, send.providerSessionId)).toMatchObject({
        status: 'delivered',
        channel: 'voice',
        voice_instead_of_sms: true,
      });
      expect(a.log.text()).toContain(VOICE_INSTEAD_OF_SMS_MESSAGE);

      const funnel = await request(a.app).get('/api/sms/funnel?period=24h').set('Cookie', admin.cookie).expect(200);
      expect(funnel.body).toMatchObject({
        delivered: 1,
        delivered_as_voice: 1,
        voice_instead_of_sms: { last_7_days: 1 },
      });
      expect(funnel.body.voice_instead_of_sms.last_at).toEqual(expect.any(String));
    });

    it('a voice OTP that failed keeps the call detail as its reason; a voice report about a session we never sent is not flagged', async () => {
      const a = app();
      const admin = await signedIn(a);
      const phone = newPhone();
      const send = await testSend(a, sim(), admin.cookie, phone);
      await postReport(a, {
        mode: 'VOICE_OTP',
        SessionId: send.providerSessionId,
        To: phone.slice(3),
        Status: 'FAILED',
        callDetailStatus: 'FAILED (USR_NOT_PICKD)',
      }).expect(200);
      await postReport(a, {
        mode: 'VOICE_OTP',
        SessionId: 'e1a3c5d7-0000-4000-8000-000000000001',
        To: '9876543210',
        Status: 'DELIVERED',
      }).expect(200);

      const [failed, stranger] = await deliveryEvents(testDb().db);
      expect(failed).toMatchObject({ outcome: 'failed', reason: 'FAILED (USR_NOT_PICKD)', voice_instead_of_sms: true });
      expect(stranger).toMatchObject({
        outcome: 'delivered',
        voice_instead_of_sms: false,
        user_id: null,
        sent_at: null,
      });
    });

    it('accepts the same fields as JSON, and keeps fields it does not know', async () => {
      const a = app();
      const admin = await signedIn(a);
      const phone = newPhone();
      const send = await testSend(a, sim(), admin.cookie, phone);
      await request(a.app)
        .post(CALLBACK_PATH)
        .send({ ...smsOtpReport(send.providerSessionId, phone, 'DELIVERED'), Operator: 'Jio', Circle: 'KA' })
        .expect(200);
      expect((await deliveryEvents(testDb().db))[0]).toMatchObject({
        outcome: 'delivered',
        details: { Operator: 'Jio', Circle: 'KA', Status: 'DELIVERED' },
      });
    });

    it('records a report it cannot read (no session, an unknown status word) instead of refusing it', async () => {
      const a = app();
      await postReport(a, { Status: 'QUEUED_AT_SMSC', Note: 'no session id' }).expect(200);
      await request(a.app)
        .post(CALLBACK_PATH)
        .set('Content-Type', 'application/json')
        .send('{"SessionId": ')
        .expect(200);
      const events = await deliveryEvents(testDb().db);
      expect(events).toMatchObject([
        { provider_session_id: null, form: 'unknown', outcome: 'unknown', provider_status: 'QUEUED_AT_SMSC' },
        { provider_session_id: null, form: 'unknown', outcome: 'unknown', details: { _unparsed: '{"SessionId": ' } },
      ]);
      expect(await rowCounts(testDb().db)).toEqual({ events: 2, states: 0 });
    });
  });

  describe('wrong token', () => {
    it('answers 404 as for a route that does not exist, and records nothing', async () => {
      const a = app();
      const admin = await signedIn(a);
      const phone = newPhone();
      const send = await testSend(a, sim(), admin.cookie, phone);
      const unknownRoute = await request(a.app).get('/api/no-such-route').expect(404);
      const report = smsOtpReport(send.providerSessionId, phone, 'DELIVERED');
      const wrongPaths = [
        `/api/sms/callbacks/2factor/${CALLBACK_TOKEN.slice(0, -1)}x`,
        `/api/sms/callbacks/2factor/${CALLBACK_TOKEN}x`,
        `/api/sms/callbacks/2factor/${CALLBACK_TOKEN.toUpperCase()}`,
        '/api/sms/callbacks/2factor/',
        `/api/sms/callbacks/2factor/${CALLBACK_TOKEN}/extra`,
      ];
      for (const path of wrongPaths) {
        const answer = await postReport(a, report, path);
        expect({ path, status: answer.status, body: answer.body }).toEqual({
          path,
          status: 404,
          body: unknownRoute.body,
        });
      }
      // Another method on the right path is no route either.
      await request(a.app).get(CALLBACK_PATH).expect(404);
      expect(await rowCounts(testDb().db)).toEqual({ events: 0, states: 0 });
    });

    it('without TWO_FACTOR_CALLBACK_TOKEN the route does not exist', async () => {
      const a = buildSmsApp(testDb().db, sim());
      const answer = await postReport(
        a,
        smsOtpReport('e1a3c5d7-0000-4000-8000-000000000002', newPhone(), 'DELIVERED'),
      ).expect(404);
      expect(answer.body.status).toBe('not_found');
      expect(await rowCounts(testDb().db)).toEqual({ events: 0, states: 0 });
      const funnel = await request(a.app)
        .get('/api/sms/funnel')
        .set('Cookie', (await signedIn(a)).cookie)
        .expect(200);
      expect(funnel.body.reports_enabled).toBe(false);
    });

    it('never writes the token to the log, right or wrong', async () => {
      const a = app();
      await postReport(a, { mode: 'SMS_OTP', SessionId: 'x', Status: 'DELIVERED' }).expect(200);
      await postReport(a, { mode: 'SMS_OTP' }, `/api/sms/callbacks/2factor/${CALLBACK_TOKEN}-wrong`).expect(404);
      const log = a.log.text();
      expect(log).not.toContain(CALLBACK_TOKEN);
      expect(log).toContain('/api/sms/callbacks/2factor/[REDACTED]');
    });
  });

  it(`refuses a body over ${CALLBACK_BODY_LIMIT} with 413 and records nothing`, async () => {
    const a = app();
    await postReport(a, { mode: 'SMS_OTP', SessionId: 'x', Status: 'DELIVERED', Padding: 'x'.repeat(5_000) }).expect(
      413,
    );
    expect(await rowCounts(testDb().db)).toEqual({ events: 0, states: 0 });
  });

  describe('duplicates, order and strangers', () => {
    it('stores a report posted twice once, and answers 200 both times', async () => {
      const a = app();
      const admin = await signedIn(a);
      const phone = newPhone();
      const send = await testSend(a, sim(), admin.cookie, phone);
      const report = smsOtpReport(send.providerSessionId, phone, 'DELIVERED');
      await postReport(a, report).expect(200);
      a.clock.advance(60_000);
      await postReport(a, report).expect(200);
      expect(await rowCounts(testDb().db)).toEqual({ events: 1, states: 1 });
      expect(await deliveryState(testDb().db, send.providerSessionId)).toMatchObject({
        status: 'delivered',
        reports: 1,
      });
    });

    it('never lets an earlier status replace a final one, whatever order the reports arrive in', async () => {
      const a = app();
      const admin = await signedIn(a);
      const forms = (providerSessionId: string, phone: string) => ({
        pending: {
          SessionId: providerSessionId,
          SmsTo: phone.slice(1),
          SmsStatus: 'PENDING',
          StatusName: 'PENDING_ENROUTE',
          ErrorName: 'NO_ERROR',
        },
        failed: {
          SessionId: providerSessionId,
          SmsTo: phone.slice(1),
          SmsStatus: 'UNDELIVERABLE',
          ErrorName: 'EC_ABSENT_SUBSCRIBER',
        },
        delivered: {
          SessionId: providerSessionId,
          SmsTo: phone.slice(1),
          SmsStatus: 'DELIVERED',
          ErrorName: 'NO_ERROR',
        },
      });
      const orders = [
        ['pending', 'failed', 'delivered'],
        ['pending', 'delivered', 'failed'],
        ['failed', 'pending', 'delivered'],
        ['failed', 'delivered', 'pending'],
        ['delivered', 'pending', 'failed'],
        ['delivered', 'failed', 'pending'],
      ] as const;
      for (const order of orders) {
        const phone = newPhone();
        const send = await testSend(a, sim(), admin.cookie, phone);
        const sentAtMs = a.clock.now();
        let deliveredAtMs = 0;
        for (const [index, step] of order.entries()) {
          a.clock.advance(1_000 * (index + 1));
          if (step === 'delivered') deliveredAtMs = a.clock.now();
          await postReport(a, forms(send.providerSessionId, phone)[step]).expect(200);
        }
        const state = await deliveryState(testDb().db, send.providerSessionId);
        expect({ order, status: state?.status, reason: state?.reason, reports: state?.reports }).toEqual({
          order,
          status: 'delivered',
          reason: null,
          reports: 3,
        });
        // The delivery time is that of the delivered report, not of whatever came last.
        expect(new Date(state!.status_at).getTime() - sentAtMs).toBe(deliveredAtMs - sentAtMs);
      }
    });

    it('a failure after another failure keeps the first reason; a pending report never ends a failure', async () => {
      const a = app();
      const admin = await signedIn(a);
      const phone = newPhone();
      const send = await testSend(a, sim(), admin.cookie, phone);
      await postReport(a, smsOtpReport(send.providerSessionId, phone, 'REJECTED')).expect(200);
      await postReport(a, smsOtpReport(send.providerSessionId, phone, 'FAILED')).expect(200);
      await postReport(a, { SessionId: send.providerSessionId, SmsTo: phone.slice(1), SmsStatus: 'PENDING' }).expect(
        200,
      );
      expect(await deliveryState(testDb().db, send.providerSessionId)).toMatchObject({
        status: 'rejected',
        reason: 'REJECTED',
        reports: 3,
      });
    });

    it('records reports about sessions this app never sent, and counts them apart in the funnel', async () => {
      const a = app();
      const admin = await signedIn(a);
      const stranger = 'f00dfeed-0000-4000-8000-000000000003';
      await postReport(a, smsOtpReport(stranger, '+919812345678', 'DELIVERED')).expect(200);
      expect((await deliveryEvents(testDb().db))[0]).toMatchObject({
        provider_session_id: stranger,
        user_id: null,
        sent_at: null,
        send_to_report_ms: null,
        phone: '+919812345678',
      });
      expect(await deliveryState(testDb().db, stranger)).toMatchObject({ status: 'delivered' });
      const funnel = await request(a.app).get('/api/sms/funnel').set('Cookie', admin.cookie).expect(200);
      expect(funnel.body).toMatchObject({ accepted: 0, delivered: 0, unmatched_reports: 1 });
    });
  });

  it('lets a signed-in user read only the delivery reports about them, and no send states (row-level security)', async () => {
    const a = app();
    const first = await signedIn(a);
    const second = await signedIn(a);
    const firstPhone = newPhone();
    const secondPhone = newPhone();
    const firstSend = await testSend(a, sim(), first.cookie, firstPhone);
    const secondSend = await testSend(a, sim(), second.cookie, secondPhone);
    await postReport(a, smsOtpReport(firstSend.providerSessionId, firstPhone, 'DELIVERED')).expect(200);
    await postReport(a, smsOtpReport(secondSend.providerSessionId, secondPhone, 'FAILED')).expect(200);
    await postReport(a, smsOtpReport('f00dfeed-0000-4000-8000-000000000004', newPhone(), 'DELIVERED')).expect(200);

    const db = testDb().db;
    const asUser = (sub: string | undefined, sql: string) =>
      asRole(db, sub === undefined ? 'anon' : 'authenticated', sub, (tx) =>
        tx.query<{ provider_session_id: string }>(sql),
      );
    const visible = async (sub: string) =>
      (await asUser(sub, 'select provider_session_id from public.sms_delivery_events')).rows.map(
        (row) => row.provider_session_id,
      );
    expect(await visible(first.user.id)).toEqual([firstSend.providerSessionId]);
    expect(await visible(second.user.id)).toEqual([secondSend.providerSessionId]);
    await expect(asUser(first.user.id, 'select * from public.sms_deliveries')).rejects.toMatchObject({ code: '42501' });
    await expect(asUser(undefined, 'select * from public.sms_delivery_events')).rejects.toMatchObject({
      code: '42501',
    });
    await expect(
      asUser(first.user.id, `update public.sms_delivery_events set outcome = 'delivered'`),
    ).rejects.toMatchObject({ code: '42501' });
  });

  it('the simulator posts the reports itself: delivered, failed, rejected and voice instead of SMS, over real HTTP', async () => {
    const a = app({ SMS_MODE: 'autogen' });
    const server = await listen(a.app);
    try {
      const admin = await signedIn(a);
      sim().setDeliveryReports({ callbackUrl: `${server.url}${CALLBACK_PATH}`, delayMs: 20 });
      const sends: Array<{ expected: string; voice: boolean; providerSessionId: string }> = [];
      for (const [outcome, voice] of [
        ['delivered', false],
        ['failed', false],
        ['rejected', false],
        ['delivered', true],
      ] as const) {
        sim().setDeliveryReports({
          mix: {
            delivered: outcome === 'delivered' ? 1 : 0,
            failed: outcome === 'failed' ? 1 : 0,
            rejected: outcome === 'rejected' ? 1 : 0,
          },
          voiceInsteadOfSms: voice,
        });
        const send = await testSend(a, sim(), admin.cookie, newPhone());
        sends.push({ expected: outcome, voice, providerSessionId: send.providerSessionId });
      }
      await expect
        .poll(() => sim().deliveryReports(), { timeout: 10_000 })
        .toMatchObject({ posted: 4, failed: 0, pending: 0 });

      for (const send of sends) {
        expect(await deliveryState(testDb().db, send.providerSessionId)).toMatchObject({
          status: send.expected,
          voice_instead_of_sms: send.voice,
          channel: send.voice ? 'voice' : 'sms',
        });
      }
      const funnel = await request(a.app).get('/api/sms/funnel').set('Cookie', admin.cookie).expect(200);
      expect(funnel.body).toMatchObject({
        accepted: 4,
        delivered: 2,
        failed: 2,
        awaiting_report: 0,
        delivered_as_voice: 1,
        failure_reasons: [
          { reason: 'FAILED', count: 1, share: 0.5 },
          { reason: 'REJECTED', count: 1, share: 0.5 },
        ],
      });
    } finally {
      await server.close();
    }
  });

  it('in the sandbox (no key, no TWO_FACTOR_CALLBACK_TOKEN) the app has the simulator report to itself, with a token of its own', async () => {
    const sandbox = sandboxFromSimulator(sim());
    const a = buildTestApp(testDb().db, { sandbox, holdAnswer: async () => undefined, env: RAISED_LIMITS });
    const server = await listen(a.app);
    try {
      const { port } = new URL(server.url);
      sandbox.reportDeliveriesTo({ host: '0.0.0.0', port: Number(port) }, sandbox.callbackToken);
      sim().setDeliveryReports({ delayMs: 0 });
      const admin = await signedIn(a);
      const send = await testSend(a, sim(), admin.cookie, newPhone());
      await expect.poll(() => sim().deliveryReports(), { timeout: 10_000 }).toMatchObject({ posted: 1, pending: 0 });
      expect(await deliveryState(testDb().db, send.providerSessionId)).toMatchObject({ status: 'delivered' });
      const funnel = await request(a.app).get('/api/sms/funnel').set('Cookie', admin.cookie).expect(200);
      expect(funnel.body).toMatchObject({ reports_enabled: true, accepted: 1, delivered: 1 });
      expect(a.log.text()).not.toContain(sandbox.callbackToken);
    } finally {
      await server.close();
    }
  });
});

/** Runs `work` as `role` with the JWT claims PostgREST would set, inside a transaction that is always rolled back. */
async function asRole<T>(
  db: Db,
  role: 'anon' | 'authenticated',
  sub: string | undefined,
  work: (tx: Queryable) => Promise<T>,
): Promise<T> {
  const rollback = new Error('rollback');
  let result: T | undefined;
  await db
    .transaction(async (tx) => {
      await tx.query(`set local role ${role}`);
      if (sub !== undefined)
        await tx.query(`select set_config('request.jwt.claims', $1, true)`, [JSON.stringify({ sub, role })]);
      result = await work(tx);
      throw rollback;
    })
    .catch((error: unknown) => {
      if (error !== rollback) throw error;
    });
  return result as T;
}
