/**
 * Applies supabase/migrations/*.sql to the configured database (DATABASE_URL, or PGlite under DATA_DIR),
 * each once, and prints what was applied and what already was. The server does the same at startup;
 * this is for deployments that migrate as a separate step:
 *
 *   npm run db:migrate
 *
 * With the embedded database, stop the server first: PGlite allows one process at a time.
 */
import { ConfigError, loadConfig } from '../config.js';
import { MIGRATIONS_DIR } from '../paths.js';
import type { Db } from './db.js';
import { describeDatabase } from './describeDatabase.js';
import { runMigrations } from './migrations.js';
import { openDb } from './openDb.js';

async function main(): Promise<void> {
  const config = loadConfig();
  console.log(`Migrating ${describeDatabase(config)}`);
  let db: Db | undefined;
  try {
    db = await openDb(config);
    const report = await runMigrations(db, MIGRATIONS_DIR);
    for (const name of report.alreadyApplied) console.log(`  already applied  ${name}`);
    for (const name of report.applied) console.log(`  applied          ${name}`);
    console.log(`${report.applied.length} applied, ${report.alreadyApplied.length} already applied.`);
  } finally {
    await db?.close();
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else
    console.error(`Migration failed, nothing was changed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
