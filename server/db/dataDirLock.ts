import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';

/**
 * PGlite is one process's database: a second process opening the same files (a CLI while the server
 * runs) would work on its own copy and lose writes. A lock file holding the owner's pid prevents that;
 * a lock left by a process that no longer exists is taken over.
 */
export function acquireDataDirLock(lockPath: string, describe: string): () => void {
  const mine = String(process.pid);
  try {
    writeFileSync(lockPath, mine, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = Number(readFileSync(lockPath, 'utf8').trim());
    if (owner && owner !== process.pid && isRunning(owner)) {
      throw new Error(`${describe} is in use by process ${owner}. Stop that process first, or use DATABASE_URL.`, {
        cause: error,
      });
    }
    writeFileSync(lockPath, mine);
  }
  return () => {
    try {
      if (readFileSync(lockPath, 'utf8').trim() === mine) unlinkSync(lockPath);
    } catch {
      // Already gone.
    }
  };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
