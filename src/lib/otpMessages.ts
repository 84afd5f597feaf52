import type { ApiError } from '@/api/client';

/** 1 → "1 attempt left", 3 → "3 attempts left". */
export function attemptsLeftText(attemptsLeft: number): string {
  return `${attemptsLeft} ${attemptsLeft === 1 ? 'attempt' : 'attempts'} left`;
}

/**
 * What to tell a person whose code was refused. The codes that end the session (expired, used or unknown,
 * too many attempts) all end the same way: ask for a new code, because retrying that one cannot succeed.
 */
export function verifyErrorMessage(error: ApiError): string {
  switch (error.status) {
    case 'otp_mismatch':
      if (error.attempts_left === undefined) return 'That code is not right. Check the SMS and try again.';
      return error.attempts_left > 0
        ? `That code is not right. ${attemptsLeftText(error.attempts_left)}.`
        : 'That code is not right, and no attempts are left. Send a new code.';
    case 'otp_expired':
      return 'This code has expired. Send a new code.';
    case 'too_many_attempts':
      return 'Too many wrong codes: this code can no longer be used. Send a new code.';
    case 'session_not_found':
      return 'This code is no longer valid (it was already used or replaced). Send a new code.';
    default:
      return error.message;
  }
}

/** Verify answers after which the session can never verify: only a new code helps. */
export function endsOtpSession(error: ApiError): boolean {
  return (
    error.status === 'otp_expired' ||
    error.status === 'session_not_found' ||
    error.status === 'too_many_attempts' ||
    (error.status === 'otp_mismatch' && error.attempts_left === 0)
  );
}
