import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPgliteDb } from './pgliteDb.js';

const root = mkdtempSync(path.join(tmpdir(), 'pglite-memory-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const memorySettings = `select current_setting('shared_buffers') as shared_buffers,
                               current_setting('maintenance_work_mem') as maintenance_work_mem`;

describe('embedded database memory', () => {
  it('creates a data directory whose PostgreSQL runs with 16 MB of shared buffers and maintenance_work_mem, and keeps them in its postgresql.conf', async () => {
    const dataDir = path.join(root, 'pglite');
    const db = await createPgliteDb(dataDir);
    try {
      expect((await db.query(memorySettings)).rows).toEqual([{ shared_buffers: '16MB', maintenance_work_mem: '16MB' }]);
    } finally {
      await db.close();
    }
    const conf = readFileSync(path.join(dataDir, 'postgresql.conf'), 'utf8');
    expect(conf).toMatch(/^shared_buffers = 16MB\b/m);
    expect(conf).toMatch(/^maintenance_work_mem = 16MB\b/m);
  });

  it('uses the same settings for a database kept in memory', async () => {
    const db = await createPgliteDb();
    try {
      expect((await db.query(memorySettings)).rows).toEqual([{ shared_buffers: '16MB', maintenance_work_mem: '16MB' }]);
    } finally {
      await db.close();
    }
  });
});
