import { useState, type FormEvent } from 'react';
import { OTP_HINT, otpFormSchema, type OtpPurpose } from '../../common/api/sms.js';
import { normalizeTypedIndianMobile } from '../../common/phone.js';
import type { ApiError } from '@/api/client';
import { phoneFromTyped } from '@/components/sms/PhoneInput';
import { useSmsService, type VerifyOutcome } from '@/hooks/useSmsService';

export interface OtpFormOptions {
  purpose: OtpPurpose;
  /**
   * Where a refusal from the server goes. `fields`: beside the field it is about (a wrong code with attempts
   * left under the code), else in `formError`, for a form that shows one alert (phone login). `result`: only
   * a refused number under its field; the rest is for the form's own view of `sms.lastResult` (Test Sender).
   */
  serverErrors: 'fields' | 'result';
}

/**
 * The phone + code form of the phone login tab and the admin Test Sender: the two fields, their checks (the
 * zod schemas of common/), and the send / resend / verify wiring over useSmsService. Every text about a
 * refusal is the server's `message`; the only texts written here are the fields' own checks.
 */
export function useOtpForm({ purpose, serverErrors }: OtpFormOptions) {
  const sms = useSmsService();
  const [typedPhone, setTypedPhoneState] = useState('');
  const [phoneError, setPhoneError] = useState<string | null>(null);
  const [code, setCodeState] = useState('');
  const [codeError, setCodeError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);

  // The resend cooldown is per number: another number may be sent to at once.
  const sameNumber = sms.phone !== null && normalizeTypedIndianMobile(typedPhone) === sms.phone;
  const resendWaitS = sameNumber ? sms.resendInS : 0;

  /** A new mistake in a field makes any answer shown for an earlier call stale. */
  function forgetAnswers() {
    setFormError(null);
    sms.clearResult();
  }

  function showRefusal(error: ApiError, field: 'phone' | 'code' | null) {
    if (field === 'phone' && error.status === 'invalid_phone') setPhoneError(error.message);
    else if (
      serverErrors === 'fields' &&
      field === 'code' &&
      error.status === 'otp_mismatch' &&
      error.attempts_left !== 0
    )
      setCodeError(error.message);
    else if (serverErrors === 'fields') setFormError(error.message);
  }

  async function sendTo(phone: string, field: 'phone' | null) {
    setFormError(null);
    setCodeError(null);
    const outcome = await sms.send(phone, purpose);
    if (outcome.ok) setCodeState('');
    else showRefusal(outcome.error, field);
  }

  return {
    sms,
    typedPhone,
    /** What is typed into the phone field; typing clears the field's error. */
    setTypedPhone: (value: string) => {
      setTypedPhoneState(value);
      setPhoneError(null);
    },
    phoneError,
    code,
    setCode: (value: string) => {
      setCodeState(value);
      setCodeError(null);
    },
    codeError,
    /** The server's message about the last refusal no field shows (serverErrors `fields` only). */
    formError,
    /** Seconds until the typed number may have another code (0 for another number). */
    resendWaitS,
    sendDisabled: !sms.canSend || resendWaitS > 0,

    /** Submit of the phone step: check the typed number, then send it a code. */
    async submitPhone(event: FormEvent<HTMLFormElement>) {
      event.preventDefault();
      if (!sms.canSend || resendWaitS > 0) return;
      const { phone, error } = phoneFromTyped(typedPhone);
      setPhoneError(error);
      if (phone === null) forgetAnswers();
      else await sendTo(phone, 'phone');
    },

    /** A new code for the session's number (the Resend button). */
    async resend() {
      if (sms.phone !== null) await sendTo(sms.phone, null);
    },

    /** Submit of the code step: check the code, then verify it. Null when nothing was sent to the server. */
    async submitCode(event: FormEvent<HTMLFormElement>): Promise<VerifyOutcome | null> {
      event.preventDefault();
      if (!sms.canVerify) return null;
      const parsed = otpFormSchema.safeParse(code);
      if (!parsed.success) {
        setCodeError(parsed.error.issues[0]?.message ?? OTP_HINT);
        forgetAnswers();
        return null;
      }
      setCodeError(null);
      setFormError(null);
      const outcome = await sms.verify(parsed.data);
      if (!outcome.ok) {
        // A refused code is spent: an empty field is ready for the next one.
        if (outcome.error.status === 'otp_mismatch' || outcome.error.status === 'invalid_otp') setCodeState('');
        showRefusal(outcome.error, 'code');
      }
      return outcome;
    },

    /** "Change number": back to the phone step with what was typed, the session and its messages forgotten. */
    changeNumber() {
      sms.reset();
      setCodeState('');
      setCodeError(null);
      setFormError(null);
    },
  };
}
