/**
 * A database for the users CLI (`npm run user:add`) to write to, and a way for a test to read what it wrote:
 * PGlite under a temporary DATA_DIR, started from the migrated template, or a PostgreSQL test database
 * through DATABASE_URL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, inject } from 'vitest';
import type { Db } from '../../server/db/db.js';
import { createPgliteDb } from '../../server/db/pgliteDb.js';
import { useTestDatabase } from './testApp.js';
import type { DbKind } from './testDatabases.js';

export interface UserCliTarget {
  /** The CLI's environment: the database settings only (no APP_SECRET: the CLI needs none). */
  env: () => Record<string, string>;
  /** Opens the database the CLI wrote to (PGlite allows one handle at a time: the CLI's is closed by then). */
  withDb: <T>(work: (db: Db) => Promise<T>) => Promise<T>;
}

/**
 * Registers the hooks that prepare and remove the database for the tests of the calling block. The PGlite
 * directory is kept across those tests, so each test uses its own emails and phones.
 */
export function useUserCliTarget(kind: DbKind): UserCliTarget {
  let dataDir = '';
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'user-cli-test-'));
    if (kind === 'pglite') {
      // Start from the migrated template instead of a PGlite initdb in the first CLI run (slow in WASM).
      const dump = new Blob([await readFile(inject('dbTemplates').pgliteDump)]);
      await (await PGlite.create(path.join(dataDir, 'pglite'), { loadDataDir: dump })).close();
    }
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });
  const baseEnv = () => ({ NODE_ENV: 'test', DATA_DIR: dataDir });

  if (kind === 'pglite') {
    return {
      env: baseEnv,
      async withDb(work) {
        const db = await createPgliteDb(path.join(dataDir, 'pglite'));
        try {
          return await work(db);
        } finally {
          await db.close();
        }
      },
    };
  }
  const testDb = useTestDatabase('postgres');
  return {
    env: () => ({ ...baseEnv(), DATABASE_URL: testDb().url! }),
    withDb: (work) => work(testDb().db),
  };
}
