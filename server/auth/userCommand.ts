/**
 * The users CLI (`npm run user:add`, entry userCli.ts): creates a user in the configured database
 * (DATABASE_URL, or PGlite under DATA_DIR), migrating it first:
 *
 *   npm run user:add -- --email <email> --role <role> [--phone +91XXXXXXXXXX]     (asks for the password)
 *   … | npm run user:add -- --email <email> --role <role> --password-stdin         (scripts)
 *   npm run user:add -- --email <email> --role <role> --password <password>        (less safe: history, ps)
 *
 * See passwordInput.ts for where the password comes from. Prints the new user's id, email and role. Any
 * problem (missing flag, bad role, weak password, bad phone, email or phone already taken) is one line on
 * stderr and exit code 1. The password is never printed.
 * With the embedded database, stop the server first: PGlite allows one process at a time; the database is
 * closed before runUserCli returns.
 *
 * The environment and the standard streams are passed in, so the command runs the same inside a test process.
 */
import { parseArgs } from 'node:util';
import { ROLES } from '../../common/roles.js';
import { loadConfig } from '../config.js';
import type { Db } from '../db/db.js';
import { describeDatabase } from '../db/describeDatabase.js';
import { runMigrations } from '../db/migrations.js';
import { openDb } from '../db/openDb.js';
import { createUsersRepository, DuplicateUserError } from '../db/usersRepository.js';
import { MIGRATIONS_DIR } from '../paths.js';
import { createUser, InvalidUserError, validateNewUser } from './createUser.js';
import { obtainPassword, PasswordInputError } from './passwordInput.js';

const USAGE = [
  `Usage: npm run user:add -- --email <email> --role <${ROLES.join('|')}> [--phone +91XXXXXXXXXX] [--password-stdin | --password <password>]`,
  'Without a password option it asks for the password at a hidden prompt. --password-stdin reads it from standard input;',
  '--password puts it in your shell history and the process list: prefer the other two.',
].join('\n');

/** Where the command reads its settings and password and writes its output: the process's own, or a test's. */
export interface UserCliIo {
  /** The environment the database settings are read from. */
  env: NodeJS.ProcessEnv;
  /** The terminal for the hidden prompt, or the pipe that --password-stdin reads. */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** The created user's line. */
  stdout: NodeJS.WritableStream;
  /** Prompts, usage and refusals. */
  stderr: NodeJS.WritableStream;
}

/** A mistake in the command line or the input: reported as one line, exit code 1. */
class UsageError extends Error {}

interface UserArgs {
  email: string;
  role: string;
  phone: string | undefined;
  password: string | undefined;
  passwordStdin: boolean;
}

function parseUserArgs(argv: string[]): UserArgs | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        email: { type: 'string' },
        password: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        role: { type: 'string' },
        phone: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    const code = (error as { code?: string }).code;
    // Never echo a stray value: it may be the tail of a password with an unquoted space.
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      throw new UsageError('Unexpected extra value on the command line (quote values that contain spaces).');
    }
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'([^']+)'/.exec((error as Error).message)?.[1];
      throw new UsageError(`Unknown option${option?.startsWith('-') ? ` ${option}` : ''}.`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const option = /'(--[a-z]+)/.exec((error as Error).message)?.[1];
      throw new UsageError(option ? `Option ${option} needs a value.` : 'An option is missing its value.');
    }
    throw new UsageError('Could not read the command line.');
  }
  if (values.help) return 'help';
  const missing = (['email', 'role'] as const).filter((name) => !values[name]);
  if (missing.length > 0) throw new UsageError(`Missing ${missing.map((name) => `--${name}`).join(', ')}.`);
  return {
    email: values.email!,
    role: values.role!,
    phone: values.phone,
    password: values.password,
    passwordStdin: values['password-stdin'] ?? false,
  };
}

/**
 * Runs `user:add` with the arguments after the command name and returns its exit code: 0 when the user was
 * created (or for --help), 1 for a refusal, already reported on io.stderr as one line. A ConfigError or an
 * unexpected failure is thrown for the caller to report.
 */
export async function runUserCli(argv: string[], io: UserCliIo): Promise<number> {
  const print = (stream: NodeJS.WritableStream, text: string) => stream.write(`${text}\n`);
  let args: UserArgs | 'help';
  try {
    args = parseUserArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      print(io.stderr, `Error: ${error.message}\n${USAGE}`);
      return 1;
    }
    throw error;
  }
  if (args === 'help') {
    print(io.stdout, USAGE);
    return 0;
  }

  let db: Db | undefined;
  try {
    const password = await obtainPassword(args, { input: io.stdin, prompts: io.stderr });
    const input = { email: args.email, role: args.role, phone: args.phone, password };
    validateNewUser(input); // before opening the database: a typo is answered at once
    const config = loadConfig(io.env);
    db = await openDb(config);
    await runMigrations(db, MIGRATIONS_DIR);
    const user = await createUser(createUsersRepository(db), input);
    print(io.stdout, `Created user id=${user.id} email=${user.email} role=${user.role} in ${describeDatabase(config)}`);
    return 0;
  } catch (error) {
    if (
      error instanceof InvalidUserError ||
      error instanceof DuplicateUserError ||
      error instanceof PasswordInputError
    ) {
      print(io.stderr, `Error: ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await db?.close();
  }
}
