/**
 * GET /api/sms/funnel from a known set of sends, reports and checks: every figure (stages, failure reasons and
 * their shares, delivery time p50/p95, hours of the day in IST, unmatched reports, voice calls) for 24 hours and
 * 7 days, on PGlite and, with TEST_DATABASE_URL, PostgreSQL. Sends are log rows as the OTP service writes them;
 * reports go through the callback route at their own times.
 */
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { DeliveryFunnelResponse } from '../../common/api/delivery.js';
import type { OtpLogEntry } from '../../server/db/otpLogsRepository.js';
import { CALLBACK_TOKEN, postReport, smsOtpReport } from '../support/deliveryKit.js';
import { buildSmsApp, signedIn, useSimulator } from '../support/smsKit.js';
import { createFakeClock, useTestDatabase, type TestApp } from '../support/testApp.js';
import { dbKindsUnderTest } from '../support/testDatabases.js';

/** 2026-11-24 12:00 UTC = 17:30 IST. */
const NOW = Date.parse('2026-11-24T12:00:00Z');
const HOUR_MS = 3_600_000;
const PHONE = '+919876543210';

type Report = { outcome: 'DELIVERED' | 'FAILED' | 'REJECTED' | 'UNDELIVERABLE' | 'VOICE'; afterMs: number };

interface Send {
  name: string;
  sentAtMs: number;
  type?: 'autogen' | 'template';
  /** A Template API SMS: no session of ours, 2Factor's id in session_id too. */
  plainTemplateSms?: boolean;
  report?: Report;
  verifiedAfterMs?: number;
}

/**
 * IST hours: NOW − 1 h = 16:30, − 2 h = 15:30, − 3 h = 14:30, − 5 h = 12:30, − 30 h = 11:30 the day before.
 */
const SENDS: Send[] = [
  {
    name: 'S1',
    sentAtMs: NOW - 1 * HOUR_MS,
    report: { outcome: 'DELIVERED', afterMs: 2_000 },
    verifiedAfterMs: 30_000,
  },
  { name: 'S2', sentAtMs: NOW - 1 * HOUR_MS, report: { outcome: 'DELIVERED', afterMs: 4_000 } },
  { name: 'S3', sentAtMs: NOW - 2 * HOUR_MS, type: 'template', report: { outcome: 'UNDELIVERABLE', afterMs: 6_000 } },
  { name: 'S4', sentAtMs: NOW - 2 * HOUR_MS, report: { outcome: 'REJECTED', afterMs: 3_000 } },
  { name: 'S5', sentAtMs: NOW - 3 * HOUR_MS, report: { outcome: 'FAILED', afterMs: 5_000 } },
  { name: 'S6', sentAtMs: NOW - 3 * HOUR_MS, verifiedAfterMs: 20_000 },
  { name: 'S7', sentAtMs: NOW - 5 * HOUR_MS, report: { outcome: 'VOICE', afterMs: 10_000 }, verifiedAfterMs: 40_000 },
  { name: 'S8', sentAtMs: NOW - 30 * HOUR_MS, report: { outcome: 'DELIVERED', afterMs: 1_000 } },
  {
    name: 'T1',
    sentAtMs: NOW - 1 * HOUR_MS,
    type: 'template',
    plainTemplateSms: true,
    report: { outcome: 'DELIVERED', afterMs: 1_500 },
  },
  {
    name: 'S9',
    sentAtMs: NOW - 8 * 24 * HOUR_MS,
    report: { outcome: 'DELIVERED', afterMs: 1_000 },
    verifiedAfterMs: 10_000,
  },
];

function logRow(fields: Partial<OtpLogEntry> & Pick<OtpLogEntry, 'type' | 'status' | 'createdAt'>): OtpLogEntry {
  return {
    callId: randomUUID(),
    origin: 'login',
    userId: null,
    phone: PHONE,
    sessionId: null,
    providerSessionId: null,
    responseTimeMs: 200,
    details: null,
    ...fields,
  };
}

describe.each(dbKindsUnderTest())('delivery funnel on %s', (kind) => {
  const testDb = useTestDatabase(kind);
  const sim = useSimulator();

  /** The known sends, with their reports posted at their own times and their codes checked; the clock ends at NOW. */
  async function knownHistory(): Promise<{ app: TestApp; cookie: string }> {
    const clock = createFakeClock(NOW);
    const setTime = (ms: number) => clock.advance(ms - clock.now());
    const app = buildSmsApp(testDb().db, sim(), { clock, env: { TWO_FACTOR_CALLBACK_TOKEN: CALLBACK_TOKEN } });
    const { cookie } = await signedIn(app);

    const rows: OtpLogEntry[] = [];
    const reports: Array<{ atMs: number; fields: Record<string, string> }> = [];
    for (const send of SENDS) {
      const providerSessionId = randomUUID();
      const sessionId = send.plainTemplateSms ? providerSessionId : randomUUID();
      const type = send.type ?? 'autogen';
      rows.push(logRow({ type, status: 'sent', sessionId, providerSessionId, createdAt: new Date(send.sentAtMs) }));
      if (send.verifiedAfterMs !== undefined) {
        const checkedAt = new Date(send.sentAtMs + send.verifiedAfterMs);
        rows.push(
          logRow({ type: 'verify', status: 'otp_mismatch', sessionId, providerSessionId, createdAt: checkedAt }),
        );
        rows.push(logRow({ type: 'verify', status: 'verified', sessionId, providerSessionId, createdAt: checkedAt }));
      }
      if (send.report)
        reports.push({
          atMs: send.sentAtMs + send.report.afterMs,
          fields: reportFields(send.report, providerSessionId, type),
        });
    }
    // Not sends 2Factor accepted: a refused send, and a wrong code on its own.
    rows.push(
      logRow({
        type: 'autogen',
        status: 'provider_error',
        sessionId: randomUUID(),
        createdAt: new Date(NOW - HOUR_MS),
      }),
    );
    await app.otpLogs.insertMany(rows);

    // A report about a session this app never sent, 10 minutes ago; and one 8 days ago (out of every window).
    reports.push({ atMs: NOW - 10 * 60_000, fields: smsOtpReport(randomUUID(), PHONE, 'DELIVERED') });
    reports.push({ atMs: NOW - 8 * 24 * HOUR_MS, fields: smsOtpReport(randomUUID(), PHONE, 'DELIVERED') });
    for (const report of reports.sort((a, b) => a.atMs - b.atMs)) {
      setTime(report.atMs);
      await postReport(app, report.fields).expect(200);
    }
    setTime(NOW);
    return { app, cookie };
  }

  async function funnel(app: TestApp, cookie: string, period: string): Promise<DeliveryFunnelResponse> {
    return (await request(app.app).get(`/api/sms/funnel?period=${period}`).set('Cookie', cookie).expect(200))
      .body as DeliveryFunnelResponse;
  }

  const hours = (figures: Record<number, [accepted: number, delivered: number, failed: number, verified: number]>) =>
    Array.from({ length: 24 }, (_, hour) => {
      const [accepted, delivered, failed, verified] = figures[hour] ?? [0, 0, 0, 0];
      return { hour, accepted, delivered, failed, verified };
    });

  it('counts the last 24 hours: stages, reasons and shares, p50/p95, hours of the day, strangers and voice calls', async () => {
    const { app, cookie } = await knownHistory();
    expect(await funnel(app, cookie, '24h')).toEqual({
      period: '24h',
      from: '2026-11-23T12:00:00.000Z',
      to: '2026-11-24T12:00:00.000Z',
      reports_enabled: true,
      accepted: 7,
      delivered: 3,
      failed: 3,
      awaiting_report: 1,
      verified: 3,
      delivered_as_voice: 1,
      failure_reasons: [
        { reason: 'EC_ABSENT_SUBSCRIBER', count: 1, share: 0.3333 },
        { reason: 'FAILED', count: 1, share: 0.3333 },
        { reason: 'REJECTED', count: 1, share: 0.3333 },
      ],
      // Delivered after 2 000, 4 000 and 10 000 ms: median 4 000; p95 interpolated 4 000 + 0.9 × 6 000.
      delivery_time_ms: { p50: 4_000, p95: 9_400 },
      by_hour: hours({ 16: [2, 2, 0, 1], 15: [2, 0, 2, 0], 14: [2, 0, 1, 1], 12: [1, 1, 0, 1] }),
      unmatched_reports: 1,
      voice_instead_of_sms: { last_7_days: 1, last_at: new Date(NOW - 5 * HOUR_MS + 10_000).toISOString() },
    });
  });

  it('counts the last 7 days: the send of yesterday joins, the one of 8 days ago does not', async () => {
    const { app, cookie } = await knownHistory();
    const week = await funnel(app, cookie, '7d');
    expect(week).toMatchObject({
      from: '2026-11-17T12:00:00.000Z',
      accepted: 8,
      delivered: 4,
      failed: 3,
      awaiting_report: 1,
      verified: 3,
      // 1 000, 2 000, 4 000, 10 000 ms: median 3 000; p95 4 000 + 0.85 × 6 000.
      delivery_time_ms: { p50: 3_000, p95: 9_100 },
      unmatched_reports: 1,
    });
    expect(week.by_hour[11]).toEqual({ hour: 11, accepted: 1, delivered: 1, failed: 0, verified: 0 });
  });

  it('is empty but whole with no sends: 24 hours of zeros and no percentiles', async () => {
    const app = buildSmsApp(testDb().db, sim(), { clock: createFakeClock(NOW) });
    const { cookie } = await signedIn(app);
    expect(await funnel(app, cookie, '24h')).toMatchObject({
      reports_enabled: false,
      accepted: 0,
      delivered: 0,
      failed: 0,
      awaiting_report: 0,
      verified: 0,
      failure_reasons: [],
      delivery_time_ms: { p50: null, p95: null },
      by_hour: hours({}),
      voice_instead_of_sms: { last_7_days: 0, last_at: null },
    });
  });

  it('takes only 24h or 7d, and 24h by default', async () => {
    const app = buildSmsApp(testDb().db, sim(), { clock: createFakeClock(NOW) });
    const { cookie } = await signedIn(app);
    expect((await request(app.app).get('/api/sms/funnel').set('Cookie', cookie).expect(200)).body.period).toBe('24h');
    for (const bad of ['30d', '', '24H', '7d&period=24h']) {
      const answer = await request(app.app).get(`/api/sms/funnel?period=${bad}`).set('Cookie', cookie);
      expect({ bad, status: answer.status, code: answer.body.status }).toEqual({
        bad,
        status: 400,
        code: 'invalid_request',
      });
    }
  });
});

/** The report 2Factor would post for this send: SMS OTP, voice OTP or, for template sends, the TSMS form. */
function reportFields(report: Report, providerSessionId: string, type: 'autogen' | 'template'): Record<string, string> {
  if (report.outcome === 'VOICE')
    return {
      mode: 'VOICE_OTP',
      SessionId: providerSessionId,
      To: PHONE.slice(3),
      Status: 'DELIVERED',
      callDetailStatus: 'DELIVERED',
    };
  if (type === 'template') {
    const failed = report.outcome !== 'DELIVERED';
    return {
      SessionId: providerSessionId,
      SmsTo: PHONE.slice(1),
      SmsStatus: failed ? 'UNDELIVERABLE' : 'DELIVERED',
      ErrorName: failed ? 'EC_ABSENT_SUBSCRIBER' : 'NO_ERROR',
    };
  }
  return smsOtpReport(providerSessionId, PHONE, report.outcome);
}
