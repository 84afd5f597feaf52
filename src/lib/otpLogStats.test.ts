import { describe, expect, it } from 'vitest';
import type { OtpLogItem, OtpLogType } from '../../common/api/sms.js';
import { checksSummary, deliverySummary, otpLogStats, otpLogTone } from '@/lib/otpLogStats';

let nextId = 1;
function row(type: OtpLogType, status: string, responseTimeMs = 100): OtpLogItem {
  return {
    id: nextId++,
    user_id: null,
    phone: '+91******3210',
    session_id: null,
    type,
    origin: 'login',
    status,
    response_time_ms: responseTimeMs,
    details: null,
    created_at: '2026-01-01T10:00:00.000Z',
  };
}

describe('otpLogStats', () => {
  it("keeps delivery health (2Factor's answer to sends) apart from the outcomes of people's code checks", () => {
    const stats = otpLogStats([
      row('autogen', 'sent', 100),
      row('template', 'sent', 300),
      row('autogen', 'provider_error', 200),
      row('template', 'provider_unavailable', 900),
      row('verify', 'verified'),
      row('verify', 'otp_mismatch'),
      row('verify', 'otp_mismatch'),
      row('verify', 'otp_expired'),
      row('verify', 'session_not_found'),
      row('verify', 'provider_unavailable'),
    ]);

    expect(stats.delivery).toEqual({ sends: 4, accepted: 2, refused: 1, unavailable: 1, acceptedPercent: 50 });
    expect(stats.checks).toEqual({
      checks: 6,
      verified: 1,
      wrongCode: 2,
      expired: 1,
      noLongerValid: 1,
      providerFailed: 1,
    });
    expect(stats).toMatchObject({ count: 10, medianMs: 100, maxMs: 900 });
  });

  it('counts wrong codes as the person’s outcome: a healthy provider still shows 100% accepted', () => {
    const stats = otpLogStats([row('autogen', 'sent'), row('verify', 'otp_mismatch'), row('verify', 'otp_mismatch')]);

    expect(deliverySummary(stats.delivery)).toBe('2Factor accepted 1 of 1 send (100%): 0 refused, 0 unavailable.');
    expect(checksSummary(stats.checks)).toBe('2 code checks: 0 verified, 2 wrong codes, 0 expired, 0 no longer valid.');
  });

  it('has no delivery sentence without sends and no checks sentence without checks', () => {
    expect(deliverySummary(otpLogStats([row('verify', 'verified')]).delivery)).toBeNull();
    expect(checksSummary(otpLogStats([row('autogen', 'sent')]).checks)).toBeNull();
    expect(otpLogStats([])).toMatchObject({
      count: 0,
      medianMs: null,
      maxMs: null,
      delivery: { acceptedPercent: null },
    });
  });

  it('names checks 2Factor could not make', () => {
    const stats = otpLogStats([row('verify', 'verified'), row('verify', 'provider_error')]);
    expect(checksSummary(stats.checks)).toBe(
      '2 code checks: 1 verified, 0 wrong codes, 0 expired, 0 no longer valid, 1 not checked (2Factor failed).',
    );
  });

  it.each([
    ['sent', 'ok'],
    ['verified', 'ok'],
    ['otp_mismatch', 'person'],
    ['otp_expired', 'person'],
    ['session_not_found', 'person'],
    ['provider_error', 'provider'],
    ['provider_unavailable', 'provider'],
  ])('tones a %s row as %s', (status, tone) => {
    expect(otpLogTone({ status })).toBe(tone);
  });
});
