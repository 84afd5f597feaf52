import { describe, expect, it } from 'vitest';
import {
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  passwordWeakness,
  verifyAgainstDummy,
  verifyPassword,
} from './passwords.js';

describe('passwordWeakness', () => {
  it('accepts a long, varied password', () => {
    expect(passwordWeakness('correct horse battery staple')).toBeNull();
    expect(passwordWeakness('Tr0ub4dor&3x', 'someone@example.com')).toBeNull();
  });

  it(`refuses fewer than ${MIN_PASSWORD_LENGTH} characters`, () => {
    expect(passwordWeakness('a'.repeat(0))).toBe(`Use at least ${MIN_PASSWORD_LENGTH} characters.`);
    expect(passwordWeakness('Xk3#pQ9!z')).toBe(`Use at least ${MIN_PASSWORD_LENGTH} characters.`);
    expect(passwordWeakness('Xk3#pQ9!zw')).toBeNull();
  });

  it(`refuses more than ${MAX_PASSWORD_LENGTH} characters`, () => {
    const varied = 'abcdefgh12';
    expect(passwordWeakness(varied.repeat(26).slice(0, MAX_PASSWORD_LENGTH))).toBeNull();
    expect(passwordWeakness(varied.repeat(26).slice(0, MAX_PASSWORD_LENGTH + 1))).toBe(
      `Use at most ${MAX_PASSWORD_LENGTH} characters.`,
    );
  });

  it('refuses a password made of fewer than 4 different characters', () => {
    expect(passwordWeakness('aaaaaaaaaaaa')).toBe('Use more varied characters.');
    expect(passwordWeakness('abcabcabcabc')).toBe('Use more varied characters.');
    expect(passwordWeakness('abcdabcdabcd')).toBeNull();
  });

  it('refuses well-known passwords, in any case', () => {
    expect(passwordWeakness('password123')).toBe('This password is too common.');
    expect(passwordWeakness('QWERTYUIOP')).toBe('This password is too common.');
  });

  it('refuses a password containing the local part of the email', () => {
    expect(passwordWeakness('my-priya.k-password', 'Priya.K@example.com')).toBe(
      'Do not use your email address in the password.',
    );
    // Local parts shorter than 4 characters are too likely to appear by chance.
    expect(passwordWeakness('bob-was-here-2026', 'bob@example.com')).toBeNull();
  });

  it('never includes the password in its answer', () => {
    for (const password of ['short1', 'aaaaaaaaaaaa', 'password123', 'x-alice-x-secret']) {
      expect(passwordWeakness(password, 'alice@example.com') ?? '').not.toContain(password);
    }
  });
});

describe('hashPassword / verifyPassword', () => {
  it('hashes with argon2id (OWASP parameters: 19 MiB, 2 iterations, 1 lane) and a random salt', async () => {
    const first = await hashPassword('correct horse battery staple');
    const second = await hashPassword('correct horse battery staple');
    expect(first).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    expect(second).not.toBe(first);
    expect(first).not.toContain('correct horse');
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(hash, 'correct horse battery stapler')).toBe(false);
    expect(await verifyPassword(hash, '')).toBe(false);
  });

  it('treats a malformed hash as a mismatch instead of throwing', async () => {
    expect(await verifyPassword('not-a-phc-string', 'anything at all')).toBe(false);
  });

  it('spends a real verification on unknown accounts and always answers false', async () => {
    expect(await verifyAgainstDummy('dummy password for timing equality')).toBe(false);
    expect(await verifyAgainstDummy('anything else')).toBe(false);
  });
});
