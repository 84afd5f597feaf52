/**
 * Row-level security on the rows the server itself wrote: after real sends and verifies through the app,
 * a Supabase `authenticated` user (request.jwt.claims.sub = their id) sees only their own otp_logs rows and
 * can change nothing; `anon` sees nothing. Runs on PGlite and, with TEST_DATABASE_URL, on PostgreSQL.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { Db, Queryable } from '../../server/db/db.js';
import { dbKindsUnderTest } from '../support/testDatabases.js';
import { useTestDatabase } from '../support/testApp.js';
import { allLogRows, buildSmsApp, loggedInByPhone, newPhone, signedIn, useSimulator } from '../support/smsKit.js';

/** Runs `work` as `role` with the given JWT claims inside a transaction that is always rolled back. */
async function asRole<T>(
  db: Db,
  role: 'anon' | 'authenticated',
  sub: string | undefined,
  work: (tx: Queryable) => Promise<T>,
): Promise<T> {
  const rollback = new Error('rollback');
  let result: T | undefined;
  await db
    .transaction(async (tx) => {
      await tx.query(`set local role ${role}`);
      if (sub !== undefined)
        await tx.query(`select set_config('request.jwt.claims', $1, true)`, [JSON.stringify({ sub, role })]);
      result = await work(tx);
      throw rollback;
    })
    .catch((error: unknown) => {
      if (error !== rollback) throw error;
    });
  return result as T;
}

describe.each(dbKindsUnderTest())('otp_logs row-level security after real sends on %s', (kind) => {
  const testDb = useTestDatabase(kind);
  const sim = useSimulator();

  /** A staff and an agent who each log in by phone, an admin who sends a test code and a template SMS. */
  async function afterSomeSends() {
    const app = buildSmsApp(testDb().db, sim());
    const admin = await signedIn(app);
    const people = [];
    for (const role of ['staff', 'agent'] as const) {
      const user = await loggedInByPhone(app, sim(), role);
      people.push(user);
    }
    await request(app.app)
      .post('/api/sms/sendOtp')
      .set('Cookie', admin.cookie)
      .send({ phone: newPhone(), purpose: 'test' })
      .expect(200);
    await request(app.app)
      .post('/api/sms/sendTemplate')
      .set('Cookie', admin.cookie)
      .send({ to: newPhone() })
      .expect(200);
    await request(app.app).post('/api/sms/sendOtp').send({ phone: newPhone() }).expect(200); // unregistered: no row
    const [staff, agent] = people as [(typeof people)[0], (typeof people)[0]];
    return { admin: admin.user, staff, agent };
  }

  const visibleRows = (sub: string | undefined) =>
    asRole(
      testDb().db,
      'authenticated',
      sub,
      async (tx) =>
        (await tx.query<{ user_id: string; type: string }>('select user_id, type from public.otp_logs order by id'))
          .rows,
    );

  it('shows an authenticated user only the rows about them', async () => {
    const { admin, staff, agent } = await afterSomeSends();
    expect((await allLogRows(testDb().db)).length).toBe(6);
    expect(await visibleRows(staff.id)).toEqual([
      { user_id: staff.id, type: 'autogen' },
      { user_id: staff.id, type: 'verify' },
    ]);
    expect(await visibleRows(agent.id)).toEqual([
      { user_id: agent.id, type: 'autogen' },
      { user_id: agent.id, type: 'verify' },
    ]);
    expect(await visibleRows(admin.id)).toEqual([
      { user_id: admin.id, type: 'autogen' },
      { user_id: admin.id, type: 'template' },
    ]);
    expect(await visibleRows('00000000-0000-4000-8000-000000000000')).toEqual([]);
    expect(await visibleRows(undefined)).toEqual([]);
  });

  it('refuses inserts, updates and deletes by an authenticated user, even on their own rows', async () => {
    const { staff } = await afterSomeSends();
    const db = testDb().db;
    const attempts = [
      `insert into public.otp_logs (user_id, phone, type, status, response_time_ms) values ('${staff.id}', '+919876543210', 'verify', 'verified', 1)`,
      `update public.otp_logs set status = 'verified' where user_id = '${staff.id}'`,
      `delete from public.otp_logs where user_id = '${staff.id}'`,
    ];
    for (const sql of attempts) {
      await expect(asRole(db, 'authenticated', staff.id, (tx) => tx.query(sql))).rejects.toMatchObject({
        code: '42501',
      });
    }
    expect((await allLogRows(db)).length).toBe(6);
  });

  it('shows anon nothing, and neither role the sessions or the settings', async () => {
    const { staff } = await afterSomeSends();
    const db = testDb().db;
    await expect(
      asRole(db, 'anon', undefined, (tx) => tx.query('select * from public.otp_logs')),
    ).rejects.toMatchObject({ code: '42501' });
    await expect(asRole(db, 'anon', staff.id, (tx) => tx.query('select * from public.otp_logs'))).rejects.toMatchObject(
      { code: '42501' },
    );
    for (const table of ['otp_sessions', 'sms_settings']) {
      await expect(
        asRole(db, 'anon', undefined, (tx) => tx.query(`select * from public.${table}`)),
      ).rejects.toMatchObject({ code: '42501' });
      await expect(
        asRole(db, 'authenticated', staff.id, (tx) => tx.query(`select * from public.${table}`)),
      ).rejects.toMatchObject({ code: '42501' });
    }
  });
});
