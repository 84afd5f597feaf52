import { useState } from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { OtpCodeInput, digitsOfPastedCode } from '@/components/sms/OtpCodeInput';

function Harness() {
  const [code, setCode] = useState('');
  return <OtpCodeInput value={code} onValueChange={setCode} />;
}

describe('OtpCodeInput', () => {
  it('asks for a numeric one-time code of 6 digits', () => {
    render(<Harness />);

    const input = screen.getByLabelText('One-time code');
    expect(input).toHaveAttribute('inputmode', 'numeric');
    expect(input).toHaveAttribute('autocomplete', 'one-time-code');
    expect(input).toHaveAttribute('maxlength', '6');
    expect(input).toHaveAttribute('pattern', '^\\d+$');
    expect(input).toHaveAccessibleDescription('6 digits.');
  });

  it('takes a whole pasted code', async () => {
    render(<Harness />);
    const user = userEvent.setup();

    await user.click(screen.getByLabelText('One-time code'));
    await user.paste('123456');

    expect(screen.getByLabelText('One-time code')).toHaveValue('123456');
  });

  it('keeps only the digits of a pasted message, at most six', async () => {
    render(<Harness />);
    const user = userEvent.setup();

    await user.click(screen.getByLabelText('One-time code'));
    await user.paste('Your code is 654-321. Do not share it.');

    expect(screen.getByLabelText('One-time code')).toHaveValue('654321');
  });

  it('ignores letters and other characters typed in', async () => {
    render(<Harness />);
    const user = userEvent.setup();

    await user.type(screen.getByLabelText('One-time code'), '1a2-3 b4');

    expect(screen.getByLabelText('One-time code')).toHaveValue('1234');
  });

  it('ignores a paste without digits', async () => {
    render(<Harness />);
    const user = userEvent.setup();

    await user.click(screen.getByLabelText('One-time code'));
    await user.paste('abcdef');

    expect(screen.getByLabelText('One-time code')).toHaveValue('');
  });
});

describe('digitsOfPastedCode', () => {
  it.each([
    ['123456', '123456'],
    [' 123 456 ', '123456'],
    ['12345678', '123456'],
    ['OTP: 0042', '0042'],
    ['none', ''],
  ])('%j → %j', (pasted, digits) => {
    expect(digitsOfPastedCode(pasted)).toBe(digits);
  });
});
