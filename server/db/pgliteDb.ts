import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { acquireDataDirLock } from './dataDirLock.js';
import type { Db, QueryResult } from './db.js';

/**
 * Embedded PostgreSQL (WASM) for zero-setup development and tests. `dataDir` undefined keeps it in memory.
 * PGlite is one connection: queries from concurrent requests are serialised by PGlite itself.
 */
export async function createPgliteDb(dataDir?: string): Promise<Db> {
  if (!dataDir) return wrapPglite(await PGlite.create());
  mkdirSync(dataDir, { recursive: true });
  const releaseLock = acquireDataDirLock(`${dataDir}.lock`, `The embedded database in ${dataDir}`);
  try {
    const db = wrapPglite(await PGlite.create(dataDir));
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
