import { describe, expect, it } from 'vitest';
import { classifyBalanceAnswer, classifySendAnswer, classifyVerifyAnswer } from './classifyAnswer.js';

const body = (Status: string, Details: string) => JSON.stringify({ Status, Details });

describe('classifyVerifyAnswer', () => {
  it('treats 200 {Status: Success, Details: "OTP Matched"} as matched', () => {
    expect(classifyVerifyAnswer(200, body('Success', 'OTP Matched'))).toEqual({
      ok: true,
      value: { outcome: 'matched' },
      details: 'OTP Matched',
    });
  });

  it('reads the JSON body of HTTP 400 "OTP Mismatch" as a mismatch, not a transport error', () => {
    expect(classifyVerifyAnswer(400, body('Error', 'OTP Mismatch'))).toMatchObject({
      ok: true,
      value: { outcome: 'mismatch' },
    });
  });

  it('treats "OTP Expired" with Status Success as expired, not verified', () => {
    expect(classifyVerifyAnswer(200, body('Success', 'OTP Expired'))).toMatchObject({
      ok: true,
      value: { outcome: 'expired' },
    });
  });

  it('treats "OTP Expired" with Status Error as expired too', () => {
    expect(classifyVerifyAnswer(400, body('Error', 'OTP Expired'))).toMatchObject({
      ok: true,
      value: { outcome: 'expired' },
    });
  });

  it('reads HTTP 400 "Invalid API / SessionId Combination - No Entry Exists" as session_not_found', () => {
    expect(
      classifyVerifyAnswer(400, body('Error', 'Invalid API / SessionId Combination - No Entry Exists')),
    ).toMatchObject({
      ok: true,
      value: { outcome: 'session_not_found' },
    });
  });

  it('recognises "No Entry Exists" loosely (case, wording around it)', () => {
    expect(classifyVerifyAnswer(400, body('Error', 'SessionId - no entry exists'))).toMatchObject({
      value: { outcome: 'session_not_found' },
    });
  });

  it.each([200, 400, 401, 403])('rejects "Invalid API Key" on HTTP %i with the provider text', (httpStatus) => {
    expect(classifyVerifyAnswer(httpStatus, body('Error', 'Invalid API Key'))).toEqual({
      ok: false,
      kind: 'rejected',
      details: 'Invalid API Key',
    });
  });

  it('does not verify an unknown Success text (rejected, not matched)', () => {
    expect(classifyVerifyAnswer(200, body('Success', 'OTP Verified Successfully'))).toEqual({
      ok: false,
      kind: 'rejected',
      details: 'OTP Verified Successfully',
    });
  });

  it('does not verify "OTP Matched" with Status Error', () => {
    expect(classifyVerifyAnswer(200, body('Error', 'OTP Matched'))).toMatchObject({ ok: false, kind: 'rejected' });
  });

  it('does not verify "OTP Matched" arriving on a 4xx', () => {
    expect(classifyVerifyAnswer(400, body('Success', 'OTP Matched'))).toMatchObject({ ok: false, kind: 'rejected' });
  });

  it('does not verify a Details that only resembles "OTP Matched"', () => {
    for (const details of ['otp matched', 'OTP Matched ', 'OTP Matched!', 'OTP Matched?No']) {
      expect(classifyVerifyAnswer(200, body('Success', details)).ok).toBe(false);
    }
  });

  it('rejects an empty Details with a readable placeholder', () => {
    expect(classifyVerifyAnswer(200, body('Error', ''))).toEqual({
      ok: false,
      kind: 'rejected',
      details: '(empty Details)',
    });
  });
});

describe('what every call treats as no usable answer (unavailable)', () => {
  const classifiers = { classifyVerifyAnswer, classifySendAnswer, classifyBalanceAnswer };

  describe.each(Object.entries(classifiers))('%s', (_name, classify) => {
    it.each([500, 502, 503, 504])('HTTP %i is unavailable whatever the body', (httpStatus) => {
      expect(classify(httpStatus, body('Success', 'OTP Matched'))).toEqual({
        ok: false,
        kind: 'unavailable',
        details: `HTTP ${httpStatus} from provider`,
      });
      expect(classify(httpStatus, '<html>Bad Gateway</html>')).toMatchObject({ ok: false, kind: 'unavailable' });
    });

    it('an HTML page on HTTP 200 is an unreadable answer', () => {
      expect(classify(200, '<!DOCTYPE html><html></html>')).toEqual({
        ok: false,
        kind: 'unavailable',
        details: 'unreadable answer (HTTP 200)',
      });
    });

    it('truncated JSON is an unreadable answer', () => {
      expect(classify(200, '{"Status":"Success","Deta')).toMatchObject({ ok: false, kind: 'unavailable' });
    });

    it('an empty body is an unreadable answer, on 2xx and 4xx alike', () => {
      expect(classify(200, '')).toMatchObject({ ok: false, kind: 'unavailable' });
      expect(classify(400, '')).toEqual({ ok: false, kind: 'unavailable', details: 'unreadable answer (HTTP 400)' });
    });

    it.each([
      ['a missing Details', '{"Status":"Success"}'],
      ['a missing Status', '{"Details":"OTP Matched"}'],
      ['a numeric Details', '{"Status":"Success","Details":500}'],
      ['an unknown Status', '{"Status":"OK","Details":"OTP Matched"}'],
      ['a JSON array', '[]'],
      ['JSON null', 'null'],
    ])('%s is an unreadable answer', (_case, text) => {
      expect(classify(200, text)).toMatchObject({ ok: false, kind: 'unavailable' });
    });

    it('HTTP 429 is unavailable (throttled: transient), even with a readable Error body', () => {
      expect(classify(429, body('Error', 'Too many requests'))).toEqual({
        ok: false,
        kind: 'unavailable',
        details: 'HTTP 429: Too many requests',
      });
    });

    it('an unexpected status (1xx/3xx) is unavailable', () => {
      expect(classify(304, body('Success', 'x'))).toMatchObject({ ok: false, kind: 'unavailable' });
    });
  });
});

describe('classifySendAnswer (AUTOGEN and TSMS)', () => {
  it('takes Details as the provider session id on Success', () => {
    expect(classifySendAnswer(200, body('Success', '3f7c1c4e-8a47-4d8a-9e0c-2f0b0c1d2e3f'))).toEqual({
      ok: true,
      value: { providerSessionId: '3f7c1c4e-8a47-4d8a-9e0c-2f0b0c1d2e3f' },
      details: '3f7c1c4e-8a47-4d8a-9e0c-2f0b0c1d2e3f',
    });
  });

  it('ignores extra fields such as AUTOGEN2\'s "OTP"', () => {
    expect(classifySendAnswer(200, JSON.stringify({ Status: 'Success', Details: 'sid', OTP: '123456' }))).toMatchObject(
      {
        ok: true,
        value: { providerSessionId: 'sid' },
      },
    );
  });

  it.each([
    [400, 'Invalid Phone Number - Length Mismatch(Expected: 10)'],
    [200, 'Invalid API Key'],
    [401, 'Invalid API Key'],
    [200, 'Missing templatename value'],
    [400, 'Incorrect sender id and templatename provided'],
  ])('rejects HTTP %i "%s" with the provider text', (httpStatus, details) => {
    expect(classifySendAnswer(httpStatus, body('Error', details))).toEqual({ ok: false, kind: 'rejected', details });
  });

  it('treats Success without a session id as unusable', () => {
    expect(classifySendAnswer(200, body('Success', '  '))).toMatchObject({ ok: false, kind: 'unavailable' });
  });

  it('treats Success on a 4xx as contradictory, not as sent', () => {
    expect(classifySendAnswer(400, body('Success', 'sid'))).toMatchObject({ ok: false, kind: 'unavailable' });
  });
});

describe('classifyBalanceAnswer', () => {
  it('returns Details as the balance text', () => {
    expect(classifyBalanceAnswer(200, body('Success', '500'))).toEqual({
      ok: true,
      value: { balance: '500' },
      details: '500',
    });
  });

  it('rejects "Invalid API Key"', () => {
    expect(classifyBalanceAnswer(200, body('Error', 'Invalid API Key'))).toEqual({
      ok: false,
      kind: 'rejected',
      details: 'Invalid API Key',
    });
  });
});
