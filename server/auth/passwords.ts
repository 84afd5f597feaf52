import { hash, verify } from '@node-rs/argon2';

/** OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane (argon2id is the library's default algorithm). */
const ARGON2_OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 256;
/** Fewer different characters than this (aaaaaaaaaa, ababababab) is refused whatever the length. */
const MIN_DISTINCT_CHARACTERS = 4;
/** An email local part shorter than this is not looked for in the password: it would match by chance. */
const MIN_CHECKED_LOCAL_PART_CHARACTERS = 4;

const COMMON_PASSWORDS = new Set([
  '1234567890',
  '0123456789',
  '1111111111',
  'password123',
  'password1234',
  'qwertyuiop',
  'qwerty12345',
  'iloveyou123',
  'admin12345',
  'welcome123',
  'abcdefghij',
  'letmein123',
]);

/** Why a password is too weak (NIST 800-63B style: length and known-bad values, no composition rules), or null. */
export function passwordWeakness(password: string, email?: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `Use at most ${MAX_PASSWORD_LENGTH} characters.`;
  if (new Set(password).size < MIN_DISTINCT_CHARACTERS) return 'Use more varied characters.';
  if (COMMON_PASSWORDS.has(password.toLowerCase())) return 'This password is too common.';
  const localPart = email?.split('@')[0]?.toLowerCase();
  if (
    localPart &&
    localPart.length >= MIN_CHECKED_LOCAL_PART_CHARACTERS &&
    password.toLowerCase().includes(localPart)
  ) {
    return 'Do not use your email address in the password.';
  }
  return null;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false; // malformed hash: treat as a mismatch, never as a crash
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real check, for logins with an unknown email, so response times do not
 * reveal which emails have accounts.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword('dummy password for timing equality');
  await verifyPassword(await dummyHash, password);
  return false;
}
