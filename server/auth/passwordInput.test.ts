import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { obtainPassword, PasswordInputError } from './passwordInput.js';

const PASSWORD = 'Saffron Kite Lagoon 42';

/** A stand-in terminal: what is typed goes in `input`; prompts and any echo come out of `screen`. */
function fakeTerminal() {
  const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: vi.fn() });
  const prompts = new PassThrough();
  let screen = '';
  prompts.on('data', (chunk: Buffer) => void (screen += chunk.toString('utf8')));
  /** Types `text` and Enter once the screen shows `prompt`. */
  const typeAt = async (prompt: string, text: string) => {
    await vi.waitFor(() => expect(screen).toContain(prompt));
    input.write(`${text}\r`);
  };
  return { input, prompts, screen: () => screen, typeAt };
}

const stdinOf = (text: string) => Readable.from([Buffer.from(text)]);

describe('obtainPassword', () => {
  it('asks twice at a hidden prompt in a terminal, in raw mode, and never shows what was typed', async () => {
    const terminal = fakeTerminal();
    const answer = obtainPassword({ password: undefined, passwordStdin: false }, terminal);
    await terminal.typeAt('Password:', PASSWORD);
    await terminal.typeAt('Repeat the password:', PASSWORD);

    await expect(answer).resolves.toBe(PASSWORD);
    expect(terminal.input.setRawMode).toHaveBeenCalledWith(true);
    expect(terminal.screen()).not.toContain('Saffron');
  });

  it('refuses two different passwords at the prompt', async () => {
    const terminal = fakeTerminal();
    const answer = obtainPassword({ password: undefined, passwordStdin: false }, terminal);
    await terminal.typeAt('Password:', PASSWORD);
    await terminal.typeAt('Repeat the password:', `${PASSWORD}!`);

    await expect(answer).rejects.toThrow(new PasswordInputError('The two passwords differ: no user was created.'));
    expect(terminal.screen()).not.toContain('Saffron');
  });

  it('refuses an empty password at the prompt without asking again', async () => {
    const terminal = fakeTerminal();
    const answer = obtainPassword({ password: undefined, passwordStdin: false }, terminal);
    await terminal.typeAt('Password:', '');

    await expect(answer).rejects.toThrow('No password typed: no user was created.');
    expect(terminal.screen()).not.toContain('Repeat');
  });

  it.each([
    ['a line from echo', `${PASSWORD}\n`],
    ['a line with CRLF', `${PASSWORD}\r\n`],
    ['no line break', PASSWORD],
  ])('reads --password-stdin from a pipe: %s', async (_case, piped) => {
    await expect(
      obtainPassword(
        { password: undefined, passwordStdin: true },
        { input: stdinOf(piped), prompts: new PassThrough() },
      ),
    ).resolves.toBe(PASSWORD);
  });

  it.each([
    ['empty', '', 'Standard input was empty: pipe the password into --password-stdin.'],
    ['several lines', 'first\nsecond\n', 'Standard input holds several lines: pipe in the password only, on one line.'],
    ['too much', 'x'.repeat(5000), 'Standard input holds more than 4096 bytes: pipe in the password only.'],
  ])('refuses --password-stdin input that is %s', async (_case, piped, message) => {
    await expect(
      obtainPassword(
        { password: undefined, passwordStdin: true },
        { input: stdinOf(piped), prompts: new PassThrough() },
      ),
    ).rejects.toThrow(new PasswordInputError(message));
  });

  it('still takes --password, and refuses it together with --password-stdin', async () => {
    const io = { input: stdinOf(''), prompts: new PassThrough() };
    await expect(obtainPassword({ password: PASSWORD, passwordStdin: false }, io)).resolves.toBe(PASSWORD);
    await expect(obtainPassword({ password: PASSWORD, passwordStdin: true }, io)).rejects.toThrow(
      'Use --password-stdin or --password, not both.',
    );
  });

  it('says how to give the password when standard input is not a terminal and no option names one', async () => {
    await expect(
      obtainPassword(
        { password: undefined, passwordStdin: false },
        { input: stdinOf(`${PASSWORD}\n`), prompts: new PassThrough() },
      ),
    ).rejects.toThrow(/run this in a terminal to type it at a hidden prompt, or pipe it in with --password-stdin/);
  });
});
