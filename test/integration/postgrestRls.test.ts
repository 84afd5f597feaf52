/**
 * Row-level security proven through a real Data API: PostgREST (what Supabase serves at /rest/v1) over a
 * PostgreSQL database built from our migrations, with JWTs signed as Supabase Auth signs them (HS256, `role`,
 * `sub`). After real sends through the app and a signed Send SMS Hook call for a Supabase Auth user, user A's token
 * reads only A's otp_logs rows and delivery reports over HTTP, `anon` reads nothing, and no token can insert,
 * update or delete a row or read the other tables.
 *
 * PostgreSQL only (PostgREST cannot serve PGlite); under CI=true a missing TEST_DATABASE_URL or PostgREST
 * binary fails the run.
 */
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import request from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PublicUser } from '../../common/api/auth.js';
import {
  ensureAuthenticatorRole,
  postgrestAvailable,
  startPostgrest,
  type PostgrestServer,
} from '../support/postgrest.js';
import { CALLBACK_TOKEN, deliveryEvents, postReport, smsOtpReport } from '../support/deliveryKit.js';
import { allLogRows, buildSmsApp, loggedInByPhone, newPhone, signedIn, useSimulator } from '../support/smsKit.js';
import { useTestDatabase } from '../support/testApp.js';
import { dbKindsUnderTest } from '../support/testDatabases.js';

const runs = dbKindsUnderTest().includes('postgres') && postgrestAvailable();

/** The Send SMS Hook secret as Supabase shows it (`v1,whsec_<base64>`); Standard Webhooks signs with the rest. */
const HOOK_SECRET = `v1,whsec_${Buffer.from('postgrest-rls-send-sms-hook-secret').toString('base64')}`;

/** A Send SMS Hook call signed as Supabase Auth signs it, for `userId` (a Supabase Auth user). */
function supabaseHookCall(userId: string, phone: string, otp: string) {
  const body = JSON.stringify({
    metadata: { uuid: randomUUID(), time: new Date().toISOString(), name: 'send-sms', ip_address: '203.0.113.7' },
    user: {
      id: userId,
      aud: 'authenticated',
      role: 'authenticated',
      phone: phone.slice(1),
      app_metadata: { provider: 'phone' },
      user_metadata: {},
    },
    sms: { otp },
  });
  const messageId = `msg_${randomUUID()}`;
  const at = new Date();
  const headers = {
    'Content-Type': 'application/json',
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(HOOK_SECRET.slice('v1,'.length)).sign(messageId, at, body),
  };
  return { body, headers };
}

describe.runIf(runs)('otp_logs row-level security through PostgREST', () => {
  const testDb = useTestDatabase('postgres');
  const sim = useSimulator();
  let api: PostgrestServer;
  let people: { admin: PublicUser; staff: PublicUser; agent: PublicUser; supabaseUser: { id: string } };

  beforeAll(async () => {
    await ensureAuthenticatorRole(testDb().db);
    api = await startPostgrest(testDb().url!);
  });
  afterAll(async () => {
    await api?.stop();
  });

  /**
   * A staff and an agent who each log in by phone, an admin who sends a test code, and a Supabase Auth user
   * (in auth.users on a real project, never in public.users) whose code Supabase posted to the Send SMS Hook.
   * 2Factor reports the staff's and the agent's codes delivered.
   */
  beforeEach(async () => {
    const app = buildSmsApp(testDb().db, sim(), {
      env: { SUPABASE_SMS_HOOK_SECRETS: HOOK_SECRET, TWO_FACTOR_CALLBACK_TOKEN: CALLBACK_TOKEN },
    });
    const admin = await signedIn(app);
    const loggedIn: PublicUser[] = [];
    for (const role of ['staff', 'agent'] as const) {
      const user = await loggedInByPhone(app, sim(), role);
      loggedIn.push(user);
      const code = sim().outbox().at(-1)!; // the code that logged them in
      await postReport(app, smsOtpReport(code.providerSessionId, code.phone, 'DELIVERED')).expect(200);
    }
    await request(app.app)
      .post('/api/sms/sendOtp')
      .set('Cookie', admin.cookie)
      .send({ phone: newPhone(), purpose: 'test' })
      .expect(200);
    const supabaseUser = { id: randomUUID() };
    const hookCall = supabaseHookCall(supabaseUser.id, newPhone(), '482913');
    await request(app.app)
      .post('/api/hooks/supabase/send-sms')
      .set(hookCall.headers)
      .send(hookCall.body)
      .expect(200, {});
    const [staff, agent] = loggedIn as [PublicUser, PublicUser];
    people = { admin: admin.user, staff, agent, supabaseUser };
  });

  const bearer = (token: string | undefined): Record<string, string> =>
    token ? { Authorization: `Bearer ${token}` } : {};
  const asUser = (user: { id: string }) => api.tokenFor({ role: 'authenticated', sub: user.id });
  const asAnon = () => api.tokenFor({ role: 'anon' });

  async function get(path: string, token: string | undefined) {
    const res = await fetch(`${api.url}${path}`, { headers: bearer(token) });
    return { status: res.status, body: (await res.json()) as unknown };
  }

  async function send(method: 'POST' | 'PATCH' | 'DELETE', path: string, token: string | undefined, body?: unknown) {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: { ...bearer(token), 'Content-Type': 'application/json', Prefer: 'return=representation' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as unknown };
  }

  it('gives an authenticated user exactly the rows whose user_id is their sub', async () => {
    const { admin, staff, agent } = people;
    expect(await allLogRows(testDb().db)).toHaveLength(6);
    const ownRows = async (user: { id: string }) =>
      get('/otp_logs?select=user_id,type,status,origin&order=id', asUser(user));
    expect(await ownRows(staff)).toEqual({
      status: 200,
      body: [
        { user_id: staff.id, type: 'autogen', status: 'sent', origin: 'login' },
        { user_id: staff.id, type: 'verify', status: 'verified', origin: 'login' },
      ],
    });
    expect(await ownRows(agent)).toEqual({
      status: 200,
      body: [
        { user_id: agent.id, type: 'autogen', status: 'sent', origin: 'login' },
        { user_id: agent.id, type: 'verify', status: 'verified', origin: 'login' },
      ],
    });
    expect(await ownRows(admin)).toEqual({
      status: 200,
      body: [{ user_id: admin.id, type: 'autogen', status: 'sent', origin: 'test' }],
    });
  });

  it('gives a Supabase Auth user who is not in public.users their hook rows, and only those', async () => {
    const { supabaseUser, staff } = people;
    const { rows } = await testDb().db.query<{ count: number }>(
      'select count(*)::int as count from public.users where id = $1',
      [supabaseUser.id],
    );
    expect(rows[0]!.count).toBe(0);
    expect(await get('/otp_logs?select=user_id,type,status,origin', asUser(supabaseUser))).toEqual({
      status: 200,
      body: [{ user_id: supabaseUser.id, type: 'autogen', status: 'sent', origin: 'supabase_hook' }],
    });
    expect(await get('/otp_logs?origin=eq.supabase_hook', asUser(staff))).toEqual({ status: 200, body: [] });
  });

  it("returns nothing for a filter on someone else's rows, and nothing to a sub that owns no rows", async () => {
    const { staff, agent } = people;
    expect(await get(`/otp_logs?user_id=eq.${agent.id}`, asUser(staff))).toEqual({ status: 200, body: [] });
    expect(
      await get('/otp_logs', api.tokenFor({ role: 'authenticated', sub: '00000000-0000-4000-8000-000000000000' })),
    ).toEqual({ status: 200, body: [] });
    expect(await get('/otp_logs', api.tokenFor({ role: 'authenticated' }))).toEqual({ status: 200, body: [] });
  });

  it('refuses anon, with or without a token, and a token signed with another secret', async () => {
    for (const token of [undefined, asAnon()]) {
      expect(await get('/otp_logs', token)).toMatchObject({ status: 401, body: { code: '42501' } });
    }
    const forged = api.tokenFor(
      { role: 'authenticated', sub: people.staff.id },
      'not-the-project-jwt-secret-0123456789abcdef',
    );
    expect(await get('/otp_logs', forged)).toMatchObject({ status: 401, body: { code: 'PGRST301' } });
  });

  it('lets nobody insert, update or delete a log row, not even their own, and leaves the table as it was', async () => {
    const { staff } = people;
    const before = await allLogRows(testDb().db);
    const forged = {
      user_id: staff.id,
      phone: '+919876543210',
      type: 'verify',
      status: 'verified',
      response_time_ms: 1,
    };
    for (const [token, status] of [
      [asUser(staff), 403],
      [asAnon(), 401],
      [undefined, 401],
    ] as const) {
      expect(await send('POST', '/otp_logs', token, forged)).toMatchObject({ status, body: { code: '42501' } });
      expect(
        await send('PATCH', `/otp_logs?user_id=eq.${staff.id}`, token, { status: 'provider_error' }),
      ).toMatchObject({ status, body: { code: '42501' } });
      expect(await send('DELETE', `/otp_logs?user_id=eq.${staff.id}`, token)).toMatchObject({
        status,
        body: { code: '42501' },
      });
    }
    expect(await allLogRows(testDb().db)).toEqual(before);
  });

  it('gives a signed-in user the delivery reports about them only, and anon none; nobody writes one', async () => {
    const { staff, agent } = people;
    expect(await deliveryEvents(testDb().db)).toHaveLength(2);
    for (const user of [staff, agent]) {
      expect(await get('/sms_delivery_events?select=user_id,outcome', asUser(user))).toEqual({
        status: 200,
        body: [{ user_id: user.id, outcome: 'delivered' }],
      });
    }
    expect(await get(`/sms_delivery_events?user_id=eq.${staff.id}`, asUser(agent))).toEqual({ status: 200, body: [] });
    expect(await get('/sms_delivery_events', undefined)).toMatchObject({ status: 401, body: { code: '42501' } });
    expect(await get('/sms_delivery_events', asAnon())).toMatchObject({ status: 401, body: { code: '42501' } });
    const forged = { form: 'SMS_OTP', channel: 'sms', outcome: 'delivered', user_id: staff.id, details: {} };
    expect(await send('POST', '/sms_delivery_events', asUser(staff), forged)).toMatchObject({
      status: 403,
      body: { code: '42501' },
    });
    expect(await send('DELETE', `/sms_delivery_events?user_id=eq.${staff.id}`, asUser(staff))).toMatchObject({
      status: 403,
      body: { code: '42501' },
    });
    expect(await deliveryEvents(testDb().db)).toHaveLength(2);
  });

  it('exposes neither the OTP sessions, the SMS settings, the delivery states nor the users to anon or to a signed-in user', async () => {
    for (const table of ['otp_sessions', 'sms_settings', 'sms_deliveries', 'users', 'user_sessions']) {
      expect(await get(`/${table}`, undefined)).toMatchObject({ status: 401, body: { code: '42501' } });
      expect(await get(`/${table}`, asUser(people.staff))).toMatchObject({ status: 403, body: { code: '42501' } });
    }
  });
});
