/**
 * `npm run user:add`: the CLI run as a child process against PGlite under DATA_DIR and (with
 * TEST_DATABASE_URL) against a PostgreSQL database through DATABASE_URL. A created user can log in;
 * every refusal is one clear line and exit code 1; the password never appears in the output. Typing the
 * password at a hidden prompt needs a real terminal: userCliTerminal.slow.test.ts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Db } from '../../server/db/db.js';
import { createPgliteDb } from '../../server/db/pgliteDb.js';
import { PROJECT_ROOT } from '../../server/paths.js';
import { buildTestApp, useTestDatabase } from '../support/testApp.js';
import { dbKindsUnderTest, type DbKind } from '../support/testDatabases.js';

const TSX = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');
const CLI = path.join(PROJECT_ROOT, 'server', 'auth', 'userCli.ts');
const PASSWORD = 'Saffron-Kite-Lagoon-42';
/** Each run is a new process opening the database; on a busy two-core machine that takes several seconds. */
const CLI_TIMEOUT_MS = 60_000;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  output: string;
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      [CLI, ...args],
      { cwd: PROJECT_ROOT, env, timeout: CLI_TIMEOUT_MS, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr, output: stdout + stderr });
      },
    );
  });
}

/** Runs the CLI with `stdin` piped into its standard input (for --password-stdin). */
function runCliWithStdin(args: string[], env: NodeJS.ProcessEnv, stdin: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      TSX,
      [CLI, ...args],
      { cwd: PROJECT_ROOT, env, timeout: CLI_TIMEOUT_MS, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr, output: stdout + stderr });
      },
    );
    child.stdin!.end(stdin);
  });
}

/** Where the CLI writes, and how the test reads what it wrote, for one database kind. */
interface Target {
  env: () => NodeJS.ProcessEnv;
  /** Opens the database the CLI wrote to (PGlite allows one process at a time: close it before the next run). */
  withDb: <T>(work: (db: Db) => Promise<T>) => Promise<T>;
}

function useCliTarget(kind: DbKind): Target {
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
  const baseEnv = () => {
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', DATA_DIR: dataDir };
    delete env.DATABASE_URL;
    delete env.APP_SECRET;
    return env;
  };

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
    env: () => ({ ...baseEnv(), DATABASE_URL: testDb().url }),
    withDb: (work) => work(testDb().db),
  };
}

describe.each(dbKindsUnderTest())('npm run user:add on %s', { timeout: 2 * CLI_TIMEOUT_MS + 30_000 }, (kind) => {
  const target = useCliTarget(kind);
  // Emails and phones differ per test: the PGlite directory is kept across the tests of this block.
  const email = (name: string) => `${name}.${kind}@example.com`;

  it('creates a user who can then log in, and prints their id, email and role but not the password', async () => {
    const result = await runCli(
      ['--email', email('Meera'), '--password', PASSWORD, '--role', 'admin', '--phone', '+919876500001'],
      target.env(),
    );

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const printed = /^Created user id=([0-9a-f-]{36}) email=(\S+) role=(\S+) in /.exec(result.stdout);
    expect(printed?.slice(2)).toEqual([email('meera'), 'admin']);
    expect(result.output).not.toContain(PASSWORD);

    await target.withDb(async (db) => {
      const app = buildTestApp(db);
      const res = await request(app.app)
        .post('/api/auth/login')
        .send({ email: email('meera'), password: PASSWORD })
        .expect(200);
      expect(res.body).toEqual({
        user: { id: printed![1], email: email('meera'), role: 'admin' },
        redirect: '/dashboard',
      });
      expect(await app.users.findByPhone('+919876500001')).toEqual({
        id: printed![1],
        email: email('meera'),
        role: 'admin',
      });
    });
  });

  it('reads the password from standard input with --password-stdin', async () => {
    const pipedPassword = 'Harbour Lights Ferry 19';
    const result = await runCliWithStdin(
      ['--email', email('Imran'), '--role', 'staff', '--password-stdin'],
      target.env(),
      `${pipedPassword}\n`,
    );

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.output).not.toContain(pipedPassword);
    await target.withDb(async (db) => {
      const app = buildTestApp(db);
      await request(app.app)
        .post('/api/auth/login')
        .send({ email: email('imran'), password: pipedPassword })
        .expect(200);
    });
  });

  it('refuses to guess a password when standard input is not a terminal and no option names one', async () => {
    const result = await runCliWithStdin(
      ['--email', email('nopw'), '--role', 'staff'],
      target.env(),
      'Harbour Lights Ferry 19\n',
    );
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'Error: No password given: run this in a terminal to type it at a hidden prompt, or pipe it in with --password-stdin.',
    );
    await target.withDb(async (db) => {
      expect(await buildTestApp(db).users.findByEmail(email('nopw'))).toBeUndefined();
    });
  });

  it('refuses a role that does not exist, naming the valid ones', async () => {
    const result = await runCli(['--email', email('boss'), '--password', PASSWORD, '--role', 'owner'], target.env());
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('Error: Invalid role "owner". Use one of: super_admin, admin, staff, agent.');
    expect(result.output).not.toContain(PASSWORD);
  });

  it('refuses an email that already has a user, in any case', async () => {
    const first = await runCli(['--email', email('ravi'), '--password', PASSWORD, '--role', 'staff'], target.env());
    expect(first.code).toBe(0);

    const again = await runCli(
      ['--email', email('RAVI'), '--password', `${PASSWORD}-other`, '--role', 'agent'],
      target.env(),
    );

    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe('Error: A user with this email already exists.');
    expect(again.output).not.toContain(PASSWORD);
  });

  it('refuses a phone that belongs to another user, and creates nothing', async () => {
    const phone = '+919876500002';
    expect(
      (
        await runCli(
          ['--email', email('anil'), '--password', PASSWORD, '--role', 'agent', '--phone', phone],
          target.env(),
        )
      ).code,
    ).toBe(0);

    const again = await runCli(
      ['--email', email('sunita'), '--password', PASSWORD, '--role', 'agent', '--phone', phone],
      target.env(),
    );

    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe('Error: This phone number belongs to another user.');
    expect(again.output).not.toContain(PASSWORD);
    await target.withDb(async (db) => {
      expect(await buildTestApp(db).users.findByEmail(email('sunita'))).toBeUndefined();
    });
  });

  it('refuses a weak password without printing it', async () => {
    const weak = 'Qx7#short';
    const result = await runCli(['--email', email('weak'), '--password', weak, '--role', 'staff'], target.env());
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('Error: Weak password: Use at least 10 characters.');
    expect(result.output).not.toContain(weak);
  });

  it('refuses a phone that is not an Indian mobile in E.164', async () => {
    const result = await runCli(
      ['--email', email('phone'), '--password', PASSWORD, '--role', 'staff', '--phone', '98765 43210'],
      target.env(),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Error: Invalid phone: .*\+91/);
  });

  it('refuses missing flags and stray values with usage, never echoing them', async () => {
    const missing = await runCli(['--email', email('flags')], target.env());
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^Error: Missing --role\.\nUsage: npm run user:add -- --email <email> --role </);

    // An unquoted password with a space splits into a stray value: neither part is shown.
    const stray = await runCli(
      ['--email', email('flags'), '--password', 'Saffron', 'Kite-Lagoon-42', '--role', 'staff'],
      target.env(),
    );
    expect(stray.code).toBe(1);
    expect(stray.stderr).toMatch(/^Error: Unexpected extra value/);
    expect(stray.output).not.toContain('Saffron');
    expect(stray.output).not.toContain('Kite-Lagoon');
  });
});
