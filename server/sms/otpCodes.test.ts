import { randomUUID } from 'node:crypto';
import type * as NodeCrypto from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { createOtpHasher, generateOtp, OTP_DIGITS } from './otpCodes.js';

const { timingSafeEqual } = vi.hoisted(() => ({ timingSafeEqual: vi.fn() }));
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof NodeCrypto>();
  timingSafeEqual.mockImplementation(crypto.timingSafeEqual);
  return { ...crypto, timingSafeEqual };
});

const SECRET = 'otp-codes-test-secret-0123456789abcdef';

describe('generateOtp', () => {
  it('makes 6 ASCII digits every time', () => {
    expect(OTP_DIGITS).toBe(6);
    for (let i = 0; i < 2_000; i++) expect(generateOtp()).toMatch(/^[0-9]{6}$/);
  });

  it('keeps leading zeros and uses every digit in every position', () => {
    const codes = Array.from({ length: 5_000 }, generateOtp);
    // P(no code under 100000 in 5000 draws) = 0.9^5000: never.
    expect(codes.some((code) => code.startsWith('0'))).toBe(true);
    for (let position = 0; position < OTP_DIGITS; position++) {
      expect(new Set(codes.map((code) => code[position])).size).toBe(10);
    }
    // 5000 draws from a million: a handful of repeats at most, never a constant.
    expect(new Set(codes).size).toBeGreaterThan(4_900);
  });
});

describe('createOtpHasher', () => {
  const hasher = createOtpHasher(SECRET);

  it('matches the code it hashed for the same session', () => {
    const sessionId = randomUUID();
    const stored = hasher.hash(sessionId, '012345');
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(stored).not.toContain('012345');
    expect(hasher.matches(sessionId, '012345', stored)).toBe(true);
  });

  it('refuses another code, and the same code on another session (no replay across sessions)', () => {
    const sessionId = randomUUID();
    const stored = hasher.hash(sessionId, '482913');
    expect(hasher.matches(sessionId, '482914', stored)).toBe(false);
    expect(hasher.matches(sessionId, '82913', stored)).toBe(false);
    expect(hasher.matches(randomUUID(), '482913', stored)).toBe(false);
    expect(hasher.hash(randomUUID(), '482913')).not.toBe(stored);
  });

  it('depends on APP_SECRET: another secret neither reproduces nor accepts the HMAC', () => {
    const sessionId = randomUUID();
    const stored = hasher.hash(sessionId, '111222');
    const other = createOtpHasher(`${SECRET}-rotated`);
    expect(other.hash(sessionId, '111222')).not.toBe(stored);
    expect(other.matches(sessionId, '111222', stored)).toBe(false);
  });

  it('answers false, without throwing, for stored values of the wrong length or not hex', () => {
    const sessionId = randomUUID();
    const stored = hasher.hash(sessionId, '123456');
    for (const bad of ['', stored.slice(0, 63), stored.slice(0, 62), `${stored}00`, 'zz'.repeat(32), '123456']) {
      expect(hasher.matches(sessionId, '123456', bad)).toBe(false);
    }
  });

  it('compares in constant time: timingSafeEqual on two 32-byte digests, for right and wrong codes alike', async () => {
    // Test files share one module graph (vitest.config.ts: isolate off): load otpCodes afresh so it gets the mock.
    // The mock calls the real timingSafeEqual, so a later file that receives this copy behaves the same.
    vi.resetModules();
    const { createOtpHasher: createWatchedHasher } = await import('./otpCodes.js');
    const hasher = createWatchedHasher(SECRET);
    timingSafeEqual.mockClear();
    const sessionId = randomUUID();
    const stored = hasher.hash(sessionId, '654321');
    expect(hasher.matches(sessionId, '654321', stored)).toBe(true);
    expect(hasher.matches(sessionId, '654320', stored)).toBe(false);
    expect(hasher.matches(sessionId, '999999', stored)).toBe(false);
    expect(timingSafeEqual).toHaveBeenCalledTimes(3);
    for (const [actual, expected] of timingSafeEqual.mock.calls) {
      expect((actual as Buffer).length).toBe(32);
      expect((expected as Buffer).length).toBe(32);
    }
  });

  it('hashes every session and 4–6 digit code to a digest that matches only itself (property)', () => {
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.stringMatching(/^[0-9]{4,6}$/),
        fc.stringMatching(/^[0-9]{4,6}$/),
        (sessionId, code, other) => {
          const stored = hasher.hash(sessionId, code);
          expect(hasher.matches(sessionId, code, stored)).toBe(true);
          expect(hasher.matches(sessionId, other, stored)).toBe(other === code);
        },
      ),
    );
  });
});
