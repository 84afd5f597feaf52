/**
 * Session rules under concurrent requests: attempts are booked atomically in the database, a session
 * verifies once, and one phone gets one SMS however many sends arrive together.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { dbKindsUnderTest } from '../support/testDatabases.js';
import { useTestDatabase } from '../support/testApp.js';
import {
  addUser,
  buildSmsApp,
  codeSentTo,
  newPhone,
  sessionCookieOf,
  useSimulator,
  wrongCode,
} from '../support/smsKit.js';

const RAISED = { SMS_VERIFY_LIMIT_PER_MIN: '1000', SMS_RATE_LIMIT_PER_MIN: '1000' };

describe.each(dbKindsUnderTest())('SMS sessions under concurrency on %s', (kind) => {
  const testDb = useTestDatabase(kind);
  const sim = useSimulator();

  it('never checks more codes than SMS_MAX_VERIFY_ATTEMPTS when wrong codes arrive together', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: { ...RAISED, SMS_MAX_VERIFY_ATTEMPTS: '3' } });
    const phone = newPhone();
    await addUser(app, 'staff', phone);
    const sent = await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(200);
    const code = codeSentTo(sim(), phone);
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        request(app.app)
          .post('/api/sms/verifyOtp')
          .send({ session_id: sent.body.session_id, otp: wrongCode(code) }),
      ),
    );
    const statuses = answers.map((res) => res.body.status as string).sort();
    expect(statuses.filter((s) => s === 'otp_mismatch')).toHaveLength(3);
    expect(statuses.filter((s) => s === 'too_many_attempts')).toHaveLength(9);
    expect(answers.every((res) => res.body.verified === false)).toBe(true);
    expect(sim().stats().byKind.verify).toBe(3);
    await request(app.app).post('/api/sms/verifyOtp').send({ session_id: sent.body.session_id, otp: code }).expect(429);
  });

  it.each(['autogen', 'template'])(
    'logs in once when the right code arrives several times at once (%s mode)',
    async (mode) => {
      const app = buildSmsApp(testDb().db, sim(), { env: { ...RAISED, SMS_MODE: mode } });
      const phone = newPhone();
      const owner = await addUser(app, 'agent', phone);
      const sent = await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(200);
      const code = codeSentTo(sim(), phone);
      const answers = await Promise.all(
        Array.from({ length: 5 }, () =>
          request(app.app).post('/api/sms/verifyOtp').send({ session_id: sent.body.session_id, otp: code }),
        ),
      );
      const winners = answers.filter((res) => res.status === 200);
      expect(winners).toHaveLength(1);
      expect(winners[0]!.body.user.id).toBe(owner.id);
      expect(answers.filter((res) => sessionCookieOf(res) !== undefined)).toHaveLength(1);
      for (const loser of answers.filter((res) => res.status !== 200)) {
        expect(loser.status).toBeGreaterThanOrEqual(400);
        expect(loser.status).toBeLessThan(500);
        expect(loser.body.verified).toBe(false);
      }
      const { rows } = await testDb().db.query<{ count: number }>(
        'select count(*)::int as count from public.user_sessions where user_id = $1',
        [owner.id],
      );
      expect(rows[0]!.count).toBe(1);
    },
  );

  it('texts a phone once when many sends to it arrive together', async () => {
    const app = buildSmsApp(testDb().db, sim(), { env: RAISED });
    const phone = newPhone();
    await addUser(app, 'staff', phone);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => request(app.app).post('/api/sms/sendOtp').send({ phone })),
    );
    expect(answers.filter((res) => res.status === 200)).toHaveLength(1);
    expect(answers.filter((res) => res.status === 429)).toHaveLength(7);
    expect(sim().outbox({ phone })).toHaveLength(1);
  });
});
