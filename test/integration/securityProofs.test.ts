/**
 * Security proofs the other suites do not make on their own:
 * - brute force: the wrong-code cap per session and the per-IP verify limit hold together — rotating sessions
 *   runs into the IP limit, rotating addresses runs into the cap, a parallel burst cannot outrun the cap, and
 *   a dead session stays dead for everyone, even with the right code;
 * - secrets: a full flow with a saved key leaks neither the saved nor the environment's key.
 * In the slow tier: enumeration by time (enumerationTiming.slow.test.ts) and the client bundle scan
 * (clientBundleSecrets.slow.test.ts).
 * (Codes and keys in rows, answers and the log on every error path: test/integration/smsLogRows.test.ts.)
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { buildTestApp, useTestDatabase, type TestApp } from '../support/testApp.js';
import { dbKindsUnderTest } from '../support/testDatabases.js';
import {
  addUser,
  cookieFor,
  listen,
  NO_ABUSE_LIMITS,
  SECURITY_API_KEY,
  simulatorEnv,
  testPhone,
  useRecordingSimulator,
} from '../support/securityKit.js';

describe.each(dbKindsUnderTest())('brute force on %s', (kind) => {
  const testDb = useTestDatabase(kind);
  const recorder = useRecordingSimulator();
  const verifyCalls = () => recorder.requests.filter((r) => r.url.includes('/SMS/VERIFY/')).length;

  /** Default caps (5 wrong codes per session, 20 verifies per IP per minute); sends unlimited; client IPs from X-Forwarded-For. */
  function bruteForceApp(): TestApp {
    return buildTestApp(testDb().db, {
      env: simulatorEnv(recorder.simulator(), {
        TRUST_PROXY: 'true',
        SMS_RATE_LIMIT_PER_MIN: '100000',
        SMS_MAX_SENDS_PER_HOUR: '100000',
      }),
    });
  }

  async function victims(app: TestApp, count: number) {
    const list: Array<{ phone: string; sessionId: string; code: string }> = [];
    for (let i = 1; i <= count; i++) {
      const phone = testPhone(i);
      await addUser(app, 'staff', phone);
      const sent = await request(app.app)
        .post('/api/sms/sendOtp')
        .set('X-Forwarded-For', '198.51.100.1')
        .send({ phone })
        .expect(200);
      list.push({ phone, sessionId: sent.body.session_id, code: recorder.simulator().lastCodeFor(phone)! });
    }
    return list;
  }
  const wrong = (code: string) => (code === '000000' ? '111111' : '000000');
  const guess = (app: TestApp, ip: string, sessionId: string, otp: string) =>
    request(app.app).post('/api/sms/verifyOtp').set('X-Forwarded-For', ip).send({ session_id: sessionId, otp });

  it('rotating sessions: one address gets 20 guesses a minute in all, each session at most 5, then 429 rate_limited without a 2Factor call', async () => {
    const app = bruteForceApp();
    const targets = await victims(app, 5);
    const attacker = '203.0.113.66';

    // Four sessions × five wrong codes: every guess is checked, each session dies at its cap.
    for (const target of targets.slice(0, 4)) {
      for (let left = 4; left >= 0; left--) {
        const res = await guess(app, attacker, target.sessionId, wrong(target.code)).expect(400);
        expect(res.body).toMatchObject({ status: 'otp_mismatch', attempts_left: left, verified: false });
      }
    }
    expect(verifyCalls()).toBe(20);
    // The 21st guess, on a fresh session, is refused by the per-IP limit before any check.
    const limited = await guess(app, attacker, targets[4]!.sessionId, targets[4]!.code).expect(429);
    expect(limited.body).toMatchObject({ status: 'rate_limited', verified: false });
    expect(verifyCalls()).toBe(20);
    expect(limited.headers['set-cookie']).toBeUndefined();

    // The real owner of the untouched session, on another address, is not locked out by the attacker's limit.
    const owner = await guess(app, '192.0.2.10', targets[4]!.sessionId, targets[4]!.code).expect(200);
    expect(owner.body).toMatchObject({ verified: true });

    // A dead session stays dead: after the IP window, from any address, even with the right code, without a check.
    app.clock.advance(61_000);
    for (const ip of [attacker, '192.0.2.99']) {
      for (const target of targets.slice(0, 4)) {
        const res = await guess(app, ip, target.sessionId, target.code).expect(429);
        expect(res.body).toMatchObject({ status: 'too_many_attempts', attempts_left: 0, verified: false });
        expect(res.headers['set-cookie']).toBeUndefined();
      }
    }
    expect(verifyCalls()).toBe(21);
  });

  it('rotating addresses: the wrong-code cap still kills the session after 5 guesses, whoever sends them', async () => {
    const app = bruteForceApp();
    const [target] = await victims(app, 1);
    for (let i = 0; i < 5; i++)
      await guess(app, `198.18.0.${i + 1}`, target!.sessionId, wrong(target!.code)).expect(400);
    const res = await guess(app, '198.18.0.200', target!.sessionId, target!.code).expect(429);
    expect(res.body).toMatchObject({ status: 'too_many_attempts', verified: false });
    expect(verifyCalls()).toBe(5);
  });

  it('a parallel burst of 30 guesses from 30 addresses gets exactly 5 checks: attempts are booked atomically', async () => {
    const app = bruteForceApp();
    const [target] = await victims(app, 1);
    const server = await listen(app.app);
    try {
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          fetch(`${server.url}/api/sms/verifyOtp`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-forwarded-for': `198.19.1.${i + 1}` },
            body: JSON.stringify({ session_id: target!.sessionId, otp: String(100000 + i) }),
          }).then(async (res) => ({ status: res.status, body: (await res.json()) as { status: string } })),
        ),
      );
      const counts: Record<string, number> = {};
      for (const answer of answers) counts[answer.body.status] = (counts[answer.body.status] ?? 0) + 1;
      expect(counts).toEqual({ otp_mismatch: 5, too_many_attempts: 25 });
      expect(verifyCalls()).toBe(5);
      await guess(app, '198.19.2.1', target!.sessionId, target!.code).expect(429);
    } finally {
      await server.close();
    }
  });
});

describe('secrets', () => {
  const testDb = useTestDatabase('pglite');
  const recorder = useRecordingSimulator();
  const SAVED_KEY = 'saved-7e3a91c4-5d2b-4c8e-b1f0-2a9d6e4c8b13';
  it('keeps the env key and a key saved through the API out of every answer and log line of a full admin and login flow', async () => {
    const app = buildTestApp(testDb().db, {
      env: simulatorEnv(recorder.simulator(), { ...NO_ABUSE_LIMITS, PROVIDER_TIMEOUT_MS: '200' }),
    });
    const admin = await cookieFor(app, await addUser(app, 'admin'));
    const phone = testPhone(1);
    await addUser(app, 'agent', phone);
    const texts: string[] = [];
    const keep = (res: request.Response) => void texts.push(res.text, JSON.stringify(res.headers));

    keep(await request(app.app).get('/api/sms/config').set('Cookie', admin).expect(200));
    keep(await request(app.app).put('/api/sms/config').set('Cookie', admin).send({ api_key: SAVED_KEY }).expect(200));
    keep(
      await request(app.app)
        .post('/api/sms/config/test')
        .set('Cookie', admin)
        .set('Content-Type', 'application/json')
        .expect(200),
    );
    const sent = await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(200);
    keep(sent);
    keep(
      await request(app.app)
        .post('/api/sms/verifyOtp')
        .send({ session_id: sent.body.session_id, otp: recorder.simulator().lastCodeFor(phone) })
        .expect(200),
    );
    // The key in force is the saved one, and it is what 2Factor receives.
    expect(recorder.requests.at(-1)!.url).toContain(`/API/V1/${SAVED_KEY}/`);
    for (const mode of ['invalidKey', 'hang'] as const) {
      recorder.simulator().setFaults({ mode });
      keep(
        await request(app.app)
          .post('/api/sms/config/test')
          .set('Cookie', admin)
          .set('Content-Type', 'application/json'),
      );
      keep(
        await request(app.app)
          .post('/api/sms/sendOtp')
          .set('Cookie', admin)
          .send({ phone: testPhone(2), purpose: 'test' }),
      );
    }
    recorder.simulator().setFaults({ mode: 'none' });
    keep(await request(app.app).get('/api/sms/logs').set('Cookie', admin).expect(200));
    keep(await request(app.app).get('/api/sms/config').set('Cookie', admin).expect(200));

    const everything = [
      ...texts,
      app.log.text(),
      JSON.stringify((await testDb().db.query('select * from public.otp_logs')).rows),
    ].join('\n');
    expect(everything).toContain('provider_error'); // the error paths really ran
    expect(everything).toContain('timeout after 200 ms');
    expect(everything).not.toContain(SECURITY_API_KEY);
    expect(everything).not.toContain(SAVED_KEY);
  });
});
