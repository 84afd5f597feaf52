/**
 * Retention (server/db/retention.ts): expired OTP sessions, expired login sessions and otp_logs past
 * OTP_LOG_RETENTION_DAYS are deleted, in batches, by one instance at a time; and a log row written twice (a retry
 * after a commit nobody saw acknowledged) is stored once.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createDeliveryReportsRepository } from '../../server/db/deliveryReportsRepository.js';
import { createOtpLogsRepository, type OtpLogEntry } from '../../server/db/otpLogsRepository.js';
import { createOtpSessionsRepository } from '../../server/db/otpSessionsRepository.js';
import { createRetention, PURGE_LOCK_KEY } from '../../server/db/retention.js';
import { createUserSessionsRepository } from '../../server/db/userSessionsRepository.js';
import { createUsersRepository } from '../../server/db/usersRepository.js';
import { useTestDatabase } from '../support/testApp.js';
import { dbKindsUnderTest } from '../support/testDatabases.js';

const NOW = Date.parse('2026-11-30T12:00:00Z');
const DAY_MS = 86_400_000;

function logEntry(createdAtMs: number): OtpLogEntry {
  return {
    callId: randomUUID(),
    userId: null,
    phone: '+919876543210',
    sessionId: null,
    providerSessionId: null,
    type: 'autogen',
    origin: 'login',
    status: 'sent',
    responseTimeMs: 100,
    details: null,
    createdAt: new Date(createdAtMs),
  };
}

describe.each(dbKindsUnderTest())('retention on %s', (kind) => {
  const testDb = useTestDatabase(kind);

  async function count(table: string): Promise<number> {
    const { rows } = await testDb().db.query<{ n: number }>(`select count(*)::int as n from public.${table}`);
    return rows[0]!.n;
  }

  async function addOtpSession(expiresAtMs: number, userId: string | null = null) {
    await createOtpSessionsRepository(testDb().db).create({
      id: randomUUID(),
      purpose: 'login',
      phone: `+9190000${String(Math.floor(Math.random() * 100_000)).padStart(5, '0')}`,
      userId,
      mode: 'autogen',
      providerSessionId: null,
      codeHmac: null,
      maxAttempts: 5,
      expiresAt: new Date(expiresAtMs),
      createdAt: new Date(expiresAtMs - 300_000),
    });
  }

  it('deletes expired OTP sessions (those of numbers nobody owns included) and expired login sessions, and keeps live ones', async () => {
    const users = createUsersRepository(testDb().db);
    const user = await users.create({
      email: 'retention@example.com',
      passwordHash: 'x',
      role: 'staff',
      phone: '+919876543219',
    });
    for (let i = 0; i < 7; i++) await addOtpSession(NOW - 1_000 - i);
    await addOtpSession(NOW - 1_000, user.id);
    await addOtpSession(NOW + 60_000, user.id);
    await addOtpSession(NOW + 60_000);
    const loginSessions = createUserSessionsRepository(testDb().db);
    await loginSessions.create('expired-token-hash', user.id, new Date(NOW - 1));
    await loginSessions.create('live-token-hash', user.id, new Date(NOW + DAY_MS));

    const counts = await createRetention(testDb().db, {
      otpLogRetentionDays: 180,
      now: () => NOW,
      batchSize: 3,
    }).purge();
    expect(counts).toEqual({ otpSessions: 8, userSessions: 1, otpLogs: 0, deliveryEvents: 0, deliveries: 0 });
    expect(await count('otp_sessions')).toBe(2);
    expect(await count('user_sessions')).toBe(1);
  });

  it('deletes otp_logs rows older than OTP_LOG_RETENTION_DAYS, in batches, and keeps the rest', async () => {
    const logs = createOtpLogsRepository(testDb().db);
    await logs.insertMany([
      ...Array.from({ length: 5 }, (_, i) => logEntry(NOW - 31 * DAY_MS - i)),
      logEntry(NOW - 29 * DAY_MS),
      logEntry(NOW),
    ]);
    let statements = 0;
    const db = testDb().db;
    const counting = {
      ...db,
      transaction: <T>(work: Parameters<typeof db.transaction<T>>[0]) => (statements++, db.transaction(work)),
    };
    const counts = await createRetention(counting, { otpLogRetentionDays: 30, now: () => NOW, batchSize: 2 }).purge();
    expect(counts?.otpLogs).toBe(5);
    expect(await count('otp_logs')).toBe(2);
    // otp_sessions 1, user_sessions 1, otp_logs 3 full batches + 1 that found less than a batch, delivery events 1, deliveries 1.
    expect(statements).toBe(1 + 1 + 3 + 1 + 1);
  });

  it('deletes delivery reports and send delivery states older than OTP_LOG_RETENTION_DAYS with the log rows, and keeps the rest', async () => {
    const reports = createDeliveryReportsRepository(testDb().db);
    const report = (sessionId: string, receivedAtMs: number) =>
      reports.record({
        report: {
          providerSessionId: sessionId,
          phone: '+919876543210',
          form: 'sms_otp',
          channel: 'sms',
          outcome: 'delivered',
          providerStatus: 'DELIVERED',
          reason: null,
          fields: { SessionId: sessionId },
        },
        reportKey: `${sessionId}-${receivedAtMs}`,
        outcomeRank: 3,
        receivedAt: new Date(receivedAtMs),
      });
    await report('old-1', NOW - 31 * DAY_MS);
    await report('old-2', NOW - 40 * DAY_MS);
    await report('recent', NOW - 29 * DAY_MS);
    // A session reported long ago and again recently keeps its state; its old report goes.
    await report('both', NOW - 35 * DAY_MS);
    await report('both', NOW - DAY_MS);

    const counts = await createRetention(testDb().db, { otpLogRetentionDays: 30, now: () => NOW }).purge();
    expect(counts).toMatchObject({ deliveryEvents: 3, deliveries: 2 });
    expect(await count('sms_delivery_events')).toBe(2);
    const { rows } = await testDb().db.query<{ provider_session_id: string }>(
      'select provider_session_id from public.sms_deliveries order by 1',
    );
    expect(rows.map((row) => row.provider_session_id)).toEqual(['both', 'recent']);
  });

  it('stores a log row written twice once: a retry after an unacknowledged commit adds nothing', async () => {
    const logs = createOtpLogsRepository(testDb().db);
    const entry = logEntry(NOW);
    await logs.insertMany([entry, logEntry(NOW)]);
    await logs.insertMany([entry]);
    expect(await count('otp_logs')).toBe(2);
  });

  // Needs a second connection holding the lock: PostgreSQL only (PGlite has one connection).
  if (kind === 'postgres')
    it('leaves the work to the instance already purging: one at a time', async () => {
      for (let i = 0; i < 3; i++) await addOtpSession(NOW - 1_000);
      const other = new pg.Client({ connectionString: testDb().url });
      await other.connect();
      try {
        await other.query('begin');
        await other.query('select pg_advisory_xact_lock($1)', [PURGE_LOCK_KEY]);
        expect(
          await createRetention(testDb().db, { otpLogRetentionDays: 180, now: () => NOW }).purge(),
        ).toBeUndefined();
        expect(await count('otp_sessions')).toBe(3);
        await other.query('commit');
        expect(await createRetention(testDb().db, { otpLogRetentionDays: 180, now: () => NOW }).purge()).toMatchObject({
          otpSessions: 3,
        });
      } finally {
        await other.end();
      }
    });
});

describe('retention on PGlite', () => {
  const testDb = useTestDatabase('pglite');

  it('gives the space of purged rows back for reuse (PGlite has no autovacuum), so the table does not grow purge after purge', async () => {
    const logs = createOtpLogsRepository(testDb().db);
    const size = async () =>
      Number(
        (await testDb().db.query<{ bytes: string }>("select pg_total_relation_size('public.otp_logs') as bytes"))
          .rows[0]!.bytes,
      );
    const retention = createRetention(testDb().db, { otpLogRetentionDays: 30, now: () => NOW });
    const addOldRows = () => logs.insertMany(Array.from({ length: 3_000 }, () => logEntry(NOW - 40 * DAY_MS)));
    await addOldRows();
    await retention.purge();
    await addOldRows();
    const afterOneRound = await size();
    for (let round = 0; round < 3; round++) {
      await retention.purge();
      await addOldRows();
    }
    expect(await size()).toBeLessThan(afterOneRound * 1.2);
  });
});
