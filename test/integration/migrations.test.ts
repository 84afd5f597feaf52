/**
 * The migration runner and the Supabase bootstrap: files apply once each; on plain PostgreSQL or PGlite the
 * bootstrap creates what Supabase would have (schema auth, auth.uid(), roles anon/authenticated/service_role)
 * and on a Supabase-like database it leaves those alone; row-level security keeps otp_logs per user.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import type { Db, Queryable } from '../../server/db/db.js';
import { readMigrationFiles, runMigrations } from '../../server/db/migrations.js';
import { MIGRATIONS_DIR } from '../../server/paths.js';
import { useTestDatabase } from '../support/testApp.js';
import { dbKindsUnderTest, openBlankTestDb, type DbKind } from '../support/testDatabases.js';

const SUPABASE_ROLES = ['anon', 'authenticated', 'service_role'];
const APP_TABLES = [
  'alert_deliveries',
  'app_migrations',
  'otp_logs',
  'otp_sessions',
  'scheduled_job_runs',
  'sms_balance_samples',
  'sms_deliveries',
  'sms_settings',
  'sms_settings_changes',
  'user_contact_settings',
  'user_sessions',
  'users',
];

/** Supabase's own definition of auth.uid(), which differs from the bootstrap's. */
const SUPABASE_UID_FUNCTION = `
  create function auth.uid() returns uuid language sql stable as $$
    select coalesce(
      nullif(current_setting('request.jwt.claim.sub', true), ''),
      (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
    )::uuid
  $$;`;

async function withBlankDb(kind: DbKind, work: (db: Db) => Promise<void>): Promise<void> {
  const blank = await openBlankTestDb(kind, inject('dbTemplates'));
  try {
    await work(blank.db);
  } finally {
    await blank.close();
  }
}

async function uidFunction(db: Queryable) {
  const { rows } = await db.query<{ source: string; comment: string | null }>(
    `select p.prosrc as source, obj_description(p.oid, 'pg_proc') as comment
       from pg_proc p where p.oid = to_regprocedure('auth.uid()')`,
  );
  return rows[0];
}

async function existingRoles(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ rolname: string }>(
    'select rolname from pg_roles where rolname = any($1) order by rolname',
    [SUPABASE_ROLES],
  );
  return rows.map((row) => row.rolname);
}

/** Runs `work` inside a transaction as `role`, with the JWT claims PostgREST would set; always rolled back. */
async function asRole<T>(
  db: Db,
  role: string,
  claims: object | undefined,
  work: (tx: Queryable) => Promise<T>,
): Promise<T> {
  const rollback = new Error('rollback');
  let result: T | undefined;
  await db
    .transaction(async (tx) => {
      await tx.query(`set local role ${role}`);
      if (claims) await tx.query(`select set_config('request.jwt.claims', $1, true)`, [JSON.stringify(claims)]);
      result = await work(tx);
      throw rollback;
    })
    .catch((error: unknown) => {
      if (error !== rollback) throw error;
    });
  return result as T;
}

describe.each(dbKindsUnderTest())('migrations on %s', (kind) => {
  const testDb = useTestDatabase(kind);

  it('applies nothing when run again and records each file once', async () => {
    const { db } = testDb();
    const files = await readMigrationFiles(MIGRATIONS_DIR);
    expect(files.length).toBeGreaterThan(0);

    const report = await runMigrations(db, MIGRATIONS_DIR);

    expect(report.applied).toEqual([]);
    expect(report.alreadyApplied).toEqual(files.map((file) => `${file.version}_${file.name}`));
    const { rows } = await db.query<{ version: string; name: string; checksum: string }>(
      'select version, name, checksum from public.app_migrations order by version',
    );
    expect(rows).toEqual(files.map(({ version, name, checksum }) => ({ version, name, checksum })));
  });

  it('on a bare database creates schema auth, auth.uid() reading the sub claim, and the Supabase roles', async () => {
    await withBlankDb(kind, async (db) => {
      const report = await runMigrations(db, MIGRATIONS_DIR);
      expect(report.applied).toHaveLength((await readMigrationFiles(MIGRATIONS_DIR)).length);

      const uid = await uidFunction(db);
      expect(uid?.source).toMatch(/current_setting\('request\.jwt\.claims', true\).*->> 'sub'/);
      expect(uid?.comment).toMatch(/Created by the app bootstrap/);
      expect(await existingRoles(db)).toEqual([...SUPABASE_ROLES].sort());
      if (kind === 'pglite') {
        // A fresh PGlite had no such roles, so these are the bootstrap's: no login, only service_role bypasses RLS.
        // (PostgreSQL roles belong to the whole cluster and may predate this database.)
        const { rows } = await db.query<{ rolname: string; rolcanlogin: boolean; rolbypassrls: boolean }>(
          'select rolname, rolcanlogin, rolbypassrls from pg_roles where rolname = any($1) order by rolname',
          [SUPABASE_ROLES],
        );
        expect(rows).toEqual([
          { rolname: 'anon', rolcanlogin: false, rolbypassrls: false },
          { rolname: 'authenticated', rolcanlogin: false, rolbypassrls: false },
          { rolname: 'service_role', rolcanlogin: false, rolbypassrls: true },
        ]);
      }

      const userId = '6f1c7a52-3a8e-4b7e-9d39-0d7f5a0b1c2d';
      const uidWith = (claims: object | undefined) =>
        asRole(
          db,
          'authenticated',
          claims,
          async (tx) => (await tx.query<{ uid: string | null }>('select auth.uid() as uid')).rows[0]!.uid,
        );
      expect(await uidWith({ sub: userId, role: 'authenticated' })).toBe(userId);
      expect(await uidWith({ sub: '' })).toBeNull();
      expect(await uidWith(undefined)).toBeNull();

      const { rows: grants } = await db.query<{ usage: boolean }>(
        `select has_schema_privilege('authenticated', 'auth', 'USAGE') as usage`,
      );
      expect(grants[0]!.usage).toBe(true);

      // And a second run on that database changes nothing.
      expect((await runMigrations(db, MIGRATIONS_DIR)).applied).toEqual([]);
    });
  });

  it('on a Supabase-like database leaves the existing schema auth, auth.uid() and roles untouched', async () => {
    await withBlankDb(kind, async (db) => {
      // Roles are shared by the whole PostgreSQL cluster (other tests created them already); a fresh PGlite
      // has none, so there they are created here with a mark the bootstrap would not set.
      const mark = kind === 'pglite' ? ' connection limit 3' : '';
      for (const role of SUPABASE_ROLES) {
        const exists = (await existingRoles(db)).includes(role);
        if (!exists) await db.exec(`create role ${role} nologin noinherit${mark}`);
      }
      await db.exec(`create schema auth; ${SUPABASE_UID_FUNCTION}`);
      const before = await uidFunction(db);

      const report = await runMigrations(db, MIGRATIONS_DIR);

      expect(report.applied).toHaveLength((await readMigrationFiles(MIGRATIONS_DIR)).length);
      expect(await uidFunction(db)).toEqual(before);
      expect(before?.source).toContain('request.jwt.claim.sub');
      expect(before?.comment).toBeNull();
      // The bootstrap grants usage on auth only when it creates the schema itself.
      const { rows: grants } = await db.query<{ usage: boolean }>(
        `select has_schema_privilege('anon', 'auth', 'USAGE') as usage`,
      );
      expect(grants[0]!.usage).toBe(false);
      expect(await existingRoles(db)).toEqual([...SUPABASE_ROLES].sort());
      if (kind === 'pglite') {
        const { rows } = await db.query<{ rolname: string; rolconnlimit: number; rolbypassrls: boolean }>(
          'select rolname, rolconnlimit, rolbypassrls from pg_roles where rolname = any($1) order by rolname',
          [SUPABASE_ROLES],
        );
        expect(rows).toEqual(SUPABASE_ROLES.map((rolname) => ({ rolname, rolconnlimit: 3, rolbypassrls: false })));
      }

      // Supabase's auth.uid() serves the migrations' policies just as well.
      const { rows: policies } = await db.query<{ policyname: string }>(
        `select policyname from pg_policies where tablename = 'otp_logs'`,
      );
      expect(policies.map((p) => p.policyname)).toEqual(['otp_logs_select_own']);
    });
  });

  describe('otp_logs for any signed-in person', () => {
    const supabaseUser = '3b241101-e2bb-4255-8caf-4136c566a962';

    it('keeps rows for a Supabase Auth user who is not in public.users, and that user reads them', async () => {
      const { db } = testDb();
      await db.query(
        `insert into public.otp_logs (user_id, phone, type, origin, status, response_time_ms, provider_session_id)
         values ($1, '+919876543210', 'autogen', 'supabase_hook', 'sent', 120, 'tf-session-1')`,
        [supabaseUser],
      );
      // A delivery report copies the send row's user id.
      await db.query(
        `insert into public.sms_delivery_events (report_key, provider_session_id, user_id, form, channel, outcome)
         values ('k1', 'tf-session-1', $1, 'sms_otp', 'sms', 'delivered')`,
        [supabaseUser],
      );

      const visible = await asRole(db, 'authenticated', { sub: supabaseUser, role: 'authenticated' }, async (tx) => {
        const { rows } = await tx.query<{ origin: string }>('select origin from public.otp_logs');
        return rows;
      });
      expect(visible).toEqual([{ origin: 'supabase_hook' }]);
    });

    it('refuses an origin it does not know, and calls a row without one a login', async () => {
      const { db } = testDb();
      await expect(
        db.query(
          `insert into public.otp_logs (phone, type, origin, status, response_time_ms) values ('+919876543210', 'autogen', 'elsewhere', 'sent', 1)`,
        ),
      ).rejects.toMatchObject({ code: '23514' });
      const { rows } = await db.query<{ origin: string }>(
        `insert into public.otp_logs (phone, type, status, response_time_ms) values ('+919876543210', 'autogen', 'sent', 1) returning origin`,
      );
      expect(rows).toEqual([{ origin: 'login' }]);
    });

    it('gives rows written before it the origin of their session, and admin template SMS the origin test', async () => {
      const files = await readMigrationFiles(MIGRATIONS_DIR);
      const newest = files.at(-1)!;
      expect(newest.name).toBe('otp_logs_for_any_auth_user');
      const olderDir = await mkdtemp(path.join(tmpdir(), 'older-migrations-'));
      try {
        for (const file of files.slice(0, -1)) {
          await cp(
            path.join(MIGRATIONS_DIR, `${file.version}_${file.name}.sql`),
            path.join(olderDir, `${file.version}_${file.name}.sql`),
          );
        }
        await withBlankDb(kind, async (db) => {
          await runMigrations(db, olderDir);
          const session = (purpose: string) =>
            db.query<{ id: string }>(
              `insert into public.otp_sessions (purpose, phone, mode, max_attempts, expires_at) values ($1, '+919876543210', 'autogen', 3, now()) returning id`,
              [purpose],
            );
          const loginSession = (await session('login')).rows[0]!.id;
          const testSession = (await session('test')).rows[0]!.id;
          const log = (sessionId: string | null, providerSessionId: string | null, type: string) =>
            db.query(
              `insert into public.otp_logs (phone, session_id, provider_session_id, type, status, response_time_ms)
               values ('+919876543210', $1, $2, $3, 'sent', 1)`,
              [sessionId, providerSessionId, type],
            );
          await log(loginSession, 'tf-1', 'autogen');
          await log(testSession, 'tf-2', 'autogen');
          await log(testSession, null, 'verify');
          await log('tf-3', 'tf-3', 'template'); // an admin's template SMS from Settings
          await log(null, null, 'template'); // the same, refused by 2Factor
          await log('0f9d8c7b-0000-4000-8000-000000000001', 'tf-4', 'template'); // a template-mode login send, session purged

          expect((await runMigrations(db, MIGRATIONS_DIR)).applied).toEqual([`${newest.version}_${newest.name}`]);

          const { rows } = await db.query<{ origin: string }>('select origin from public.otp_logs order by id');
          expect(rows.map((row) => row.origin)).toEqual(['login', 'test', 'test', 'test', 'test', 'login']);
        });
      } finally {
        await rm(olderDir, { recursive: true, force: true });
      }
    });
  });

  describe('row-level security', () => {
    it('is enabled on every table in schema public', async () => {
      const { rows } = await testDb().db.query<{ name: string; rls: boolean }>(
        `select c.relname as name, c.relrowsecurity as rls
           from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relkind in ('r', 'p')
          order by c.relname`,
      );
      expect(rows.map((row) => row.name)).toEqual(expect.arrayContaining(APP_TABLES));
      expect(rows.filter((row) => !row.rls)).toEqual([]);
    });

    async function seedOtpLogs(db: Db) {
      const { rows: users } = await db.query<{ id: string; email: string }>(
        `insert into public.users (email, password_hash, role)
         values ('priya@example.com', 'not-a-real-hash', 'agent'), ('ravi@example.com', 'not-a-real-hash', 'staff')
         returning id, email`,
      );
      const priya = users.find((u) => u.email === 'priya@example.com')!.id;
      const ravi = users.find((u) => u.email === 'ravi@example.com')!.id;
      const insertLog =
        'insert into public.otp_logs (user_id, phone, type, status, response_time_ms) values ($1, $2, $3, $4, $5)';
      await db.query(insertLog, [priya, '+919876543210', 'autogen', 'sent', 120]);
      await db.query(insertLog, [priya, '+919876543210', 'verify', 'verified', 80]);
      await db.query(insertLog, [ravi, '+919812345678', 'autogen', 'sent', 140]);
      await db.query(insertLog, [null, '+919800000000', 'autogen', 'sent', 90]);
      return { priya, ravi };
    }

    it('lets an authenticated user read only their own otp_logs rows', async () => {
      const { db } = testDb();
      const { priya, ravi } = await seedOtpLogs(db);
      const visibleTo = (sub: string) =>
        asRole(db, 'authenticated', { sub, role: 'authenticated' }, async (tx) => {
          const { rows } = await tx.query<{ user_id: string; type: string }>(
            'select user_id, type from public.otp_logs order by id',
          );
          return rows;
        });

      expect(await visibleTo(priya)).toEqual([
        { user_id: priya, type: 'autogen' },
        { user_id: priya, type: 'verify' },
      ]);
      expect(await visibleTo(ravi)).toEqual([{ user_id: ravi, type: 'autogen' }]);
      expect(await visibleTo('00000000-0000-4000-8000-000000000000')).toEqual([]);
    });

    it('refuses inserts into otp_logs by an authenticated user', async () => {
      const { db } = testDb();
      const { priya } = await seedOtpLogs(db);
      await expect(
        asRole(db, 'authenticated', { sub: priya }, (tx) =>
          tx.query(
            `insert into public.otp_logs (user_id, phone, type, status, response_time_ms) values ($1, '+919876543210', 'autogen', 'sent', 1)`,
            [priya],
          ),
        ),
      ).rejects.toMatchObject({ code: '42501' });
    });

    it('shows nothing to anon, and no other table to authenticated', async () => {
      const { db } = testDb();
      const { priya } = await seedOtpLogs(db);
      await expect(
        asRole(db, 'anon', undefined, (tx) => tx.query('select * from public.otp_logs')),
      ).rejects.toMatchObject({ code: '42501' });
      for (const table of APP_TABLES.filter((t) => t !== 'otp_logs')) {
        await expect(
          asRole(db, 'anon', undefined, (tx) => tx.query(`select * from public.${table}`)),
        ).rejects.toMatchObject({ code: '42501' });
        await expect(
          asRole(db, 'authenticated', { sub: priya }, (tx) => tx.query(`select * from public.${table}`)),
        ).rejects.toMatchObject({
          code: '42501',
        });
      }
    });
  });
});
