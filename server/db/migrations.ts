/**
 * Applies `supabase/migrations/*.sql` in file-name order, each once, and records each in
 * `public.app_migrations`. First the Supabase bootstrap creates what a Supabase project would already
 * have. Everything pending runs in one transaction under an advisory lock, so two instances starting
 * together never apply a file twice, and a failing file leaves the database as it was.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Db, Transaction } from './db.js';
import { SUPABASE_BOOTSTRAP_SQL } from './supabaseBootstrap.js';

export interface MigrationFile {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

const FILE_NAME = /^(\d{14})_([a-z0-9_]+)\.sql$/;
const MIGRATION_LOCK_ID = 7_246_813_501;

export async function readMigrationFiles(directory: string): Promise<MigrationFile[]> {
  const names = (await readdir(directory)).filter((name) => name.endsWith('.sql')).sort();
  return Promise.all(
    names.map(async (fileName) => {
      const match = FILE_NAME.exec(fileName);
      if (!match) throw new Error(`Migration file name must look like YYYYMMDDHHMMSS_name.sql: ${fileName}`);
      const sql = await readFile(path.join(directory, fileName), 'utf8');
      return { version: match[1]!, name: match[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

export async function runMigrations(db: Db, directory: string): Promise<MigrationReport> {
  const files = await readMigrationFiles(directory);
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_ID]);
    await tx.exec(SUPABASE_BOOTSTRAP_SQL);
    await tx.exec(`
      create table if not exists public.app_migrations (
        version text primary key,
        name text not null,
        checksum text not null,
        applied_at timestamptz not null default now()
      );
      comment on table public.app_migrations is 'Migrations from supabase/migrations applied by the app runner.';
      alter table public.app_migrations enable row level security;
      revoke all on table public.app_migrations from anon, authenticated;
    `);
    const { rows } = await tx.query<{ version: string }>('select version from public.app_migrations');
    const done = new Set(rows.map((row) => row.version));
    const byCli = await versionsAppliedBySupabaseCli(tx);
    const report: MigrationReport = { applied: [], alreadyApplied: [] };
    for (const file of files) {
      const label = `${file.version}_${file.name}`;
      if (done.has(file.version)) {
        report.alreadyApplied.push(label);
        continue;
      }
      if (byCli.has(file.version)) {
        // Applied by the Supabase CLI (`supabase db push` / `supabase migration up`): record it, do not rerun it.
        await tx.query('insert into public.app_migrations (version, name, checksum) values ($1, $2, $3)', [
          file.version,
          file.name,
          file.checksum,
        ]);
        report.alreadyApplied.push(label);
        continue;
      }
      await tx.exec(file.sql);
      await tx.query('insert into public.app_migrations (version, name, checksum) values ($1, $2, $3)', [
        file.version,
        file.name,
        file.checksum,
      ]);
      report.applied.push(label);
    }
    return report;
  });
}

/**
 * Versions the Supabase CLI recorded in its own history table, supabase_migrations.schema_migrations, when the
 * table exists and we may read it (none otherwise). The CLI and this runner apply the same files.
 */
async function versionsAppliedBySupabaseCli(tx: Transaction): Promise<Set<string>> {
  const { rows } = await tx.query<{ readable: boolean }>(
    `select case when to_regclass('supabase_migrations.schema_migrations') is null then false
                 else has_table_privilege('supabase_migrations.schema_migrations', 'select') end as readable`,
  );
  if (!rows[0]?.readable) return new Set();
  const history = await tx.query<{ version: string }>(
    'select version::text as version from supabase_migrations.schema_migrations',
  );
  return new Set(history.rows.map((row) => row.version));
}
