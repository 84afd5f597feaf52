import { createHmac, hkdfSync, randomInt, timingSafeEqual } from 'node:crypto';

export const OTP_DIGITS = 6;

/** A uniformly random 6-digit code from the CSPRNG (leading zeros kept). */
export function generateOtp(): string {
  return randomInt(0, 10 ** OTP_DIGITS)
    .toString()
    .padStart(OTP_DIGITS, '0');
}

/**
 * Template mode keeps only an HMAC of the code, bound to its session, under a key derived from APP_SECRET:
 * a database dump reveals no codes, and a code cannot be replayed on another session.
 */
export function createOtpHasher(appSecret: string) {
  const key = Buffer.from(hkdfSync('sha256', appSecret, 'sms-otp', 'otp-code-hmac-v1', 32));
  const hash = (sessionId: string, code: string) =>
    createHmac('sha256', key).update(`${sessionId}:${code}`).digest('hex');
  return {
    hash,
    /** Constant-time comparison. */
    matches(sessionId: string, code: string, expectedHmac: string): boolean {
      const actual = Buffer.from(hash(sessionId, code), 'hex');
      const expected = Buffer.from(expectedHmac, 'hex');
      return actual.length === expected.length && timingSafeEqual(actual, expected);
    },
  };
}

export type OtpHasher = ReturnType<typeof createOtpHasher>;
