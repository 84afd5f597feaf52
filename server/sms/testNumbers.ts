/**
 * Test numbers (SMS_TEST_NUMBERS): phones that take a fixed code instead of an SMS, for app store review,
 * demos and uptime checks. The OTP service never sends them anything through 2Factor and books none of the send
 * limits for them (no SMS, no spend); their sessions and attempt caps work as for any other phone.
 * Configured values are kept here only: codes are never logged, and lists show phones masked.
 */
import { maskPhone } from '../../common/phone.js';
import type { TestNumberEntry } from '../config.js';

export interface TestNumbers {
  /** The fixed code of `phone` (E.164), or undefined when it is not a test number. */
  codeFor(phone: string): string | undefined;
  /** The test numbers, masked (`+91******0001`), for the admin page. */
  masked(): string[];
}

export function createTestNumbers(entries: readonly TestNumberEntry[]): TestNumbers {
  const codes = new Map(entries.map((entry) => [entry.phone, entry.code]));
  return {
    codeFor: (phone) => codes.get(phone),
    masked: () => [...codes.keys()].map(maskPhone),
  };
}
