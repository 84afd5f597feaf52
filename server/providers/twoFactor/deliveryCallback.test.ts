import { describe, expect, it } from 'vitest';
import { parseDeliveryCallback } from './deliveryCallback.js';

const SESSION = 'c8e46da6-7b5c-4515-a3b2-83bf045cce44';

describe('parseDeliveryCallback: 2Factor callback forms → delivery reports', () => {
  it("reads the SMS OTP form of 2Factor's support page", () => {
    const fields = { mode: 'SMS_OTP', SessionId: SESSION, To: '9876543210', Status: 'DELIVERED' };
    expect(parseDeliveryCallback(fields)).toEqual({
      providerSessionId: SESSION,
      phone: '+919876543210',
      form: 'sms_otp',
      channel: 'sms',
      outcome: 'delivered',
      providerStatus: 'DELIVERED',
      reason: null,
      fields,
    });
  });

  it.each([
    ['DELIVERED', 'delivered', null],
    ['FAILED', 'failed', 'FAILED'],
    ['REJECTED', 'rejected', 'REJECTED'],
    [' delivered ', 'delivered', null],
    ['SUBMITTED', 'pending', 'SUBMITTED'],
    ['BLOCKED_BY_OPERATOR', 'unknown', 'BLOCKED_BY_OPERATOR'],
  ])('SMS OTP Status %j is %s, reason %j', (status, outcome, reason) => {
    expect(
      parseDeliveryCallback({ mode: 'SMS_OTP', SessionId: SESSION, To: '9876543210', Status: status }),
    ).toMatchObject({ outcome, reason });
  });

  it('reads the voice OTP form: a voice call, its outcome from Status, the call detail as the reason of a failure', () => {
    const voice = {
      mode: 'VOICE_OTP',
      SessionId: SESSION,
      To: '9876543210',
      Status: 'DELIVERED',
      api_request_time: '2015-11-25 13:21:34',
      call_start_time: '2015-11-25 13:21:41',
      call_end_time: '2015-11-25 13:21:44',
      callDetailStatus: 'DELIVERED (USR_BUSY)',
    };
    expect(parseDeliveryCallback(voice)).toMatchObject({
      form: 'voice_otp',
      channel: 'voice',
      outcome: 'delivered',
      reason: null,
      fields: voice,
    });
    expect(parseDeliveryCallback({ ...voice, Status: 'FAILED', callDetailStatus: 'FAILED' })).toMatchObject({
      outcome: 'failed',
      reason: 'FAILED',
    });
    // No Status: the call detail decides.
    const { Status: _status, ...withoutStatus } = voice;
    expect(parseDeliveryCallback({ ...withoutStatus, callDetailStatus: 'REJECTED' })).toMatchObject({
      outcome: 'rejected',
      providerStatus: 'REJECTED',
    });
  });

  it('reads the transactional SMS form: SmsStatus decides, ErrorName is the reason unless NO_ERROR', () => {
    const delivered = {
      SessionId: SESSION,
      SmsTo: '918431345566',
      SmsStatus: 'DELIVERED',
      StatusGroupId: '3',
      StatusGroupName: 'DELIVERED',
      StatusId: '5',
      StatusName: 'DELIVERED_TO_HANDSET',
      StatusDescription: 'Message delivered to handset',
      ErrorGroupId: '0',
      ErrorGroupName: 'OK',
      ErrorId: '0',
      ErrorName: 'NO_ERROR',
      ErrorDescription: 'No Error',
      ErrorPermanent: 'false',
    };
    expect(parseDeliveryCallback(delivered)).toMatchObject({
      form: 'tsms',
      phone: '+918431345566',
      channel: 'sms',
      outcome: 'delivered',
      reason: null,
    });
    expect(
      parseDeliveryCallback({ ...delivered, SmsStatus: 'UNDELIVERABLE', ErrorName: 'EC_ABSENT_SUBSCRIBER' }),
    ).toMatchObject({ outcome: 'failed', reason: 'EC_ABSENT_SUBSCRIBER' });
    expect(parseDeliveryCallback({ ...delivered, SmsStatus: 'EXPIRED', StatusName: 'EXPIRED_EXPIRED' })).toMatchObject({
      outcome: 'failed',
      reason: 'EXPIRED_EXPIRED',
    });
    expect(
      parseDeliveryCallback({ ...delivered, SmsStatus: 'REJECTED', ErrorName: 'NO_ERROR', StatusName: 'REJECTED_DND' }),
    ).toMatchObject({ outcome: 'rejected', reason: 'REJECTED_DND' });
    expect(parseDeliveryCallback({ ...delivered, SmsStatus: 'PENDING' })).toMatchObject({ outcome: 'pending' });
    // Only the group name: it decides.
    const { SmsStatus: _smsStatus, ...groupOnly } = delivered;
    expect(parseDeliveryCallback({ ...groupOnly, StatusGroupName: 'UNDELIVERABLE' })).toMatchObject({
      form: 'tsms',
      outcome: 'failed',
    });
  });

  it('matches field names whatever their case, ignores empty values and keeps every field as posted', () => {
    const fields = {
      MODE: 'sms_otp',
      sessionid: SESSION,
      to: '+919876543210',
      status: 'delivered',
      Operator: 'Jio',
      Empty: '',
    };
    expect(parseDeliveryCallback(fields)).toMatchObject({
      providerSessionId: SESSION,
      phone: '+919876543210',
      form: 'sms_otp',
      outcome: 'delivered',
      fields,
    });
    expect(parseDeliveryCallback({ mode: 'SMS_OTP', SessionId: '', Status: 'DELIVERED' }).providerSessionId).toBeNull();
  });

  it('never throws: anything else is an unknown report, and a number it cannot read is no phone', () => {
    expect(parseDeliveryCallback({})).toEqual({
      providerSessionId: null,
      phone: null,
      form: 'unknown',
      channel: 'sms',
      outcome: 'unknown',
      providerStatus: null,
      reason: null,
      fields: {},
    });
    expect(
      parseDeliveryCallback({ mode: 'WHATSAPP', SessionId: SESSION, To: '12345', Status: 'DELIVERED' }),
    ).toMatchObject({ form: 'unknown', phone: null, outcome: 'delivered' });
  });
});
