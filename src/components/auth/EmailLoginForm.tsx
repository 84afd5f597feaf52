import { useId } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { Loader2Icon } from 'lucide-react';
import { useLocation, useNavigate } from 'react-router';
import { loginRequestSchema, type LoginRequest } from '../../../common/api/auth.js';
import { isApiError, type ApiError } from '@/api/client';
import { Alert, AlertDescription } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { useAuth } from '@/hooks/useAuth';
import { useCountdown } from '@/hooks/useCountdown';
import { formatWait } from '@/lib/formatWait';
import { destinationAfterLogin } from '@/lib/routeAccess';

const FIELDS = ['email', 'password'] as const;

/** A refusal that waiting lifts: the form counts `retry_after_s` down and stays disabled meanwhile. */
function isLoginRateLimit(error: ApiError | null): boolean {
  return error?.status === 'rate_limited' || error?.status === 'too_many_attempts';
}

export function EmailLoginForm() {
  const { login } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();
  const id = useId();
  const retry = useCountdown();

  const {
    register,
    handleSubmit,
    setError,
    formState: { errors },
  } = useForm({
    resolver: zodResolver(loginRequestSchema),
    defaultValues: { email: '', password: '' } satisfies LoginRequest,
  });

  const onSubmit = handleSubmit(async (values) => {
    if (retry.secondsLeft > 0) return;
    login.reset();
    try {
      const answer = await login.mutateAsync(values);
      await navigate(destinationAfterLogin(answer.user.role, location.state, answer.redirect), { replace: true });
    } catch (error) {
      if (isApiError(error) && isLoginRateLimit(error) && error.retry_after_s !== undefined)
        retry.start(error.retry_after_s);
      // 400 with per-field issues: show them under the fields; everything else shows in the alert below.
      if (isApiError(error) && error.status === 'invalid_request' && error.issues?.length) {
        for (const issue of error.issues) {
          const field = FIELDS.find((name) => name === issue.path);
          if (field) setError(field, { type: 'server', message: issue.message }, { shouldFocus: true });
        }
      }
    }
  });

  const fieldIssues = login.error?.status === 'invalid_request' && Boolean(login.error.issues?.length);
  // A rate limit's alert goes once its wait is over: what it said no longer holds.
  const waitOver = isLoginRateLimit(login.error) && login.error?.retry_after_s !== undefined && retry.secondsLeft === 0;
  const serverError = login.error && !fieldIssues && !waitOver ? login.error : null;
  const pending = login.isPending;
  const waiting = retry.secondsLeft > 0;
  const emailErrorId = `${id}-email-error`;
  const passwordErrorId = `${id}-password-error`;

  return (
    <form noValidate onSubmit={(event) => void onSubmit(event)} className="grid gap-4" aria-label="Log in with email">
      <div className="grid gap-2">
        <Label htmlFor={`${id}-email`}>Email</Label>
        <Input
          id={`${id}-email`}
          type="email"
          inputMode="email"
          autoComplete="email"
          autoCapitalize="none"
          spellCheck={false}
          aria-invalid={errors.email ? true : undefined}
          aria-describedby={errors.email ? emailErrorId : undefined}
          {...register('email')}
        />
        {errors.email?.message ? (
          <p id={emailErrorId} role="alert" className="text-sm text-destructive">
            {errors.email.message}
          </p>
        ) : null}
      </div>

      <div className="grid gap-2">
        <Label htmlFor={`${id}-password`}>Password</Label>
        <Input
          id={`${id}-password`}
          type="password"
          autoComplete="current-password"
          aria-invalid={errors.password ? true : undefined}
          aria-describedby={errors.password ? passwordErrorId : undefined}
          {...register('password')}
        />
        {errors.password?.message ? (
          <p id={passwordErrorId} role="alert" className="text-sm text-destructive">
            {errors.password.message}
          </p>
        ) : null}
      </div>

      {serverError ? (
        <Alert variant="destructive">
          <AlertDescription>{serverError.message}</AlertDescription>
        </Alert>
      ) : null}

      <Button type="submit" disabled={pending || waiting} className="w-full">
        {pending ? (
          <>
            <Loader2Icon className="animate-spin" aria-hidden="true" />
            Logging in…
          </>
        ) : (
          'Log in'
        )}
      </Button>
      {waiting ? (
        <p role="timer" className="text-sm text-muted-foreground">
          You can try again in {formatWait(retry.secondsLeft)}.
        </p>
      ) : null}
    </form>
  );
}
