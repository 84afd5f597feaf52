import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { PHONE_FORMAT_HINT } from '../../common/phone.js';
import { AppError } from '../http/appError.js';

/**
 * The one gate every phone passes before it is stored or sent to 2Factor: E.164 (`+91` then 10 digits
 * starting 6–9, surrounding whitespace ignored), parsed by libphonenumber-js so the stored form is canonical.
 * Anything else is `invalid_phone` and costs no provider call.
 */
export function toIndianMobile(raw: string): string {
  const trimmed = raw.trim();
  if (!/^\+[0-9]{6,15}$/.test(trimmed)) throw invalidPhone();
  const parsed = parsePhoneNumberFromString(trimmed);
  if (!parsed || parsed.countryCallingCode !== '91' || !/^[6-9][0-9]{9}$/.test(parsed.nationalNumber)) {
    throw invalidPhone();
  }
  return parsed.number;
}

function invalidPhone(): AppError {
  return new AppError('invalid_phone', PHONE_FORMAT_HINT);
}
