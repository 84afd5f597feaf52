/**
 * Enumeration by time: login sends for registered and unregistered numbers are indistinguishable in status, body
 * shape and time, with the real wait against a 2Factor that takes ~100 ms (no instant holdAnswer), and wrong-code
 * checks are answered alike. Wall-clock medians: in the slow tier, which runs after the fast tier, one file at a time.
 * (The bench's timing scenario measures the same with 500 probes: `BENCH_ONLY=timing npm run bench`.)
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { buildTestApp, useTestDatabase } from '../support/testApp.js';
import { dbKindsUnderTest } from '../support/testDatabases.js';
import {
  addUser,
  listen,
  NO_ABUSE_LIMITS,
  simulatorEnv,
  testPhone,
  useRecordingSimulator,
} from '../support/securityKit.js';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

describe.each(dbKindsUnderTest())('enumeration on %s', (kind) => {
  const testDb = useTestDatabase(kind);
  const recorder = useRecordingSimulator({ latencyMs: 100 });

  it('answers login sends for registered and unregistered numbers alike: status, keys, message pattern, and time (real wait, ~100 ms 2Factor)', async () => {
    // No instant holdAnswer: the decoy really waits a recorded 2Factor time.
    const app = buildTestApp(testDb().db, { env: simulatorEnv(recorder.simulator(), NO_ABUSE_LIMITS) });
    const server = await listen(app.app);
    try {
      const registered = Array.from({ length: 13 }, (_, i) => testPhone(i + 1));
      for (const phone of registered) await addUser(app, 'agent', phone);
      const unregistered = Array.from({ length: 7 }, (_, i) => testPhone(500 + i));
      const send = async (phone: string) => {
        const startedAt = performance.now();
        const res = await fetch(`${server.url}/api/sms/sendOtp`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ phone }),
        });
        const body = (await res.json()) as Record<string, unknown>;
        return { status: res.status, body, ms: performance.now() - startedAt };
      };
      // Warm-up: the decoy wait is drawn from recorded 2Factor times (the first call, opening the connection, is slower).
      const warmUp: Awaited<ReturnType<typeof send>>[] = [];
      for (const phone of registered.slice(0, 6)) warmUp.push(await send(phone));
      expect(warmUp.every((answer) => answer.status === 200)).toBe(true);

      const real: Awaited<ReturnType<typeof send>>[] = [];
      const decoy: Awaited<ReturnType<typeof send>>[] = [];
      for (let i = 0; i < 7; i++) {
        real.push(await send(registered[6 + i]!));
        decoy.push(await send(unregistered[i]!));
      }

      const shape = (answer: (typeof real)[number]) => ({
        status: answer.status,
        keys: Object.keys(answer.body).sort(),
        message: String(answer.body.message).replace(/\d{4}\.$/, 'NNNN.'),
        expires_in_s: answer.body.expires_in_s,
        resend_after_s: answer.body.resend_after_s,
        session_id: typeof answer.body.session_id === 'string' && /^[0-9a-f-]{36}$/.test(answer.body.session_id),
      });
      for (const answer of [...real, ...decoy]) expect(shape(answer)).toEqual(shape(real[0]!));
      expect(shape(real[0]!).message).toBe('We sent a code to +91******NNNN.');

      const realMs = real.map((a) => a.ms);
      const decoyMs = decoy.map((a) => a.ms);
      // Both really took about one 2Factor call (~100 ms); the medians are close. Loose: the machine is shared.
      expect(median(decoyMs)).toBeGreaterThanOrEqual(90);
      expect(Math.abs(median(realMs) - median(decoyMs))).toBeLessThan(Math.max(100, median(realMs) * 0.75));
      // A decoy reports one of the 2Factor times recorded before it (warm-up included).
      const recorded = new Set([...warmUp, ...real].map((a) => Number(a.body.response_time_ms)));
      for (const answer of decoy) expect(recorded).toContain(Number(answer.body.response_time_ms));
      // Only the registered numbers were texted.
      expect(recorder.requests.filter((r) => r.url.includes('/AUTOGEN')).length).toBe(13);

      // A wrong code is answered alike too.
      const wrongReal = await request(app.app)
        .post('/api/sms/verifyOtp')
        .send({ session_id: real[0]!.body.session_id, otp: '000000' });
      const wrongDecoy = await request(app.app)
        .post('/api/sms/verifyOtp')
        .send({ session_id: decoy[0]!.body.session_id, otp: '000000' });
      expect([wrongDecoy.status, Object.keys(wrongDecoy.body).sort(), wrongDecoy.body.attempts_left]).toEqual([
        wrongReal.status,
        Object.keys(wrongReal.body).sort(),
        wrongReal.body.attempts_left,
      ]);
      console.warn(
        `[enumeration ${kind}] send medians: registered ${Math.round(median(realMs))} ms, unregistered ${Math.round(median(decoyMs))} ms`,
      );
    } finally {
      await server.close();
    }
  }, 60_000);
});
