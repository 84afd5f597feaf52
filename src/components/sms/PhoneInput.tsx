import * as React from 'react';
import { z } from 'zod';
import { phoneSchema } from '../../../common/api/sms.js';
import { normalizeTypedIndianMobile } from '../../../common/phone.js';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { cn } from '@/lib/utils';

/** Room for a typed number with its +91, spaces and dashes; the schema then holds it to 10 digits. */
const MAX_TYPED_PHONE_CHARS = 20;

/**
 * What was typed into a PhoneInput as E.164 (`098765 43210` → `+919876543210`), or null with the hint
 * to show under the field. Spaces, dashes, a leading 0 and a pasted +91 / 0091 number are all accepted.
 */
export function phoneFromTyped(typed: string): { phone: string; error: null } | { phone: null; error: string } {
  const parsed = typedPhoneSchema.safeParse(typed);
  return parsed.success
    ? { phone: parsed.data, error: null }
    : { phone: null, error: parsed.error.issues[0]?.message ?? '' };
}

/** What people type, made E.164 where it can be, then held to the API's own phone rule (and its words). */
const typedPhoneSchema = z
  .string()
  .transform((typed) => normalizeTypedIndianMobile(typed) ?? typed)
  .pipe(phoneSchema);

interface PhoneInputProps extends Omit<React.ComponentProps<'input'>, 'type' | 'value' | 'onChange'> {
  /** What the person typed (national part; it may still hold spaces, a 0 or a pasted +91). */
  value: string;
  onValueChange: (typed: string) => void;
  label?: string;
  /** Shown under the field and announced; marks the field invalid. */
  error?: string | null;
  /** Extra help under the field. */
  description?: React.ReactNode;
  containerClassName?: string;
}

/**
 * An Indian mobile number field with a fixed +91 in front. Accepts what people type and leaves the
 * conversion to E.164 to phoneFromTyped at submit time, so typing is never fought character by character.
 */
function PhoneInput({
  id: idProp,
  value,
  onValueChange,
  label = 'Mobile number',
  error,
  description,
  className,
  containerClassName,
  ...props
}: PhoneInputProps) {
  const generatedId = React.useId();
  const id = idProp ?? generatedId;
  const prefixId = `${id}-prefix`;
  const descriptionId = `${id}-description`;
  const errorId = `${id}-error`;
  const describedBy = [prefixId, description ? descriptionId : null, error ? errorId : null].filter(Boolean).join(' ');

  return (
    <div data-slot="phone-input" className={cn('grid gap-2', containerClassName)}>
      <Label htmlFor={id}>{label}</Label>
      <div className="flex min-w-0">
        {/* Part of the number, so full text colour: muted-foreground on bg-muted is only 4.34:1 (WCAG AA wants 4.5). */}
        <span
          id={prefixId}
          className="inline-flex h-9 shrink-0 items-center rounded-l-md border border-r-0 border-input bg-muted px-3 text-sm text-foreground select-none"
        >
          <span aria-hidden="true">+91</span>
          <span className="sr-only">Country code +91 is added for you.</span>
        </span>
        <Input
          id={id}
          type="tel"
          inputMode="tel"
          autoComplete="tel-national"
          maxLength={MAX_TYPED_PHONE_CHARS}
          placeholder="98765 43210"
          value={value}
          onChange={(event) => onValueChange(event.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          className={cn('rounded-l-none', className)}
          {...props}
        />
      </div>
      {description ? (
        <p id={descriptionId} className="text-sm text-muted-foreground">
          {description}
        </p>
      ) : null}
      {error ? (
        <p id={errorId} role="alert" className="text-sm text-destructive">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export { PhoneInput };
