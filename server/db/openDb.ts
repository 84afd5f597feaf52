import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Db } from './db.js';
import { createPgliteDb } from './pgliteDb.js';
import { createPostgresDb } from './postgresDb.js';

/** PostgreSQL (or Supabase) when DATABASE_URL is set; otherwise PGlite files under DATA_DIR/pglite. */
export async function openDb(
  config: Pick<Config, 'databaseUrl' | 'databasePoolSize' | 'dataDir'>,
  logger?: Logger,
): Promise<Db> {
  if (config.databaseUrl) {
    return createPostgresDb({ connectionString: config.databaseUrl, poolSize: config.databasePoolSize, logger });
  }
  return createPgliteDb(path.join(config.dataDir, 'pglite'));
}
