import * as React from 'react';
import { REGEXP_ONLY_DIGITS } from 'input-otp';
import { OTP_LENGTH } from '../../../common/api/sms.js';
import { InputOTP, InputOTPGroup, InputOTPSlot } from '@/components/ui/input-otp';
import { Label } from '@/components/ui/label';
import { cn } from '@/lib/utils';

/** A pasted "Your code is 123-456" becomes "123456": keep the digits, at most OTP_LENGTH of them. */
export function digitsOfPastedCode(pasted: string): string {
  return pasted.replace(/\D/g, '').slice(0, OTP_LENGTH);
}

interface OtpCodeInputProps {
  id?: string;
  value: string;
  onValueChange: (code: string) => void;
  onComplete?: (code: string) => void;
  label?: string;
  error?: string | null;
  disabled?: boolean;
  autoFocus?: boolean;
  className?: string;
}

/**
 * Six boxes over one real input: the numeric keypad on phones, the SMS code offered by the keyboard
 * (`autocomplete="one-time-code"`), digits only, and a pasted code fills every box.
 * The boxes are decoration (hidden from screen readers); the labelled input carries the value.
 */
function OtpCodeInput({
  id: idProp,
  value,
  onValueChange,
  onComplete,
  label = 'One-time code',
  error,
  disabled,
  autoFocus,
  className,
}: OtpCodeInputProps) {
  const generatedId = React.useId();
  const id = idProp ?? generatedId;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;

  return (
    <div data-slot="otp-code-input" className={cn('grid gap-2', className)}>
      <Label htmlFor={id}>{label}</Label>
      <InputOTP
        id={id}
        maxLength={OTP_LENGTH}
        pattern={REGEXP_ONLY_DIGITS}
        inputMode="numeric"
        autoComplete="one-time-code"
        pasteTransformer={digitsOfPastedCode}
        value={value}
        onChange={onValueChange}
        onComplete={onComplete}
        disabled={disabled}
        autoFocus={autoFocus}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${hintId} ${errorId}` : hintId}
      >
        <InputOTPGroup aria-hidden="true">
          {Array.from({ length: OTP_LENGTH }, (_, index) => (
            <InputOTPSlot
              key={index}
              index={index}
              aria-invalid={error ? true : undefined}
              className="h-10 w-10 text-base"
            />
          ))}
        </InputOTPGroup>
      </InputOTP>
      <p id={hintId} className="sr-only">
        {OTP_LENGTH} digits.
      </p>
      {error ? (
        <p id={errorId} role="alert" className="text-sm text-destructive">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export { OtpCodeInput };
