import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startProcess } from '../../scripts/lib/processes.mjs';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

/** Running, and not a zombie waiting for a parent that does not reap it. */
function isRunning(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
}

async function eventually(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** Pids a test saw; whatever is still running afterwards is ended, so a failing test leaves nothing behind. */
const seen: number[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const pid of seen.splice(0)) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('startProcess', () => {
  it('stop() ends the process and whatever of its process group it left behind', async () => {
    const child = startProcess('leaves a child', process.execPath, [path.join(FIXTURES, 'leavesAChild.mjs')], {
      cwd: FIXTURES,
      env,
    });
    const [, sleeperPid] = await child.waitForOutput(/sleeper (\d+)/, 10_000);
    seen.push(child.pid, Number(sleeperPid));

    await child.stop(5_000);

    expect(child.alive).toBe(false);
    expect(await eventually(() => !isRunning(Number(sleeperPid)), 5_000)).toBe(true);
  });

  it('waitForOutput rejects, with what it printed, when the process exits before printing the line', async () => {
    const child = startProcess('says bye', process.execPath, ['-e', "console.log('bye')"], { cwd: FIXTURES, env });

    await expect(child.waitForOutput(/listening on/, 10_000)).rejects.toThrow(
      /says bye exited \(code 0, signal null\) before printing \/listening on\/:\nbye/,
    );
  });
});

describe('runInPlaceOf (npm start)', () => {
  it('stops its child when the shell that started it dies of a SIGTERM, as when a process manager signals npm', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sms-otp-run-in-place-'));
    dirs.push(dir);
    const signalFile = path.join(dir, 'signal');
    // `; exit $?` keeps the shell from replacing itself with node: it stays the parent, as npm's shell does.
    const script = `'${process.execPath}' '${path.join(FIXTURES, 'runInPlace.mjs')}' '${path.join(FIXTURES, 'recordsSigterm.mjs')}'; exit $?`;
    const shell = startProcess('sh', 'sh', ['-c', script], { cwd: FIXTURES, env: { ...env, SIGNAL_FILE: signalFile } });
    const [, serverPid] = await shell.waitForOutput(/ready (\d+)/, 10_000);
    seen.push(Number(serverPid));

    shell.signal('SIGTERM');

    expect(await eventually(() => existsSync(signalFile), 10_000)).toBe(true);
    expect(readFileSync(signalFile, 'utf8')).toBe('SIGTERM');
    expect(await eventually(() => !isRunning(Number(serverPid)), 5_000)).toBe(true);
  });
});
