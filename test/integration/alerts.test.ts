/**
 * Alerts to ALERT_WEBHOOK_URL (server/alerts/): each kind at most once an hour across instances, sent by one of
 * them, retried while the webhook fails, and never carrying the API key, a code or a full phone number.
 */
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWebhookPoster } from '../../server/alerts/webhookPoster.js';
import { memoryLimiterStores } from '../../server/http/limiterStores.js';
import { useAlertReceiver } from '../support/alertReceiver.js';
import { anotherInstanceDb, dbKindsUnderTest } from '../support/testDatabases.js';
import { createFakeClock, useTestDatabase, type TestApp } from '../support/testApp.js';
import { CALLBACK_TOKEN, postReport, smsOtpReport, testSend } from '../support/deliveryKit.js';
import { addUser, buildSmsApp, codeSentTo, newPhone, signedIn, TEST_API_KEY, useSimulator } from '../support/smsKit.js';

const HOUR_MS = 3_600_000;
/** Retries without the production pauses. */
const fastPoster = createWebhookPoster({ initialDelayMs: 5, maxDelayMs: 10, timeoutMs: 2_000 });

describe.each(dbKindsUnderTest())('alerts on %s', (kind) => {
  const testDb = useTestDatabase(kind);
  const sim = useSimulator();
  const receiver = useAlertReceiver();
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  /** `count` instances on one database, one clock and shared limit counters (as Redis would share them). */
  function instances(count: number, env: Record<string, string> = {}): TestApp[] {
    const clock = createFakeClock(Date.parse('2026-12-01T04:00:00Z'));
    const limiterStores = memoryLimiterStores(clock.now);
    return Array.from({ length: count }, (_, index) => {
      const other = index === 0 ? { db: testDb().db, close: async () => undefined } : anotherInstanceDb(testDb());
      closers.push(other.close);
      return buildSmsApp(other.db, sim(), {
        clock,
        limiterStores,
        postAlert: fastPoster,
        env: { ALERT_WEBHOOK_URL: receiver().url, ...env },
      });
    });
  }

  async function reachBudget(app: TestApp): Promise<string> {
    const phone = newPhone();
    await addUser(app, 'agent', phone);
    await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(200);
    return phone;
  }

  it('sends a reached budget once, from one of the instances that all see it, and again only an hour later', async () => {
    const apps = instances(kind === 'postgres' ? 4 : 2, { SMS_DAILY_BUDGET: '1' });
    const phone = await reachBudget(apps[0]!);

    await Promise.all(apps.map((app) => app.alertWatch.tick()));
    await Promise.all(apps.map((app) => app.alertWatch.tick()));
    expect(receiver().delivered()).toEqual([
      { text: expect.stringMatching(/^SMS OTP alert: Daily SMS budget reached: 1 of 1 sent today\./) },
    ]);

    apps[0]!.clock.advance(HOUR_MS - 1_000);
    await Promise.all(apps.map((app) => app.alertWatch.tick()));
    expect(receiver().delivered()).toHaveLength(1);
    apps[0]!.clock.advance(1_000);
    await Promise.all(apps.map((app) => app.alertWatch.tick()));
    expect(receiver().delivered()).toHaveLength(2);

    const everything = JSON.stringify(receiver().delivered());
    expect(everything).not.toContain(phone.slice(3));
    expect(everything).not.toContain(codeSentTo(sim(), phone));
    expect(everything).not.toContain(TEST_API_KEY);
  });

  it('retries while the webhook answers 5xx or 429, and delivers once', async () => {
    const [app] = instances(1, { SMS_DAILY_BUDGET: '1' });
    await reachBudget(app!);
    receiver().answerNext(500, 429);
    await app!.alertWatch.tick();
    expect(receiver().requests()).toBe(3);
    expect(receiver().delivered()).toHaveLength(1);
    expect(app!.log.text()).toContain('"attempts":3');
  });

  it('gives the alert back when every try failed, so the next check sends it', async () => {
    const [app] = instances(1, { SMS_DAILY_BUDGET: '1' });
    await reachBudget(app!);
    receiver().answerAlways(503);
    await app!.alertWatch.tick();
    expect(receiver().requests()).toBe(3);
    expect(receiver().delivered()).toEqual([]);
    expect(app!.log.text()).toContain('alert could not be delivered to ALERT_WEBHOOK_URL');
    expect(app!.log.text()).not.toContain('secret-webhook-path');

    receiver().answerAlways(undefined);
    await app!.alertWatch.tick();
    expect(receiver().delivered()).toHaveLength(1);
  });

  it('does not retry a webhook that refuses the message (4xx)', async () => {
    const [app] = instances(1, { SMS_DAILY_BUDGET: '1' });
    await reachBudget(app!);
    receiver().answerNext(404);
    await app!.alertWatch.tick();
    expect(receiver().requests()).toBe(1);
  });

  it('sends a low balance after the poll, for the balance the current mode spends only', async () => {
    const [app] = instances(1, { SMS_BALANCE_ALERT_BELOW: '100' });
    sim().setBalances({ sms: '87', transactionalSms: '3' });
    await app!.smsBalance.pollIfDue();
    expect(receiver().delivered()).toEqual([
      {
        text: 'SMS OTP alert: 2Factor OTP SMS balance is low: 87 credits left (alert below 100). Top up the 2Factor account before sends start failing.',
      },
    ]);
  });

  it('sends nothing while the balance is at or above SMS_BALANCE_ALERT_BELOW', async () => {
    const [app] = instances(1, { SMS_BALANCE_ALERT_BELOW: '100' });
    sim().setBalances({ sms: '100' });
    await app!.smsBalance.pollIfDue();
    await app!.alertWatch.tick();
    expect(receiver().requests()).toBe(0);
  });

  it('sends an open circuit once it has stayed open for over a minute', async () => {
    const clock = createFakeClock(Date.parse('2026-12-01T04:00:00Z'));
    const app = buildSmsApp(testDb().db, sim(), {
      clock,
      postAlert: fastPoster,
      breaker: { failuresToOpen: 2, halfOpenAfterMs: 600_000 },
      env: { ALERT_WEBHOOK_URL: receiver().url, SMS_RESEND_COOLDOWN_S: '1', SMS_RATE_LIMIT_PER_MIN: '100' },
    });
    const phone = newPhone();
    await addUser(app, 'agent', phone);
    sim().setFaults({ mode: 'http500' });
    for (let send = 0; send < 2; send++) {
      await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(503);
      clock.advance(2_000);
    }
    expect(app.providerGuard.state()).toBe('open');
    await app.alertWatch.tick();
    clock.advance(56_000);
    await app.alertWatch.tick();
    expect(receiver().requests()).toBe(0);

    clock.advance(5_000);
    await app.alertWatch.tick();
    expect(receiver().delivered()).toEqual([
      { text: expect.stringMatching(/^SMS OTP alert: 2Factor has been failing for 1 min: calls are paused/) },
    ]);
  });

  it('sends a voice-instead-of-SMS report once an hour, however many arrive', async () => {
    const [app] = instances(1, { TWO_FACTOR_CALLBACK_TOKEN: CALLBACK_TOKEN });
    const admin = await signedIn(app!);
    for (let call = 0; call < 2; call++) {
      const phone = newPhone();
      const send = await testSend(app!, sim(), admin.cookie, phone);
      await postReport(app!, {
        mode: 'VOICE_OTP',
        SessionId: send.providerSessionId,
        To: phone.slice(3),
        Status: 'DELIVERED',
        callDetailStatus: 'DELIVERED',
      }).expect(200);
    }
    await vi.waitFor(() => expect(receiver().delivered()).toHaveLength(1));
    expect(receiver().delivered()[0]!.text).toMatch(
      /^SMS OTP alert: An OTP sent as SMS was delivered as a voice call: the DLT template or sender id is not mapped/,
    );
    expect(JSON.stringify(receiver().delivered())).not.toMatch(/\d{10}/);
  });

  it('sends a delivery failure share over 20 % of at least 20 sends in the last hour, checked once a minute', async () => {
    const [app] = instances(1, {
      TWO_FACTOR_CALLBACK_TOKEN: CALLBACK_TOKEN,
      SMS_MAX_SENDS_PER_HOUR: '100',
      SMS_RATE_LIMIT_PER_MIN: '100',
    });
    const admin = await signedIn(app!);
    const sends = [];
    for (let i = 0; i < 20; i++) {
      const phone = newPhone();
      sends.push({ phone, ...(await testSend(app!, sim(), admin.cookie, phone)) });
    }
    // The last send has no report yet: it counts as sent, not failed.
    for (const [index, send] of sends.slice(0, 19).entries()) {
      await postReport(
        app!,
        smsOtpReport(send.providerSessionId, send.phone, index < 4 ? 'FAILED' : 'DELIVERED'),
      ).expect(200);
    }
    await app!.alertWatch.tick();
    expect(receiver().requests()).toBe(0); // 4 of 20: 20 %, not over it

    await postReport(app!, smsOtpReport(sends[19]!.providerSessionId, sends[19]!.phone, 'REJECTED')).expect(200);
    await app!.alertWatch.tick();
    expect(receiver().requests()).toBe(0); // the check ran a moment ago: it waits a minute
    app!.clock.advance(60_000);
    await app!.alertWatch.tick();
    expect(receiver().delivered()).toEqual([
      {
        text: "SMS OTP alert: SMS delivery is failing: 25 % of the last hour's 20 sends were not delivered (5 failed or rejected). See Settings → SMS & OTP for the reasons.",
      },
    ]);
  });

  it('without ALERT_WEBHOOK_URL only logs the alert, once an hour', async () => {
    const [app] = instances(1, { SMS_DAILY_BUDGET: '1', ALERT_WEBHOOK_URL: '' });
    await reachBudget(app!);
    await app!.alertWatch.tick();
    await app!.alertWatch.tick();
    const logged = app!.log.lines.filter(
      (line) => line.includes('"alert":"budget_reached"') && line.includes('Daily SMS budget reached'),
    );
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('"level":40');
    expect(receiver().requests()).toBe(0);
  });
});
