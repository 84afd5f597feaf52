/**
 * Group commit on the hot path of a send: sessions created, and phones looked up, by requests running at the
 * same time share one statement, with the same results as one statement each.
 */
import { describe, expect, it } from 'vitest';
import type { Db } from '../../server/db/db.js';
import {
  createOtpSessionsRepository,
  LIVE_CODES_PER_PHONE,
  type NewOtpSession,
} from '../../server/db/otpSessionsRepository.js';
import { createUsersRepository } from '../../server/db/usersRepository.js';
import { useTestDatabase } from '../support/testApp.js';
import { dbKindsUnderTest } from '../support/testDatabases.js';

/** `db`, counting the statements that go through it. */
function counting(db: Db): { db: Db; statements: () => number } {
  let count = 0;
  return {
    db: { ...db, query: (sql, params) => (count++, db.query(sql, params)) },
    statements: () => count,
  };
}

function session(n: number, phone: string, createdAt: Date): NewOtpSession {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    purpose: 'login',
    phone,
    userId: null,
    mode: 'autogen',
    providerSessionId: `p-${n}`,
    codeHmac: null,
    maxAttempts: 5,
    expiresAt: new Date(createdAt.getTime() + 300_000),
    createdAt,
  };
}

describe.each(dbKindsUnderTest())('group commit on %s', (kind) => {
  const testDb = useTestDatabase(kind);

  it('stores the sessions of concurrent sends in one statement, each live and readable', async () => {
    const { db, statements } = counting(testDb().db);
    const sessions = createOtpSessionsRepository(db);
    const at = new Date('2026-11-28T10:00:00Z');
    const created = [1, 2, 3, 4, 5].map((n) => session(n, `+91987654321${n}`, at));
    await Promise.all(created.map((s) => sessions.create(s)));
    expect(statements()).toBe(1);
    for (const s of created) {
      expect(await sessions.findById(s.id)).toMatchObject({
        id: s.id,
        phone: s.phone,
        providerSessionId: s.providerSessionId,
        expiresAt: s.expiresAt,
        verifiedAt: null,
      });
    }
  });

  it('keeps the sessions of one phone created at the same time in separate statements, so the newest few stay live and an older one ends', async () => {
    const { db, statements } = counting(testDb().db);
    const sessions = createOtpSessionsRepository(db);
    const start = Date.parse('2026-11-28T10:00:00Z');
    const samePhone = Array.from({ length: LIVE_CODES_PER_PHONE + 1 }, (_, n) =>
      session(n + 1, '+919876543210', new Date(start + n * 1000)),
    );
    const other = session(99, '+919876543219', new Date(start));
    await Promise.all([...samePhone, other].map((s) => sessions.create(s)));
    expect(statements()).toBe(samePhone.length);
    const [oldest, ...newest] = samePhone;
    expect((await sessions.findById(oldest!.id))?.expiresAt).toEqual(samePhone.at(-1)!.createdAt);
    for (const s of newest) expect((await sessions.findById(s.id))?.expiresAt).toEqual(s.expiresAt);
    expect((await sessions.findById(other.id))?.expiresAt).toEqual(other.expiresAt);
  });

  it('fails only the send whose session the database refuses, storing each of the others once', async () => {
    const sessions = createOtpSessionsRepository(testDb().db);
    const at = new Date('2026-11-28T10:00:00Z');
    const later = new Date(at.getTime() + 1000);
    // Two phones, twice each: the batch goes out as two statements, and the second fails on a user who does not exist.
    const a1 = session(1, '+919876543211', at);
    const b1 = session(2, '+919876543212', at);
    const a2 = session(3, '+919876543211', later);
    const b2 = { ...session(4, '+919876543212', later), userId: '00000000-0000-4000-8000-00000000dead' };
    const results = await Promise.allSettled([a1, b1, a2, b2].map((s) => sessions.create(s)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    for (const s of [a1, b1, a2])
      expect(await sessions.findById(s.id)).toMatchObject({ id: s.id, expiresAt: s.expiresAt, verifiedAt: null });
    expect(await sessions.findById(b2.id)).toBeUndefined();
  });

  it('looks up the phones of concurrent sends in one query, each caller getting its own owner or none', async () => {
    const setup = createUsersRepository(testDb().db);
    const asha = await setup.create({
      email: 'asha@example.com',
      passwordHash: 'x',
      role: 'agent',
      phone: '+919876500001',
    });
    const ravi = await setup.create({
      email: 'ravi@example.com',
      passwordHash: 'x',
      role: 'staff',
      phone: '+919876500002',
    });
    const { db, statements } = counting(testDb().db);
    const users = createUsersRepository(db);
    const found = await Promise.all(
      ['+919876500002', '+919876500009', '+919876500001', '+919876500002'].map((phone) => users.findByPhone(phone)),
    );
    expect(statements()).toBe(1);
    expect(found).toEqual([ravi, undefined, asha, ravi]);
  });
});
