/**
 * `npm run user:add` at a real terminal: the CLI run as a child process in a pseudo-terminal (util-linux
 * `script`), on PGlite under DATA_DIR and (with TEST_DATABASE_URL) on PostgreSQL through DATABASE_URL. The
 * password is typed twice at a hidden prompt and never shown. Every other case runs in-process: userCli.test.ts.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../server/paths.js';
import { buildTestApp } from '../support/testApp.js';
import { dbKindsUnderTest } from '../support/testDatabases.js';
import { useUserCliTarget } from '../support/userCliTarget.js';

const TSX = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
const CLI = path.join(PROJECT_ROOT, 'server', 'auth', 'userCli.ts');
/** A new process opening the database; on a busy two-core machine that takes several seconds. */
const CLI_TIMEOUT_MS = 60_000;

const shellQuote = (word: string) => `'${word.replaceAll("'", "'\\''")}'`;

/**
 * Runs the CLI in a pseudo-terminal, as a person at a terminal would, typing each of `typed` once the screen
 * shows its prompt. Returns the exit code and everything the terminal showed.
 */
function runCliInTerminal(
  args: string[],
  env: Record<string, string>,
  typed: Array<{ after: string; text: string }>,
): Promise<{ code: number | null; screen: string }> {
  const command = [TSX, CLI, ...args].map(shellQuote).join(' ');
  const child = spawn('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    cwd: PROJECT_ROOT,
    // Where node is, for tsx; nothing else from the shell running the tests (no DATABASE_URL of its own).
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', SHELL: '/bin/sh', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let screen = '';
  const pending = [...typed];
  child.stdout.on('data', (chunk: Buffer) => {
    screen += chunk.toString('utf8');
    // Type only once the prompt is up: the CLI has switched the terminal to raw mode (no echo) by then.
    while (pending[0] && screen.includes(pending[0].after)) child.stdin.write(`${pending.shift()!.text}\r`);
  });
  child.stderr.on('data', (chunk: Buffer) => void (screen += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}

describe.each(dbKindsUnderTest())(
  'npm run user:add in a terminal on %s',
  { timeout: CLI_TIMEOUT_MS + 30_000 },
  (kind) => {
    const target = useUserCliTarget(kind);

    it('asks for the password twice at a hidden prompt, and never shows it', async () => {
      const email = `kavya.${kind}@example.com`;
      const typedPassword = 'Monsoon Tea Garden 7';
      const result = await runCliInTerminal(['--email', email, '--role', 'agent'], target.env(), [
        { after: 'Password:', text: typedPassword },
        { after: 'Repeat the password:', text: typedPassword },
      ]);

      expect(result.screen).toMatch(/Created user id=[0-9a-f-]{36} email=kavya\.\w+@example\.com role=agent/);
      expect(result.code).toBe(0);
      expect(result.screen).not.toContain('Monsoon');
      await target.withDb(async (db) => {
        const app = buildTestApp(db);
        await request(app.app).post('/api/auth/login').send({ email, password: typedPassword }).expect(200);
      });
    });
  },
);
