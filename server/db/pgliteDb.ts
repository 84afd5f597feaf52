import { mkdirSync } from 'node:fs';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { acquireDataDirLock } from './dataDirLock.js';
import type { Db, QueryResult } from './db.js';

/**
 * PostgreSQL's memory settings inside PGlite. PGlite's WebAssembly memory only ever grows: every page
 * PostgreSQL touches once stays in the process's RSS until it exits. PostgreSQL's stock 128 MB of shared
 * buffers are all touched at startup (151 MB of the WebAssembly memory resident before the first request,
 * 29 MB with 16 MB), and one index build or VACUUM may take up to maintenance_work_mem (64 MB by default)
 * for good. 16 MB of buffers hold the hot pages of an embedded install (the indexes of the users, sessions
 * and logs tables); pages that do not fit are read back from the operating system's file cache.
 * Measured on a send and verify load: see docs/operations.md, "Memory of the embedded database".
 */
const BOUNDED_MEMORY_SETTINGS = ['shared_buffers=16MB', 'maintenance_work_mem=16MB'];

/**
 * Options every PGlite of this app opens with (the server's, the CLIs', the tests'). initdb gets the same
 * settings: it would otherwise bootstrap a new data directory with 128 MB of buffers (another 189 MB
 * WebAssembly memory, garbage once created but held until V8 next collects) and write them into its
 * postgresql.conf.
 */
export const PGLITE_OPTIONS: PGliteOptions = {
  startParams: [...PGlite.defaultStartParams, ...BOUNDED_MEMORY_SETTINGS.flatMap((setting) => ['-c', setting])],
  initDbStartParams: BOUNDED_MEMORY_SETTINGS.flatMap((setting) => ['--set', setting]),
};

/**
 * Embedded PostgreSQL (WASM) for zero-setup development and tests. `dataDir` undefined keeps it in memory.
 * PGlite is one connection: queries from concurrent requests are serialised by PGlite itself.
 */
export async function createPgliteDb(dataDir?: string): Promise<Db> {
  if (!dataDir) return wrapPglite(await PGlite.create(PGLITE_OPTIONS));
  mkdirSync(dataDir, { recursive: true });
  const releaseLock = acquireDataDirLock(`${dataDir}.lock`, `The embedded database in ${dataDir}`);
  try {
    const db = wrapPglite(await PGlite.create(dataDir, PGLITE_OPTIONS));
    return {
      ...db,
      async close() {
        await db.close();
        releaseLock();
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}

export function wrapPglite(pglite: PGlite): Db {
  return {
    kind: 'pglite',
    async query<Row>(sql: string, params?: readonly unknown[]) {
      const result = await pglite.query<Row>(sql, params as unknown[] | undefined);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length } satisfies QueryResult<Row>;
    },
    transaction(work) {
      return pglite.transaction((tx) =>
        work({
          async query<Row>(sql: string, params?: readonly unknown[]) {
            const result = await tx.query<Row>(sql, params as unknown[] | undefined);
            return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
          },
          async exec(sql: string) {
            await tx.exec(sql);
          },
        }),
      );
    },
    async exec(sql) {
      await pglite.exec(sql);
    },
    async close() {
      if (!pglite.closed) await pglite.close();
    },
  };
}
