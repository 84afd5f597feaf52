import { describe, expect, it } from 'vitest';
import { PHONE_FORMAT_HINT } from '../../common/phone.js';
import { AppError } from '../http/appError.js';
import { toIndianMobile } from './phone.js';

/** The AppError `toIndianMobile(raw)` throws (fails the test if it returns). */
function rejection(raw: string): AppError {
  try {
    toIndianMobile(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return error as AppError;
  }
  throw new Error(`${JSON.stringify(raw)} was accepted`);
}

describe('toIndianMobile', () => {
  it.each([
    ['+919876543210', '+919876543210'],
    ['  +919876543210  ', '+919876543210'],
    ['\t+916000000000\n', '+916000000000'],
    ['+917000000000', '+917000000000'],
    ['+918999999999', '+918999999999'],
    ['+919999999999', '+919999999999'],
  ])('accepts %j as %s', (raw, e164) => {
    expect(toIndianMobile(raw)).toBe(e164);
  });

  it.each([
    ['10 digits without +91', '9876543210'],
    ['91 without +', '919876543210'],
    ['a leading 0 instead of +91', '09876543210'],
    ['00 instead of +', '00919876543210'],
    ['+91 with 9 digits', '+91987654321'],
    ['+91 with 11 digits', '+9198765432101'],
    ['+91 then 0', '+910876543210'],
    ['+91 then 1', '+911876543210'],
    ['+91 then 2', '+912876543210'],
    ['+91 then 3', '+913876543210'],
    ['+91 then 4', '+914876543210'],
    ['+91 then 5', '+915876543210'],
    ['a US number', '+12025550123'],
    ['a UK mobile', '+447700900123'],
    ['spaces inside', '+91 98765 43210'],
    ['dashes inside', '+91-98765-43210'],
    ['letters', '+91987654321O'],
    ['words', 'my phone'],
    ['Devanagari digits', '+९१९८७६५४३२१०'],
    ['full-width digits', '+９１９８７６５４３２１０'],
    ['Arabic-Indic digits', '+٩١٩٨٧٦٥٤٣٢١٠'],
    ['an empty string', ''],
    ['only spaces', '   '],
    ['only +', '+'],
    ['a plus sign twice', '++919876543210'],
    ['a trailing extension', '+919876543210;ext=1'],
    ['a very long number', `+91${'9'.repeat(40)}`],
  ])('refuses %s (%j) as invalid_phone with the format hint', (_label, raw) => {
    const error = rejection(raw);
    expect(error.code).toBe('invalid_phone');
    expect(error.httpStatus).toBe(400);
    expect(error.message).toBe(PHONE_FORMAT_HINT);
    expect(error.message).toContain('+91');
  });
});
