/**
 * The SMS balance (server/sms/smsBalance.ts): polled from 2Factor's two balance calls by one instance per
 * interval, however many tick at once, stored with its history, and shown to admins with its hourly trend.
 */
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createSmsBalanceRepository } from '../../server/db/smsBalanceRepository.js';
import { BALANCE_POLL_INTERVAL_MS } from '../../server/sms/smsBalance.js';
import { anotherInstanceDb, dbKindsUnderTest } from '../support/testDatabases.js';
import { createFakeClock, useTestDatabase, type TestApp } from '../support/testApp.js';
import { buildSmsApp, signedIn, useSimulator } from '../support/smsKit.js';

const HOUR_MS = 3_600_000;

describe.each(dbKindsUnderTest())('SMS balance on %s', (kind) => {
  const testDb = useTestDatabase(kind);
  const sim = useSimulator();
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  /** `count` app instances on one database (each its own pool on PostgreSQL) and one clock. */
  function instances(count: number, env: Record<string, string> = {}): TestApp[] {
    const clock = createFakeClock(Date.parse('2026-12-01T04:00:00Z'));
    return Array.from({ length: count }, (_, index) => {
      const other = index === 0 ? { db: testDb().db, close: async () => undefined } : anotherInstanceDb(testDb());
      closers.push(other.close);
      return buildSmsApp(other.db, sim(), { clock, env });
    });
  }

  async function sampleCount(): Promise<number> {
    const { rows } = await testDb().db.query<{ n: number }>(
      'select count(*)::int as n from public.sms_balance_samples',
    );
    return rows[0]!.n;
  }

  it('is polled by one instance when several tick at once: one call per balance, one sample per account', async () => {
    const apps = instances(kind === 'postgres' ? 6 : 2);
    const polls = await Promise.all(apps.map((app) => app.smsBalance.pollIfDue()));

    expect(polls.filter((samples) => samples !== undefined)).toHaveLength(1);
    expect(sim().stats().byKind.balance).toBe(2);
    expect(await sampleCount()).toBe(2);
  });

  it('polls again once the interval has passed on any instance, and not before', async () => {
    const [first, second] = instances(2);
    await first!.smsBalance.pollIfDue();
    first!.clock.advance(BALANCE_POLL_INTERVAL_MS / 2);
    expect(await second!.smsBalance.pollIfDue()).toBeUndefined();
    first!.clock.advance(BALANCE_POLL_INTERVAL_MS / 2);
    expect(await second!.smsBalance.pollIfDue()).toHaveLength(2);
    expect(await first!.smsBalance.pollIfDue()).toBeUndefined();
    expect(sim().stats().byKind.balance).toBe(4);
  });

  it("shows admins both balances, which one the mode spends, and the trend: each hour's last sample", async () => {
    const [app] = instances(1, { SMS_BALANCE_ALERT_BELOW: '250' });
    const balances = ['900', '880', '860', '700'];
    for (const [index, sms] of balances.entries()) {
      sim().setBalances({ sms, transactionalSms: String(40 - index) });
      await app!.smsBalance.pollIfDue();
      app!.clock.advance(index === 1 ? BALANCE_POLL_INTERVAL_MS : HOUR_MS);
    }
    const { cookie } = await signedIn(app!);
    const res = await request(app!.app).get('/api/sms/balance').set('Cookie', cookie).expect(200);

    expect(res.body).toMatchObject({ in_use: 'otp_sms', alert_below: 250, poll_interval_s: 600 });
    const [otpSms, transactional] = res.body.accounts;
    expect(otpSms).toMatchObject({ account: 'otp_sms', balance: 700 });
    // Polls at 04:00, 05:00, 05:10 and 06:10: 880 and 860 share the 05:00 hour, where 860 came last.
    expect(otpSms.history.map((point: { balance: number }) => point.balance)).toEqual([900, 860, 700]);
    expect(new Date(otpSms.fetched_at).getTime()).toBe(Date.parse(otpSms.history.at(-1).at));
    expect(transactional).toMatchObject({ account: 'transactional_sms', balance: 37 });

    await request(app!.app).put('/api/sms/config').set('Cookie', cookie).send({ mode: 'template' }).expect(200);
    expect((await request(app!.app).get('/api/sms/balance').set('Cookie', cookie).expect(200)).body.in_use).toBe(
      'transactional_sms',
    );
  });

  it('answers empty balances before the first poll, and only to admins', async () => {
    const [app] = instances(1);
    const { cookie } = await signedIn(app!);
    const res = await request(app!.app).get('/api/sms/balance').set('Cookie', cookie).expect(200);
    expect(res.body.accounts).toEqual([
      { account: 'otp_sms', balance: null, fetched_at: null, history: [] },
      { account: 'transactional_sms', balance: null, fetched_at: null, history: [] },
    ]);
    await request(app!.app)
      .get('/api/sms/balance')
      .set('Cookie', (await signedIn(app!, 'agent')).cookie)
      .expect(403);
    await request(app!.app).get('/api/sms/balance').expect(401);
  });

  it('stores nothing when 2Factor fails, and tries again at the next interval', async () => {
    const [app] = instances(1);
    sim().setFaults({ mode: 'http500' });
    expect(await app!.smsBalance.pollIfDue()).toEqual([]);
    expect(await sampleCount()).toBe(0);
    expect(app!.log.text()).toContain('SMS balance could not be read');

    sim().setFaults({ mode: 'none' });
    app!.clock.advance(BALANCE_POLL_INTERVAL_MS);
    expect(await app!.smsBalance.pollIfDue()).toHaveLength(2);
  });

  it('polls nothing and claims nothing while no provider is configured', async () => {
    const [app] = instances(1, { TWO_FACTOR_API_KEY: '' });
    expect(await app!.smsBalance.pollIfDue()).toBeUndefined();
    const { rows } = await testDb().db.query('select * from public.scheduled_job_runs');
    expect(rows).toEqual([]);
  });

  it('drops samples older than 90 days', async () => {
    const [app] = instances(1);
    const old = new Date(app!.clock.now() - 91 * 24 * HOUR_MS);
    await createSmsBalanceRepository(testDb().db).record([{ account: 'otp_sms', balance: 1, fetchedAt: old }]);
    await app!.smsBalance.pollIfDue();
    const { rows } = await testDb().db.query<{ fetched_at: Date }>('select fetched_at from public.sms_balance_samples');
    expect(rows).toHaveLength(2);
    expect(rows.every((row) => new Date(row.fetched_at).getTime() > old.getTime())).toBe(true);
  });
});
