import { useId } from 'react';
import { Loader2Icon, SendIcon, ShieldCheckIcon } from 'lucide-react';
import { maskPhone } from '../../../common/phone.js';
import { OtpCodeInput } from '@/components/sms/OtpCodeInput';
import { PhoneInput } from '@/components/sms/PhoneInput';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Separator } from '@/components/ui/separator';
import type { ApiError } from '@/api/client';
import type { SmsResult } from '@/hooks/otpSessionMachine';
import { useOtpForm } from '@/hooks/useOtpForm';
import { formatWait } from '@/lib/formatWait';
import { explainSmsError } from '@/lib/smsErrorExplanation';
import { cn } from '@/lib/utils';

/**
 * Section 2 of Settings → SMS & OTP: send a real (or, in sandbox, simulated) OTP with purpose `test` and
 * verify it, seeing what the provider said, how long it took, and every wait the server imposes.
 */
export function SmsTestSender() {
  const titleId = useId();
  const form = useOtpForm({ purpose: 'test', serverErrors: 'result' });
  const { sms, resendWaitS } = form;

  return (
    <Card role="region" aria-labelledby={titleId} className="min-w-0">
      <CardHeader>
        <CardTitle>
          <h2 id={titleId}>Test Sender</h2>
        </CardTitle>
        <CardDescription>Send a test OTP to a phone and verify it, as a user would.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-6">
        <form noValidate onSubmit={(event) => void form.submitPhone(event)} className="grid gap-3">
          <PhoneInput value={form.typedPhone} onValueChange={form.setTypedPhone} error={form.phoneError} />
          <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
            <Button type="submit" disabled={form.sendDisabled}>
              {sms.isSending ? (
                <Loader2Icon className="animate-spin" aria-hidden="true" />
              ) : (
                <SendIcon aria-hidden="true" />
              )}
              {sms.isSending ? 'Sending…' : 'Send OTP'}
            </Button>
            {sms.sendRetryInS > 0 ? (
              <p role="timer" className="text-sm text-destructive">
                Rate limited: you can send again in {formatWait(sms.sendRetryInS)}.
              </p>
            ) : resendWaitS > 0 ? (
              <p role="timer" className="text-sm text-muted-foreground">
                You can resend to this number in {formatWait(resendWaitS)}.
              </p>
            ) : null}
          </div>
        </form>

        {sms.sessionId !== null ? (
          <>
            <Separator />
            <form noValidate onSubmit={(event) => void form.submitCode(event)} className="grid gap-3">
              <p className="text-sm text-muted-foreground">
                Code sent to <span className="font-medium text-foreground">{maskPhone(sms.phone ?? '')}</span>.
                {sms.codeExpired
                  ? ' It has expired.'
                  : sms.expiresInS > 0 && !sms.verified
                    ? ` It expires in ${formatWait(sms.expiresInS)}.`
                    : null}
              </p>
              {sms.sandboxCode ? (
                <p className="w-fit rounded-md border border-dashed border-amber-500/60 px-3 py-2 text-sm">
                  Sandbox code: <span className="font-mono font-semibold tracking-widest">{sms.sandboxCode}</span>
                </p>
              ) : null}
              <OtpCodeInput
                value={form.code}
                onValueChange={form.setCode}
                error={form.codeError}
                disabled={sms.verified || sms.needsNewCode}
              />
              <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
                <Button type="submit" variant="secondary" disabled={!sms.canVerify}>
                  {sms.isVerifying ? (
                    <Loader2Icon className="animate-spin" aria-hidden="true" />
                  ) : (
                    <ShieldCheckIcon aria-hidden="true" />
                  )}
                  {sms.isVerifying ? 'Verifying…' : 'Verify'}
                </Button>
                {sms.verifyRetryInS > 0 ? (
                  <p role="timer" className="text-sm text-destructive">
                    Rate limited: you can verify again in {formatWait(sms.verifyRetryInS)}.
                  </p>
                ) : null}
              </div>
            </form>
          </>
        ) : null}

        <ResultPanel
          result={sms.lastResult}
          error={sms.lastError}
          attemptsLeft={sms.attemptsLeft}
          needsNewCode={sms.needsNewCode}
        />
      </CardContent>
    </Card>
  );
}

/** The outcome of the last call, in a polite live region that is always present. */
function ResultPanel({
  result,
  error,
  attemptsLeft,
  needsNewCode,
}: {
  result: SmsResult | null;
  /** The failure behind a failed result: its explanation and the provider's own words. */
  error: ApiError | null;
  attemptsLeft: number | null;
  needsNewCode: boolean;
}) {
  const explanation = result && !result.ok && error ? explainSmsError(error) : null;
  return (
    <div role="status" aria-label="Last result" className="empty:hidden">
      {result ? (
        <div
          className={cn(
            'grid gap-3 rounded-lg border p-4 text-sm',
            result.ok ? 'bg-muted/40' : 'border-destructive/40 bg-destructive/5',
          )}
        >
          <div className="grid gap-1">
            <p className="font-medium">
              {result.action === 'send' ? 'Send' : 'Verify'}: {result.ok ? 'succeeded' : 'failed'}
              {explanation ? ` — ${explanation.title}` : null}
            </p>
            {explanation?.hint ? <p className="text-muted-foreground">{explanation.hint}</p> : null}
          </div>
          <dl className="grid gap-x-6 gap-y-2 sm:grid-cols-[max-content_1fr]">
            <dt className="text-muted-foreground">Status</dt>
            <dd>
              <Badge variant={result.ok ? 'default' : 'destructive'} className="font-mono">
                {result.status}
              </Badge>
            </dd>
            {error?.provider_details && !result.ok ? (
              <>
                <dt className="text-muted-foreground">2Factor said</dt>
                <dd className="min-w-0 font-mono break-words">{error.provider_details}</dd>
              </>
            ) : null}
            <dt className="text-muted-foreground">Message</dt>
            <dd className="min-w-0 break-words">{result.message}</dd>
            {result.response_time_ms !== undefined ? (
              <>
                <dt className="text-muted-foreground">Response time</dt>
                <dd>{result.response_time_ms} ms</dd>
              </>
            ) : null}
            {attemptsLeft !== null ? (
              <>
                <dt className="text-muted-foreground">Attempts left</dt>
                <dd>{attemptsLeft}</dd>
              </>
            ) : null}
          </dl>
          {needsNewCode ? (
            <p className="text-destructive">This code can no longer be verified: send a new one.</p>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}
