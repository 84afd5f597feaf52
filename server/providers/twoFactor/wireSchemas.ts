/**
 * What 2Factor.in puts on the wire, as zod schemas. Shared by the client (to read answers) and the simulator
 * (to write them), so the two cannot drift apart. These types never leave `providers/twoFactor/`.
 *
 * Every answer but delivery reports (XML) is `{"Status":"Success"|"Error","Details":"<string>"}`; `Details`
 * is always a string, balances included. Extra fields (AUTOGEN2's `"OTP"`) are allowed and dropped: we never
 * want the code, and nothing else is documented.
 */
import { z } from 'zod';

export const twoFactorAnswerSchema = z.object({
  Status: z.enum(['Success', 'Error']),
  Details: z.string(),
});

export type TwoFactorAnswer = z.infer<typeof twoFactorAnswerSchema>;

/**
 * Parses a body text into a 2Factor answer, or `undefined` when it is not one (HTML error page, truncated
 * JSON, missing or mistyped fields). Never throws: an unreadable answer is an outcome, not a bug.
 */
export function parseTwoFactorAnswer(bodyText: string): TwoFactorAnswer | undefined {
  let json: unknown;
  try {
    json = JSON.parse(bodyText);
  } catch {
    return undefined;
  }
  const parsed = twoFactorAnswerSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** The exact texts 2Factor is known to send (see /work/shared/2factor-api.md, "Known error strings"). */
export const TWO_FACTOR_TEXT = {
  otpMatched: 'OTP Matched',
  otpMismatch: 'OTP Mismatch',
  otpExpired: 'OTP Expired',
  noSession: 'Invalid API / SessionId Combination - No Entry Exists',
  invalidApiKey: 'Invalid API Key',
  phoneLengthMismatch: 'Invalid Phone Number - Length Mismatch(Expected: 10)',
  missingTemplateName: 'Missing templatename value',
  senderOrTemplateNotMapped: 'Incorrect sender id and templatename provided',
} as const;
