/**
 * Test databases built from the real migrations, on PGlite always and on PostgreSQL when
 * TEST_DATABASE_URL is set (required under CI=true: a missing service fails the run, never skips).
 *
 * Building a database from scratch is slow on PGlite (initdb in WASM), so the global setup builds one
 * migrated template per run (a PGlite data-dir dump; a PostgreSQL template database) and each test file
 * clones it. Between tests, `resetTestDb` empties every table.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import type { Db } from '../../server/db/db.js';
import { readMigrationFiles, runMigrations } from '../../server/db/migrations.js';
import { PGLITE_OPTIONS, wrapPglite } from '../../server/db/pgliteDb.js';
import { createPostgresDb } from '../../server/db/postgresDb.js';
import { MIGRATIONS_DIR, PROJECT_ROOT } from '../../server/paths.js';

export type DbKind = 'pglite' | 'postgres';

export interface TemplateInfo {
  pgliteDump: string;
  postgres: { adminUrl: string; templateName: string } | null;
}

export function postgresAdminUrl(): string | undefined {
  const url = process.env.TEST_DATABASE_URL?.trim();
  if (url) return url;
  if (process.env.CI === 'true') {
    throw new Error('CI=true but TEST_DATABASE_URL is not set: the PostgreSQL suite must run in CI.');
  }
  return undefined;
}

/** The database kinds every database test runs on. */
export function dbKindsUnderTest(): DbKind[] {
  return postgresAdminUrl() ? ['pglite', 'postgres'] : ['pglite'];
}

async function migrationsHash(): Promise<string> {
  const files = await readMigrationFiles(MIGRATIONS_DIR);
  const hash = createHash('sha256');
  for (const file of files) hash.update(file.version).update(file.checksum);
  hash.update(await readFile(path.join(PROJECT_ROOT, 'server/db/supabaseBootstrap.ts')));
  return hash.digest('hex').slice(0, 12);
}

export function databaseUrlFor(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdminClient<T>(adminUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Global setup: builds both templates once per test run. */
export async function buildTemplates(): Promise<TemplateInfo> {
  const hash = await migrationsHash();
  const cacheDir = path.join(PROJECT_ROOT, 'node_modules', '.cache', 'test-databases');
  await mkdir(cacheDir, { recursive: true });
  const pgliteDump = path.join(cacheDir, `pglite-${hash}.tar`);
  const pglite = await PGlite.create(PGLITE_OPTIONS);
  await runMigrations(wrapPglite(pglite), MIGRATIONS_DIR);
  const dump = await pglite.dumpDataDir('none');
  await writeFile(pgliteDump, Buffer.from(await dump.arrayBuffer()));
  await pglite.close();

  const adminUrl = postgresAdminUrl();
  if (!adminUrl) return { pgliteDump, postgres: null };
  const templateName = `sms_otp_test_template_${hash}_${randomBytes(3).toString('hex')}`;
  await withAdminClient(adminUrl, (client) => client.query(`create database ${templateName}`));
  const db = createPostgresDb({ connectionString: databaseUrlFor(adminUrl, templateName), poolSize: 2 });
  try {
    await runMigrations(db, MIGRATIONS_DIR);
  } finally {
    await db.close();
  }
  return { pgliteDump, postgres: { adminUrl, templateName } };
}

export async function dropTemplates(info: TemplateInfo): Promise<void> {
  if (!info.postgres) return;
  const { adminUrl, templateName } = info.postgres;
  await withAdminClient(adminUrl, (client) => client.query(`drop database if exists ${templateName} with (force)`));
}

export interface TestDb {
  kind: DbKind;
  db: Db;
  /** Only for PostgreSQL: the URL of this test database (for a second app instance, or the CLI). */
  url?: string;
  close(): Promise<void>;
}

/** A new database cloned from the migrated template. */
export async function openTestDb(kind: DbKind, templates: TemplateInfo): Promise<TestDb> {
  if (kind === 'pglite') {
    const dump = new Blob([await readFile(templates.pgliteDump)]);
    const pglite = await PGlite.create({ ...PGLITE_OPTIONS, loadDataDir: dump });
    const db = wrapPglite(pglite);
    return { kind, db, close: () => db.close() };
  }
  if (!templates.postgres)
    throw new Error('PostgreSQL template missing: TEST_DATABASE_URL was not set in global setup.');
  const { adminUrl, templateName } = templates.postgres;
  const name = `sms_otp_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdminClient(adminUrl, (client) => client.query(`create database ${name} template ${templateName}`));
  const url = databaseUrlFor(adminUrl, name);
  const db = createPostgresDb({ connectionString: url, poolSize: 10 });
  return {
    kind,
    db,
    url,
    async close() {
      await db.close();
      await withAdminClient(adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}

/**
 * An empty database with no migrations and no bootstrap (a fresh PGlite, or a new PostgreSQL database
 * created from template0), for tests of the migration runner itself. `close` drops it.
 */
export async function openBlankTestDb(kind: DbKind, templates: TemplateInfo): Promise<TestDb> {
  if (kind === 'pglite') {
    const db = wrapPglite(await PGlite.create(PGLITE_OPTIONS));
    return { kind, db, close: () => db.close() };
  }
  if (!templates.postgres)
    throw new Error('PostgreSQL admin URL missing: TEST_DATABASE_URL was not set in global setup.');
  const { adminUrl } = templates.postgres;
  const name = `sms_otp_test_blank_${process.pid}_${randomBytes(4).toString('hex')}`;
  await withAdminClient(adminUrl, (client) => client.query(`create database ${name} template template0`));
  const url = databaseUrlFor(adminUrl, name);
  const db = createPostgresDb({ connectionString: url, poolSize: 2 });
  return {
    kind,
    db,
    url,
    async close() {
      await db.close();
      await withAdminClient(adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}

const APP_TABLES = [
  'sms_delivery_events',
  'sms_deliveries',
  'otp_logs',
  'otp_sessions',
  'sms_settings',
  'sms_settings_changes',
  'sms_balance_samples',
  'scheduled_job_runs',
  'alert_deliveries',
  'user_sessions',
  'user_contact_settings',
  'users',
];

/** Empties every application table (keeps the migration records). */
export async function resetTestDb(db: Db): Promise<void> {
  await db.exec(`truncate ${APP_TABLES.map((table) => `public.${table}`).join(', ')} restart identity cascade`);
}

/**
 * The database as another app instance sees it: its own connection pool on PostgreSQL; on PGlite (one
 * connection, one process) the same handle, as several instances there share one.
 */
export function anotherInstanceDb(testDb: TestDb): { db: Db; close(): Promise<void> } {
  if (testDb.kind === 'pglite' || !testDb.url) return { db: testDb.db, close: async () => undefined };
  const db = createPostgresDb({ connectionString: testDb.url, poolSize: 4 });
  return { db, close: () => db.close() };
}
