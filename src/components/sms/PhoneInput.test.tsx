import { useState } from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { PHONE_FORMAT_HINT } from '../../../common/phone.js';
import { PhoneInput, phoneFromTyped } from '@/components/sms/PhoneInput';
import { themeContrast } from '@/test/themeColours';

function Harness({ error }: { error?: string }) {
  const [value, setValue] = useState('');
  return (
    <>
      <PhoneInput value={value} onValueChange={setValue} error={error} />
      <output aria-label="E.164">{phoneFromTyped(value).phone ?? ''}</output>
    </>
  );
}

describe('phoneFromTyped', () => {
  it.each([
    ['098765 43210', '+919876543210'],
    ['98765-43210', '+919876543210'],
    ['+91 98765 43210', '+919876543210'],
    ['0091 9876543210', '+919876543210'],
    ['919876543210', '+919876543210'],
    [' (987) 654-3210 ', '+919876543210'],
  ])('%j → %s', (typed, phone) => {
    expect(phoneFromTyped(typed)).toEqual({ phone, error: null });
  });

  it.each(['', '12345', '5876543210', '+1 415 555 0100', '98765432101'])('rejects %j with the format hint', (typed) => {
    expect(phoneFromTyped(typed)).toEqual({ phone: null, error: PHONE_FORMAT_HINT });
  });
});

describe('PhoneInput', () => {
  it('is a labelled phone field with the national autocomplete and a fixed +91', () => {
    render(<Harness />);

    const input = screen.getByLabelText('Mobile number');
    expect(input).toHaveAttribute('type', 'tel');
    expect(input).toHaveAttribute('inputmode', 'tel');
    expect(input).toHaveAttribute('autocomplete', 'tel-national');
    expect(input).toHaveAccessibleDescription('Country code +91 is added for you.');
  });

  it('accepts what people type, including a pasted +91 number', async () => {
    render(<Harness />);
    const user = userEvent.setup();

    await user.type(screen.getByLabelText('Mobile number'), '098765 43210');
    expect(screen.getByLabelText('Mobile number')).toHaveValue('098765 43210');
    expect(screen.getByRole('status', { name: 'E.164' })).toHaveTextContent('+919876543210');

    await user.clear(screen.getByLabelText('Mobile number'));
    await user.paste('+91-98765-43210');
    expect(screen.getByRole('status', { name: 'E.164' })).toHaveTextContent('+919876543210');
  });

  it('shows an error as an alert tied to the field', () => {
    render(<Harness error={PHONE_FORMAT_HINT} />);

    expect(screen.getByRole('alert')).toHaveTextContent(PHONE_FORMAT_HINT);
    expect(screen.getByLabelText('Mobile number')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Mobile number')).toHaveAccessibleDescription(
      expect.stringContaining(PHONE_FORMAT_HINT),
    );
  });

  it.each(['light', 'dark'] as const)(
    'shows the +91 prefix with a text contrast of at least 4.5:1 (%s theme)',
    (scheme) => {
      render(<Harness />);

      const prefix = screen.getByText('+91').parentElement!;

      expect(themeContrast(prefix, scheme)).toBeGreaterThanOrEqual(4.5);
    },
  );
});
