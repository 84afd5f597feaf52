import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock } from './dataDirLock.js';

const dirs: string[] = [];
function lockPath(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lock-test-'));
  dirs.push(dir);
  return path.join(dir, 'pglite.lock');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('acquireDataDirLock', () => {
  it('writes our pid and removes the lock on release', () => {
    const file = lockPath();
    const release = acquireDataDirLock(file, 'db');
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(file)).toBe(false);
  });

  it('refuses a lock held by another running process, naming it', () => {
    const file = lockPath();
    writeFileSync(file, String(process.ppid));
    expect(() => acquireDataDirLock(file, 'The embedded database in ./data/pglite')).toThrow(
      `The embedded database in ./data/pglite is in use by process ${process.ppid}. Stop that process first, or use DATABASE_URL.`,
    );
  });

  it('takes over a lock left by a process that no longer exists', () => {
    const file = lockPath();
    const exited = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(file, exited);
    const release = acquireDataDirLock(file, 'db');
    expect(readFileSync(file, 'utf8')).toBe(String(process.pid));
    release();
  });
});
