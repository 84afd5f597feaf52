/**
 * Migrating with the Supabase CLI and starting the server: the CLI (`supabase db push`, `supabase migration
 * up`) applies supabase/migrations/*.sql and records them in its own history table,
 * supabase_migrations.schema_migrations. The server's runner, which keeps public.app_migrations, must count
 * those as applied (and apply only what the CLI has not), or every start fails on "already exists".
 */
import { describe, expect, inject, it } from 'vitest';
import type { Db } from '../../server/db/db.js';
import { readMigrationFiles, runMigrations } from '../../server/db/migrations.js';
import { SUPABASE_BOOTSTRAP_SQL } from '../../server/db/supabaseBootstrap.js';
import { MIGRATIONS_DIR } from '../../server/paths.js';
import { dbKindsUnderTest, openBlankTestDb } from '../support/testDatabases.js';

/** What `supabase db push` leaves behind: Supabase's roles and auth schema, the files applied, its history rows. */
async function migrateLikeTheSupabaseCli(db: Db, upTo: number): Promise<string[]> {
  await db.exec(SUPABASE_BOOTSTRAP_SQL);
  await db.exec(`
    create schema if not exists supabase_migrations;
    create table if not exists supabase_migrations.schema_migrations (version text primary key, statements text[], name text);
  `);
  const files = (await readMigrationFiles(MIGRATIONS_DIR)).slice(0, upTo);
  for (const file of files) {
    await db.exec(file.sql);
    await db.query(
      'insert into supabase_migrations.schema_migrations (version, statements, name) values ($1, $2, $3)',
      [file.version, [file.sql], file.name],
    );
  }
  return files.map((file) => `${file.version}_${file.name}`);
}

describe.each(dbKindsUnderTest())('server migrations after the Supabase CLI on %s', (kind) => {
  it('counts the files the CLI applied as applied, records them, and applies only the newer ones', async () => {
    const blank = await openBlankTestDb(kind, inject('dbTemplates'));
    try {
      const all = (await readMigrationFiles(MIGRATIONS_DIR)).map((file) => `${file.version}_${file.name}`);
      expect(all.length).toBeGreaterThanOrEqual(2);
      // The CLI applied every file but the newest (a deploy that ships a new migration without running the CLI).
      const byCli = await migrateLikeTheSupabaseCli(blank.db, all.length - 1);

      const report = await runMigrations(blank.db, MIGRATIONS_DIR);

      expect(report.alreadyApplied).toEqual(byCli);
      expect(report.applied).toEqual(all.slice(-1));
      const { rows } = await blank.db.query<{ version: string }>(
        'select version from public.app_migrations order by version',
      );
      expect(rows.map((row) => row.version)).toEqual(all.map((label) => label.slice(0, 14)));
      // And the next start has nothing to do.
      expect(await runMigrations(blank.db, MIGRATIONS_DIR)).toEqual({ applied: [], alreadyApplied: all });
    } finally {
      await blank.close();
    }
  }, 60_000);
});
