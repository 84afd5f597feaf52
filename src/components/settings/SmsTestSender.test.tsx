import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PHONE_FORMAT_HINT } from '../../../common/phone.js';
import { SmsTestSender } from '@/components/settings/SmsTestSender';
import { jsonResponse, meRoute, stubFetch, USERS, type FakeHandler } from '@/test/fakeServer';
import { renderRoutes } from '@/test/renderRoutes';

const SESSION_ID = '0b7e7f3c-6a4e-4d7a-9a55-0c1d2e3f4a5b';

const sent = (extra: Record<string, unknown> = {}) =>
  jsonResponse(200, {
    session_id: SESSION_ID,
    status: 'sent',
    message: 'OTP sent.',
    response_time_ms: 412,
    expires_in_s: 300,
    resend_after_s: 30,
    ...extra,
  });

function renderSender(routes: Record<string, FakeHandler>) {
  const server = stubFetch({ ...meRoute(USERS.admin), ...routes });
  return { ...server, ...renderRoutes([{ path: '/', element: <SmsTestSender /> }]) };
}

function setupUser() {
  return userEvent.setup({ advanceTimers: (ms) => vi.advanceTimersByTime(ms) });
}

async function sendTo(user: ReturnType<typeof setupUser>, typed: string) {
  await user.type(screen.getByLabelText('Mobile number'), typed);
  await user.click(screen.getByRole('button', { name: 'Send OTP' }));
}

const lastResult = () => screen.getByRole('status', { name: 'Last result' });

describe('SmsTestSender', () => {
  beforeEach(() => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends what was typed as E.164 with purpose test, and shows the result and the sandbox code', async () => {
    const { requests } = renderSender({ 'POST /api/sms/sendOtp': () => sent({ sandbox_code: '123456' }) });
    const user = setupUser();

    await sendTo(user, '098765 43210');

    expect(await screen.findByText(/Sandbox code:/)).toHaveTextContent('Sandbox code: 123456');
    const send = requests.find((r) => r.path === '/api/sms/sendOtp');
    expect(send?.body).toEqual({ phone: '+919876543210', purpose: 'test' });
    expect(send?.headers.get('Content-Type')).toBe('application/json');
    expect(within(lastResult()).getByText('sent')).toBeInTheDocument();
    expect(within(lastResult()).getByText('OTP sent.')).toBeInTheDocument();
    expect(within(lastResult()).getByText('412 ms')).toBeInTheDocument();
    expect(screen.getByText(/Code sent to/)).toHaveTextContent('Code sent to +91******3210.');
    expect(screen.getByLabelText('One-time code')).toBeInTheDocument();
  });

  it('does not send a number that cannot be an Indian mobile', async () => {
    const { requests } = renderSender({});
    const user = setupUser();

    await sendTo(user, '12345');

    expect(await screen.findByRole('alert')).toHaveTextContent(PHONE_FORMAT_HINT);
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('counts the resend cooldown down from resend_after_s, for that number only', async () => {
    renderSender({ 'POST /api/sms/sendOtp': () => sent({ resend_after_s: 30 }) });
    const user = setupUser();

    await sendTo(user, '9876543210');

    expect(await screen.findByRole('timer')).toHaveTextContent('You can resend to this number in 30 seconds.');
    expect(screen.getByRole('button', { name: 'Send OTP' })).toBeDisabled();

    act(() => vi.advanceTimersByTime(10_000));
    expect(screen.getByRole('timer')).toHaveTextContent('in 20 seconds');

    // Another number is not held back by this number's cooldown.
    await user.clear(screen.getByLabelText('Mobile number'));
    await user.type(screen.getByLabelText('Mobile number'), '9876500000');
    expect(screen.getByRole('button', { name: 'Send OTP' })).toBeEnabled();
    await user.clear(screen.getByLabelText('Mobile number'));
    await user.type(screen.getByLabelText('Mobile number'), '09876543210');
    expect(screen.getByRole('button', { name: 'Send OTP' })).toBeDisabled();

    act(() => vi.advanceTimersByTime(20_000));
    expect(screen.queryByRole('timer')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Send OTP' })).toBeEnabled();
  });

  it('keeps Send disabled for exactly the retry_after_s of a 429, then enables it', async () => {
    const { requests } = renderSender({
      'POST /api/sms/sendOtp': () =>
        jsonResponse(
          429,
          { status: 'rate_limited', message: 'Too many OTPs for this number this hour.', retry_after_s: 45 },
          { 'Retry-After': '45' },
        ),
    });
    const user = setupUser();

    await sendTo(user, '9876543210');

    expect(await screen.findByRole('timer')).toHaveTextContent('Rate limited: you can send again in 45 seconds.');
    expect(screen.getByRole('button', { name: 'Send OTP' })).toBeDisabled();
    expect(within(lastResult()).getByText('rate_limited')).toBeInTheDocument();
    expect(within(lastResult()).getByText('Too many OTPs for this number this hour.')).toBeInTheDocument();

    act(() => vi.advanceTimersByTime(44_000));
    expect(screen.getByRole('timer')).toHaveTextContent('in 1 second.');
    expect(screen.getByRole('button', { name: 'Send OTP' })).toBeDisabled();

    act(() => vi.advanceTimersByTime(1_000));
    expect(screen.queryByRole('timer')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Send OTP' })).toBeEnabled();
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('counts a 429 down from the Retry-After header when the body has no retry_after_s (a proxy)', async () => {
    renderSender({
      'POST /api/sms/sendOtp': () =>
        new Response('Too Many Requests', { status: 429, headers: { 'Retry-After': '5' } }),
    });
    const user = setupUser();

    await sendTo(user, '9876543210');

    expect(await screen.findByRole('timer')).toHaveTextContent('Rate limited: you can send again in 5 seconds.');
    act(() => vi.advanceTimersByTime(5_000));
    expect(screen.getByRole('button', { name: 'Send OTP' })).toBeEnabled();
  });

  it("shows 2Factor's own reason when it refuses a send, with no countdown", async () => {
    renderSender({
      'POST /api/sms/sendOtp': () =>
        jsonResponse(502, {
          status: 'provider_error',
          message: 'We could not send or check the code right now. Please try again later.',
          provider_details: 'Invalid API Key',
        }),
    });
    const user = setupUser();

    await sendTo(user, '9876543210');

    expect(await within(lastResult()).findByText('Send: failed — 2Factor refused the request')).toBeInTheDocument();
    expect(within(lastResult()).getByText('2Factor said').nextElementSibling).toHaveTextContent('Invalid API Key');
    expect(within(lastResult()).getByText(/Check the API key/)).toBeInTheDocument();
    expect(screen.queryByRole('timer')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Send OTP' })).toBeEnabled();
  });

  it.each([
    ['provider_unavailable', 30, '2Factor is not responding'],
    ['provider_busy', 1, 'Too many SMS at this moment'],
    ['provider_not_configured', undefined, 'No 2Factor API key is set'],
    ['database_unavailable', 5, 'The database is unavailable'],
    ['sms_budget_exhausted', 3600, 'Today’s SMS budget is used up'],
  ])('explains a 503 %s in its own words, without a rate-limit countdown', async (status, retryAfterS, title) => {
    renderSender({
      'POST /api/sms/sendOtp': () =>
        jsonResponse(
          503,
          { status, message: 'Not now.', ...(retryAfterS === undefined ? {} : { retry_after_s: retryAfterS }) },
          retryAfterS === undefined ? {} : { 'Retry-After': String(retryAfterS) },
        ),
    });
    const user = setupUser();

    await sendTo(user, '9876543210');

    expect(await within(lastResult()).findByText(`Send: failed — ${title}`)).toBeInTheDocument();
    expect(within(lastResult()).getByText(status)).toBeInTheDocument();
    expect(within(lastResult()).getByText('Not now.')).toBeInTheDocument();
    expect(within(lastResult()).queryByText('2Factor said')).not.toBeInTheDocument();
    expect(screen.queryByRole('timer')).not.toBeInTheDocument();
    expect(screen.queryByText(/Rate limited/)).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Send OTP' })).toBeEnabled();
  });

  it('explains a 400 from the server beside the field it is about', async () => {
    renderSender({
      'POST /api/sms/sendOtp': () =>
        jsonResponse(400, { status: 'invalid_phone', message: 'Enter an Indian mobile number.' }),
    });
    const user = setupUser();

    await sendTo(user, '9876543210');

    expect(await screen.findByRole('alert')).toHaveTextContent('Enter an Indian mobile number.');
    // The server's message says it all: no title restates it.
    expect(within(lastResult()).getByText('Send: failed')).toBeInTheDocument();
    expect(within(lastResult()).getByText('Message').nextElementSibling).toHaveTextContent(
      'Enter an Indian mobile number.',
    );
  });

  it('shows attempts left after a wrong code, then the verified result', async () => {
    let tries = 0;
    const { requests } = renderSender({
      'POST /api/sms/sendOtp': () => sent(),
      'POST /api/sms/verifyOtp': () =>
        ++tries === 1
          ? jsonResponse(400, {
              status: 'otp_mismatch',
              message: 'The code is wrong.',
              verified: false,
              attempts_left: 2,
            })
          : jsonResponse(200, { verified: true, status: 'verified', message: 'OTP matched.', response_time_ms: 88 }),
    });
    const user = setupUser();

    await sendTo(user, '9876543210');
    await user.click(await screen.findByLabelText('One-time code'));
    await user.paste('111111');
    await user.click(screen.getByRole('button', { name: 'Verify' }));

    expect(await within(lastResult()).findByText('otp_mismatch')).toBeInTheDocument();
    expect(within(lastResult()).getByText('The code is wrong.')).toBeInTheDocument();
    expect(within(lastResult()).getByText('Attempts left').nextElementSibling).toHaveTextContent('2');
    expect(screen.getByLabelText('One-time code')).toHaveValue('');

    await user.click(screen.getByLabelText('One-time code'));
    await user.paste('123456');
    await user.click(screen.getByRole('button', { name: 'Verify' }));

    expect(await within(lastResult()).findByText('verified')).toBeInTheDocument();
    expect(within(lastResult()).getByText('88 ms')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Verify' })).toBeDisabled();
    expect(requests.filter((r) => r.path === '/api/sms/verifyOtp').map((r) => r.body)).toEqual([
      { session_id: SESSION_ID, otp: '111111' },
      { session_id: SESSION_ID, otp: '123456' },
    ]);
  });

  it('asks for a new code after too many attempts', async () => {
    renderSender({
      'POST /api/sms/sendOtp': () => sent(),
      'POST /api/sms/verifyOtp': () =>
        jsonResponse(429, { status: 'too_many_attempts', message: 'Too many wrong codes.', verified: false }),
    });
    const user = setupUser();

    await sendTo(user, '9876543210');
    await user.click(await screen.findByLabelText('One-time code'));
    await user.paste('999999');
    await user.click(screen.getByRole('button', { name: 'Verify' }));

    expect(
      await within(lastResult()).findByText('This code can no longer be verified: send a new one.'),
    ).toBeInTheDocument();
    expect(within(lastResult()).getByText('Attempts left').nextElementSibling).toHaveTextContent('0');
    expect(screen.getByRole('button', { name: 'Verify' })).toBeDisabled();
  });

  it('removes the last result when a new mistake in the form makes it stale', async () => {
    renderSender({
      'POST /api/sms/sendOtp': () => sent(),
      'POST /api/sms/verifyOtp': () =>
        jsonResponse(400, { status: 'otp_mismatch', message: 'The code is wrong.', verified: false, attempts_left: 2 }),
    });
    const user = setupUser();

    await sendTo(user, '9876543210');
    await user.click(await screen.findByLabelText('One-time code'));
    await user.paste('111111');
    await user.click(screen.getByRole('button', { name: 'Verify' }));
    expect(await within(lastResult()).findByText(/^Verify: failed/)).toBeInTheDocument();

    await user.type(screen.getByLabelText('One-time code'), '12');
    await user.click(screen.getByRole('button', { name: 'Verify' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('Enter the 6-digit code from the SMS.');
    expect(lastResult()).toBeEmptyDOMElement();
  });

  it('once the code expires, disables Verify and lets the same number have a new code inside the cooldown', async () => {
    renderSender({ 'POST /api/sms/sendOtp': () => sent({ expires_in_s: 20, resend_after_s: 60 }) });
    const user = setupUser();

    await sendTo(user, '9876543210');
    expect(await screen.findByText(/Code sent to/)).toHaveTextContent('It expires in 20 seconds.');
    expect(screen.getByRole('button', { name: 'Send OTP' })).toBeDisabled();

    act(() => vi.advanceTimersByTime(20_000));

    expect(screen.getByText(/Code sent to/)).toHaveTextContent('It has expired.');
    expect(screen.getByRole('button', { name: 'Verify' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Send OTP' })).toBeEnabled();
    expect(screen.queryByRole('timer')).not.toBeInTheDocument();
  });

  it('checks the code length before verifying', async () => {
    const { requests } = renderSender({ 'POST /api/sms/sendOtp': () => sent() });
    const user = setupUser();

    await sendTo(user, '9876543210');
    await user.type(await screen.findByLabelText('One-time code'), '12');
    await user.click(screen.getByRole('button', { name: 'Verify' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('Enter the 6-digit code from the SMS.');
    expect(requests.filter((r) => r.path === '/api/sms/verifyOtp')).toHaveLength(0);
  });
});
