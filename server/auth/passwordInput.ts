/**
 * Where the users CLI gets a new user's password, safest first:
 * - a hidden prompt (typed twice) when standard input is a terminal and no password option is given;
 * - standard input with `--password-stdin`, for scripts (`printf '%s' "$PW" | npm run user:add -- … --password-stdin`);
 * - `--password <value>`, kept for old scripts, although the value lands in shell history and in `ps`.
 * Problems are PasswordInputError, worded for the person at the terminal; the password is never echoed.
 */
import { read } from 'read';

export class PasswordInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PasswordInputError';
  }
}

export interface PasswordOptions {
  password: string | undefined;
  passwordStdin: boolean;
}

export interface PasswordIo {
  /** Standard input: the terminal to prompt on, or the pipe `--password-stdin` reads. */
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Where prompts go (standard error, so standard output keeps only the result). */
  prompts: NodeJS.WritableStream;
}

/** More than any password a person or a script means: `--password-stdin` stops reading there. */
const MAX_STDIN_BYTES = 4096;

export async function obtainPassword(options: PasswordOptions, io: PasswordIo): Promise<string> {
  if (options.password !== undefined && options.passwordStdin) {
    throw new PasswordInputError('Use --password-stdin or --password, not both.');
  }
  if (options.password !== undefined) return options.password;
  if (options.passwordStdin) return readPasswordFromStream(io.input);
  if (io.input.isTTY) return promptForPassword(io);
  throw new PasswordInputError(
    'No password given: run this in a terminal to type it at a hidden prompt, or pipe it in with --password-stdin.',
  );
}

/** The whole stream as one line; one trailing line break (from `echo` or a file) is not part of the password. */
async function readPasswordFromStream(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of input) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    bytes += buffer.length;
    if (bytes > MAX_STDIN_BYTES)
      throw new PasswordInputError(
        `Standard input holds more than ${MAX_STDIN_BYTES} bytes: pipe in the password only.`,
      );
    chunks.push(buffer);
  }
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (password === '')
    throw new PasswordInputError('Standard input was empty: pipe the password into --password-stdin.');
  if (/[\r\n]/.test(password))
    throw new PasswordInputError('Standard input holds several lines: pipe in the password only, on one line.');
  return password;
}

async function promptForPassword(io: PasswordIo): Promise<string> {
  const ask = async (prompt: string) => {
    try {
      return await read({ prompt, silent: true, replace: '', input: io.input, output: io.prompts, terminal: true });
    } catch {
      // Ctrl-C or Ctrl-D at the prompt.
      throw new PasswordInputError('Cancelled: no user was created.');
    } finally {
      // The Enter the person typed was hidden with the rest; end the prompt's line.
      io.prompts.write('\n');
    }
  };
  const password = await ask('Password:');
  if (password === '') throw new PasswordInputError('No password typed: no user was created.');
  const repeated = await ask('Repeat the password:');
  if (repeated !== password) throw new PasswordInputError('The two passwords differ: no user was created.');
  return password;
}
