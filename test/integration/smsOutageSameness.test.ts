/**
 * While 2Factor fails, a login send to a number nobody owns answers exactly as one to a registered number does:
 * same status, body and headers, and its limits are kept or given back the same way. Through the whole app, with
 * the simulator's faults: 5xx, an HTML page, a timeout, an invalid key (a refusal), and the circuit open.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { FaultMode } from '../../server/providers/twoFactor/simulator.js';
import { useTestDatabase, type TestApp } from '../support/testApp.js';
import { dbKindsUnderTest } from '../support/testDatabases.js';
import { addUser, buildSmsApp, newPhone, useSimulator } from '../support/smsKit.js';

const ENV = { SMS_RATE_LIMIT_PER_MIN: '1000', PROVIDER_TIMEOUT_MS: '300' };

/** What a client can compare between two answers (the time apart). */
function comparable(res: request.Response) {
  const headers = { ...res.headers } as Record<string, string>;
  for (const varying of ['date', 'content-length', 'etag', 'ratelimit']) delete headers[varying];
  return {
    status: res.status,
    body: { ...res.body, message: res.body.message?.replace(/\+91\*{6}\d{4}/, '<phone>') },
    headers,
  };
}

describe.each(dbKindsUnderTest())('outage sameness on %s', (kind) => {
  const testDb = useTestDatabase(kind);
  const sim = useSimulator();

  async function registered(app: TestApp) {
    const phone = newPhone();
    await addUser(app, 'staff', phone);
    return phone;
  }
  const send = (app: TestApp, phone: string) =>
    request(app.app).post('/api/sms/sendOtp').send({ phone, purpose: 'login' });

  it.each<[string, FaultMode]>([
    ['answers 500', 'http500'],
    ['answers an HTML page', 'html'],
    ['does not answer in time', 'hang'],
    ['refuses the key', 'invalidKey'],
  ])('answers a number nobody owns like a registered one while 2Factor %s', async (_case, mode) => {
    const app = buildSmsApp(testDb().db, sim(), {
      env: ENV,
      breaker: { failuresToOpen: 1000, halfOpenAfterMs: 60_000 },
    });
    sim().setFaults({ mode });
    const owned = await registered(app);
    const real = await send(app, owned);
    expect(real.status).toBeGreaterThanOrEqual(500);
    const stranger = newPhone();
    const pretend = await send(app, stranger);
    expect(comparable(pretend)).toEqual(comparable(real));

    // The limits move alike: a second try is held by the cooldown after a failure that may have sent an SMS, and
    // goes through again after a refusal that sent nothing.
    const realAgain = await send(app, owned);
    const pretendAgain = await send(app, stranger);
    expect(pretendAgain.status).toBe(realAgain.status);
    expect(sim().outbox({ phone: stranger })).toEqual([]);
  });

  it('answers a number nobody owns like a registered one while the circuit is open', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: ENV, breaker: { failuresToOpen: 1, halfOpenAfterMs: 60_000 } });
    sim().setFaults({ mode: 'http500' });
    await send(app, await registered(app)).expect(503);
    sim().setFaults({ mode: 'none' });
    const real = await send(app, await registered(app)).expect(503);
    const pretend = await send(app, newPhone()).expect(503);
    expect(comparable(pretend)).toEqual(comparable(real));
    expect(sim().stats().totalRequests).toBe(1);
  });

  it('answers both alike again once 2Factor recovers', async () => {
    const app = buildSmsApp(testDb().db, sim(), {
      env: ENV,
      breaker: { failuresToOpen: 1000, halfOpenAfterMs: 60_000 },
    });
    sim().setFaults({ mode: 'http500' });
    await send(app, await registered(app)).expect(503);
    sim().setFaults({ mode: 'none' });
    for (let i = 0; i < 70; i++) await send(app, await registered(app)).expect(200);
    // The mirror holds the newest 64 outcomes: all successes now.
    for (let i = 0; i < 10; i++) await send(app, newPhone()).expect(200);
  });
});
