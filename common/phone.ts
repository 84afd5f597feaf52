/**
 * Phone rules shared by the server and the browser.
 * We accept only Indian mobiles in E.164: `+91` then 10 digits starting 6–9.
 * The server additionally parses with libphonenumber-js (server/sms/phone.ts).
 */
export const INDIAN_MOBILE_E164 = /^\+91[6-9]\d{9}$/;

export const PHONE_FORMAT_HINT =
  'Enter an Indian mobile number as +91 followed by 10 digits starting with 6, 7, 8 or 9, e.g. +919876543210.';

/**
 * Turns what people type into the national field (spaces, dashes, a leading 0, an optional 91 or +91)
 * into E.164, or null when it cannot be an Indian mobile. Used by the phone inputs in the browser.
 */
export function normalizeTypedIndianMobile(typed: string): string | null {
  let digits = typed.trim().replace(/[\s\-().]/g, '');
  if (digits.startsWith('+91')) digits = digits.slice(3);
  else if (digits.startsWith('0091')) digits = digits.slice(4);
  else if (digits.length === 12 && digits.startsWith('91')) digits = digits.slice(2);
  else if (digits.length === 11 && digits.startsWith('0')) digits = digits.slice(1);
  const e164 = `+91${digits}`;
  return INDIAN_MOBILE_E164.test(e164) ? e164 : null;
}

/** `+919876543210` → `+91******3210`: what lists and logs show. */
export function maskPhone(phone: string): string {
  if (phone.length <= 7) return phone.replace(/\d/g, '*');
  return phone.slice(0, 3) + '*'.repeat(phone.length - 7) + phone.slice(-4);
}
