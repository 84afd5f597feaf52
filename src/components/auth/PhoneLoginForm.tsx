import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Loader2Icon } from 'lucide-react';
import { useLocation, useNavigate } from 'react-router';
import { roleSchema } from '../../../common/api/auth.js';
import type { VerifyOtpResponse } from '../../../common/api/sms.js';
import { maskPhone } from '../../../common/phone.js';
import { OtpCodeInput } from '@/components/sms/OtpCodeInput';
import { PhoneInput } from '@/components/sms/PhoneInput';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { useAuth } from '@/hooks/useAuth';
import { useOtpForm } from '@/hooks/useOtpForm';
import { formatWait } from '@/lib/formatWait';
import { CURRENT_USER_QUERY_KEY } from '@/lib/queryClient';
import { destinationAfterLogin } from '@/lib/routeAccess';

/**
 * The Phone tab of the login page: number → code by SMS (purpose `login`) → verify → the role's page, or
 * back to the page that sent the user to login. The server answers a number nobody owns exactly like a
 * real one, so this form never says whether a number is registered.
 */
export function PhoneLoginForm() {
  const form = useOtpForm({ purpose: 'login', serverErrors: 'fields' });
  const { sms } = form;
  const { setUser } = useAuth();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const location = useLocation();
  const id = useId();
  const [loggingIn, setLoggingIn] = useState(false);

  const phoneRef = useRef<HTMLInputElement>(null);
  const focusPhoneOnReturn = useRef(false);
  const step = sms.sessionId === null ? 'phone' : 'code';

  // "Change number" hides the code step: put the keyboard back on the number.
  useEffect(() => {
    if (step === 'phone' && focusPhoneOnReturn.current) {
      focusPhoneOnReturn.current = false;
      phoneRef.current?.focus();
    }
  }, [step]);

  async function logIn(answer: VerifyOtpResponse) {
    const role = roleSchema.safeParse(answer.user?.role);
    if (!answer.user || !role.success) {
      // The session cookie is set; let the session check find the user (the login page then redirects).
      await queryClient.invalidateQueries({ queryKey: CURRENT_USER_QUERY_KEY });
      return;
    }
    // Data cached for a previous user must not leak into this one's pages (as after an email login).
    queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== CURRENT_USER_QUERY_KEY[0] });
    setUser({ id: answer.user.id, email: answer.user.email, role: role.data });
    await navigate(destinationAfterLogin(role.data, location.state, answer.redirect), { replace: true });
  }

  async function handleVerify(event: FormEvent<HTMLFormElement>) {
    if (loggingIn) {
      event.preventDefault();
      return;
    }
    const outcome = await form.submitCode(event);
    if (!outcome?.ok) return;
    setLoggingIn(true);
    try {
      await logIn(outcome.answer);
    } finally {
      setLoggingIn(false);
    }
  }

  function changeNumber() {
    form.changeNumber();
    focusPhoneOnReturn.current = true;
  }

  const sentTo = sms.phone ? maskPhone(sms.phone) : '';
  // The server's own words ("We sent a code to +91******3210."), read out once the code is on its way.
  const announcement = sms.lastResult?.action === 'send' && sms.lastResult.ok ? sms.lastResult.message : '';
  const sendWait =
    sms.sendRetryInS > 0 ? (
      <p role="timer" className="text-sm text-muted-foreground">
        You can try again in {formatWait(sms.sendRetryInS)}.
      </p>
    ) : null;
  const errorAlert = form.formError ? (
    <Alert variant="destructive">
      <AlertDescription>{form.formError}</AlertDescription>
    </Alert>
  ) : null;

  return (
    <div className="grid gap-4">
      <p role="status" className="sr-only">
        {announcement}
      </p>

      {step === 'phone' ? (
        <form
          noValidate
          onSubmit={(event) => void form.submitPhone(event)}
          className="grid gap-4"
          aria-label="Log in with phone"
        >
          <PhoneInput
            ref={phoneRef}
            id={`${id}-phone`}
            value={form.typedPhone}
            onValueChange={form.setTypedPhone}
            error={form.phoneError}
            description="We will text you a one-time code."
          />
          {errorAlert}
          <Button type="submit" disabled={form.sendDisabled} className="w-full">
            {sms.isSending ? (
              <>
                <Loader2Icon className="animate-spin" aria-hidden="true" />
                Sending…
              </>
            ) : (
              'Send code'
            )}
          </Button>
          {sendWait}
        </form>
      ) : (
        <form
          noValidate
          onSubmit={(event) => void handleVerify(event)}
          className="grid gap-4"
          aria-label="Log in with phone"
        >
          <div className="flex flex-wrap items-center justify-between gap-x-2 gap-y-1 text-sm">
            <p className="text-muted-foreground">
              Code sent to <span className="font-medium text-foreground">{sentTo}</span>
            </p>
            <Button type="button" variant="link" size="sm" className="h-auto px-0" onClick={changeNumber}>
              Change number
            </Button>
          </div>

          <OtpCodeInput
            id={`${id}-code`}
            value={form.code}
            onValueChange={form.setCode}
            error={form.codeError}
            disabled={sms.needsNewCode || loggingIn}
            autoFocus
          />
          {errorAlert}
          {sms.codeExpired && !form.formError ? (
            <p className="text-sm text-muted-foreground">This code has expired. Resend to get a new one.</p>
          ) : null}

          <Button type="submit" disabled={!sms.canVerify || loggingIn} className="w-full">
            {sms.isVerifying || loggingIn ? (
              <>
                <Loader2Icon className="animate-spin" aria-hidden="true" />
                Logging in…
              </>
            ) : (
              'Verify and log in'
            )}
          </Button>
          {sms.verifyRetryInS > 0 ? (
            <p role="timer" className="text-sm text-muted-foreground">
              You can try the code again in {formatWait(sms.verifyRetryInS)}.
            </p>
          ) : null}

          <div className="grid gap-2">
            <Button
              type="button"
              variant={sms.needsNewCode ? 'default' : 'outline'}
              className="w-full"
              disabled={!sms.canSend || sms.resendInS > 0 || loggingIn}
              onClick={() => void form.resend()}
            >
              {sms.isSending ? 'Sending…' : 'Resend code'}
            </Button>
            {sms.sendRetryInS > 0 ? (
              sendWait
            ) : sms.resendInS > 0 ? (
              <p role="timer" className="text-sm text-muted-foreground">
                You can ask for a new code in {formatWait(sms.resendInS)}.
              </p>
            ) : null}
          </div>
        </form>
      )}
    </div>
  );
}
