/**
 * `npm run user:add`: the command (runUserCli) run in this process with its own standard streams, against
 * PGlite under DATA_DIR and (with TEST_DATABASE_URL) against a PostgreSQL database through DATABASE_URL.
 * A created user can log in; every refusal is one clear line and exit code 1; the password never appears in
 * the output. Typing the password at a hidden prompt needs a real terminal: userCliTerminal.slow.test.ts.
 */
import { Readable, Writable } from 'node:stream';
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { runUserCli } from '../../server/auth/userCommand.js';
import { buildTestApp } from '../support/testApp.js';
import { dbKindsUnderTest } from '../support/testDatabases.js';
import { useUserCliTarget } from '../support/userCliTarget.js';

const PASSWORD = 'Saffron-Kite-Lagoon-42';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  output: string;
}

/** A standard output or error that keeps what was written to it. */
function capture() {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/**
 * Runs the command with `args`, its environment `env`, and `stdin` as its standard input: a pipe, not a
 * terminal (empty unless given, for --password-stdin).
 */
async function runCli(args: string[], env: Record<string, string>, stdin = ''): Promise<CliResult> {
  const stdout = capture();
  const stderr = capture();
  // Anything written past `io` (a stray console.log, a logger on the process's own streams) is caught too.
  const stray: string[] = [];
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stray.push(String(chunk)), true)),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stray.push(String(chunk)), true)),
    ...(['log', 'info', 'warn', 'error'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((...parts: unknown[]) => void stray.push(parts.join(' '))),
    ),
  ];
  let code: number;
  try {
    code = await runUserCli(args, {
      env,
      stdin: Readable.from(stdin === '' ? [] : [Buffer.from(stdin)]),
      stdout: stdout.stream,
      stderr: stderr.stream,
    });
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  expect(stray, 'the command writes only through io').toEqual([]);
  return { code, stdout: stdout.text(), stderr: stderr.text(), output: stdout.text() + stderr.text() };
}

describe.each(dbKindsUnderTest())('npm run user:add on %s', (kind) => {
  const target = useUserCliTarget(kind);
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
    const result = await runCli(
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
    const result = await runCli(
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
