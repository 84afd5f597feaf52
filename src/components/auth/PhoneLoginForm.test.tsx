import { act, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InitialEntry } from 'react-router';
import type { PublicUser } from '../../../common/api/auth.js';
import { jsonResponse, meRoute, stubFetch, USERS, type FakeHandler } from '@/test/fakeServer';
import { renderRoutes } from '@/test/renderRoutes';
import { routes } from '@/routes';

const SESSION_IDS = ['0b7e7f3c-6a4e-4d7a-9a55-0c1d2e3f4a5b', '7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6'];

function sentAnswer(sessionId = SESSION_IDS[0], extra: Record<string, unknown> = {}) {
  return jsonResponse(200, {
    session_id: sessionId,
    status: 'sent',
    message: 'We sent a code to +91******3210.',
    response_time_ms: 350,
    expires_in_s: 300,
    resend_after_s: 30,
    ...extra,
  });
}

function loggedIn(user: PublicUser, redirect: string) {
  return jsonResponse(200, {
    verified: true,
    status: 'verified',
    message: 'Code verified. You are logged in.',
    response_time_ms: 90,
    user,
    redirect,
  });
}

function renderLogin(api: Record<string, FakeHandler>, initialEntries: InitialEntry[] = ['/login']) {
  const server = stubFetch({
    ...meRoute(null),
    'GET /api/sms/config': () => jsonResponse(503, { status: 'database_unavailable', message: 'Not in this test.' }),
    'GET /api/sms/logs': () => jsonResponse(503, { status: 'database_unavailable', message: 'Not in this test.' }),
    ...api,
  });
  return { ...server, ...renderRoutes(routes, initialEntries) };
}

function setupUser() {
  return userEvent.setup({ advanceTimers: (ms) => vi.advanceTimersByTime(ms) });
}

async function requestCode(user: ReturnType<typeof setupUser>, typed = '098765 43210') {
  await user.click(await screen.findByRole('tab', { name: 'Phone' }));
  await user.type(screen.getByLabelText('Mobile number'), typed);
  await user.click(screen.getByRole('button', { name: 'Send code' }));
  return screen.findByLabelText('One-time code');
}

async function enterCode(user: ReturnType<typeof setupUser>, code: string) {
  await user.click(screen.getByLabelText('One-time code'));
  await user.paste(code);
  await user.click(screen.getByRole('button', { name: 'Verify and log in' }));
}

const posts = (requests: { method: string; path: string; body: unknown }[], path: string) =>
  requests.filter((r) => r.method === 'POST' && r.path === path).map((r) => r.body);

describe('PhoneLoginForm', () => {
  beforeEach(() => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the code to the E.164 number, verifies it and goes to the role page', async () => {
    const { requests, router } = renderLogin({
      'POST /api/sms/sendOtp': () => sentAnswer(),
      'POST /api/sms/verifyOtp': () => loggedIn(USERS.superAdmin, '/admin/dashboard'),
    });
    const user = setupUser();

    const codeInput = await requestCode(user);

    expect(codeInput).toHaveFocus();
    expect(screen.getByText(/Code sent to/)).toHaveTextContent('Code sent to +91******3210');
    expect(posts(requests, '/api/sms/sendOtp')).toEqual([{ phone: '+919876543210', purpose: 'login' }]);

    await enterCode(user, '123456');

    expect(await screen.findByRole('heading', { level: 1, name: 'Admin dashboard' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/admin/dashboard');
    expect(posts(requests, '/api/sms/verifyOtp')).toEqual([{ session_id: SESSION_IDS[0], otp: '123456' }]);
  });

  it('returns to the page that sent the user to login when their role may open it', async () => {
    const { router } = renderLogin(
      {
        'POST /api/sms/sendOtp': () => sentAnswer(),
        'POST /api/sms/verifyOtp': () => loggedIn(USERS.admin, '/dashboard'),
      },
      [{ pathname: '/login', state: { from: { pathname: '/settings/sms-otp', search: '?tab=logs', hash: '' } } }],
    );
    const user = setupUser();

    await requestCode(user);
    await enterCode(user, '123456');

    expect(await screen.findByRole('heading', { level: 1, name: 'SMS & OTP' })).toBeInTheDocument();
    expect(router.state.location.pathname + router.state.location.search).toBe('/settings/sms-otp?tab=logs');
  });

  it("goes to the role's page instead of a `from` the role may not open", async () => {
    const { router } = renderLogin(
      {
        'POST /api/sms/sendOtp': () => sentAnswer(),
        'POST /api/sms/verifyOtp': () => loggedIn(USERS.staff, '/staff/home'),
      },
      [{ pathname: '/login', state: { from: { pathname: '/settings/sms-otp', search: '', hash: '' } } }],
    );
    const user = setupUser();

    await requestCode(user);
    await enterCode(user, '123456');

    expect(await screen.findByRole('heading', { level: 1, name: 'Staff home' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/staff/home');
  });

  it('works with the keyboard alone', async () => {
    const { router } = renderLogin({
      'POST /api/sms/sendOtp': () => sentAnswer(),
      'POST /api/sms/verifyOtp': () => loggedIn(USERS.agent, '/agent/home'),
    });
    const user = setupUser();

    (await screen.findByRole('tab', { name: 'Email' })).focus();
    await user.keyboard('{ArrowRight}');
    expect(screen.getByRole('tab', { name: 'Phone' })).toHaveAttribute('aria-selected', 'true');
    // The panel starts with a field, so Tab goes straight to it: no invisible stop on the panel itself.
    await user.tab();
    expect(screen.getByLabelText('Mobile number')).toHaveFocus();
    await user.keyboard('9876543210{Enter}');

    expect(await screen.findByLabelText('One-time code')).toHaveFocus();
    await user.keyboard('123456{Enter}');

    expect(await screen.findByRole('heading', { level: 1, name: 'Agent home' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/agent/home');
  });

  it('checks the number before sending', async () => {
    const { requests } = renderLogin({});
    const user = setupUser();

    await user.click(await screen.findByRole('tab', { name: 'Phone' }));
    await user.type(screen.getByLabelText('Mobile number'), '12345');
    await user.click(screen.getByRole('button', { name: 'Send code' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('Enter an Indian mobile number');
    expect(screen.getByLabelText('Mobile number')).toHaveAttribute('aria-invalid', 'true');
    expect(posts(requests, '/api/sms/sendOtp')).toHaveLength(0);
  });

  it('says how many attempts are left after a wrong code', async () => {
    renderLogin({
      'POST /api/sms/sendOtp': () => sentAnswer(),
      'POST /api/sms/verifyOtp': () =>
        jsonResponse(400, {
          status: 'otp_mismatch',
          message: 'That code is not right. 2 attempts left.',
          verified: false,
          attempts_left: 2,
        }),
    });
    const user = setupUser();

    await requestCode(user);
    await enterCode(user, '111111');

    expect(await screen.findByRole('alert')).toHaveTextContent('That code is not right. 2 attempts left.');
    expect(screen.getByLabelText('One-time code')).toHaveValue('');
    expect(screen.getByLabelText('One-time code')).toHaveAccessibleDescription(
      expect.stringContaining('2 attempts left.'),
    );
    expect(screen.getByRole('button', { name: 'Verify and log in' })).toBeEnabled();
  });

  it.each([
    ['too_many_attempts', 429, 'Too many wrong codes. Please request a new code.'],
    ['session_not_found', 404, 'This code is no longer valid. Please request a new one.'],
  ])(
    "after %s, shows the server's message, asks for a new code and verifies the new one",
    async (status, httpStatus, message) => {
      let sends = 0;
      let verifies = 0;
      const { requests, router } = renderLogin({
        'POST /api/sms/sendOtp': () => sentAnswer(SESSION_IDS[sends++]),
        'POST /api/sms/verifyOtp': () =>
          ++verifies === 1
            ? jsonResponse(httpStatus, { status, message, verified: false })
            : loggedIn(USERS.admin, '/dashboard'),
      });
      const user = setupUser();

      await requestCode(user);
      await enterCode(user, '123456');

      expect(await screen.findByRole('alert')).toHaveTextContent(message);
      expect(screen.getByRole('button', { name: 'Verify and log in' })).toBeDisabled();
      const resend = screen.getByRole('button', { name: 'Resend code' });
      expect(resend).toBeDisabled();
      expect(screen.getByRole('timer')).toHaveTextContent(/You can ask for a new code in \d+ seconds\./);

      act(() => vi.advanceTimersByTime(30_000));
      expect(resend).toBeEnabled();
      await user.click(resend);

      expect(await screen.findByText('We sent a code to +91******3210.')).toBeInTheDocument();
      expect(screen.queryByRole('alert')).not.toBeInTheDocument();
      await enterCode(user, '654321');

      expect(await screen.findByRole('heading', { level: 1, name: 'Dashboard' })).toBeInTheDocument();
      expect(router.state.location.pathname).toBe('/dashboard');
      expect(posts(requests, '/api/sms/verifyOtp')).toEqual([
        { session_id: SESSION_IDS[0], otp: '123456' },
        { session_id: SESSION_IDS[1], otp: '654321' },
      ]);
    },
  );

  it('after the server says otp_expired, offers Resend at once, inside the cooldown', async () => {
    renderLogin({
      'POST /api/sms/sendOtp': () => sentAnswer(),
      'POST /api/sms/verifyOtp': () =>
        jsonResponse(410, {
          status: 'otp_expired',
          message: 'This code has expired. Please request a new one.',
          verified: false,
        }),
    });
    const user = setupUser();

    await requestCode(user);
    await enterCode(user, '123456');

    expect(await screen.findByRole('alert')).toHaveTextContent('This code has expired. Please request a new one.');
    expect(screen.getByRole('button', { name: 'Verify and log in' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Resend code' })).toBeEnabled();
    expect(screen.queryByRole('timer')).not.toBeInTheDocument();
  });

  it('when the code runs out of time, disables Verify and enables Resend, even inside the cooldown', async () => {
    renderLogin({ 'POST /api/sms/sendOtp': () => sentAnswer(undefined, { expires_in_s: 20, resend_after_s: 60 }) });
    const user = setupUser();

    await requestCode(user);
    await user.click(screen.getByLabelText('One-time code'));
    await user.paste('123456');
    expect(screen.getByRole('button', { name: 'Verify and log in' })).toBeEnabled();
    expect(screen.getByRole('button', { name: 'Resend code' })).toBeDisabled();

    act(() => vi.advanceTimersByTime(20_000));

    expect(screen.getByText('This code has expired. Resend to get a new one.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Verify and log in' })).toBeDisabled();
    expect(screen.getByRole('button', { name: 'Resend code' })).toBeEnabled();
    expect(screen.queryByRole('timer')).not.toBeInTheDocument();
  });

  it('clears an alert about an earlier answer when the code field shows a new mistake', async () => {
    renderLogin({
      'POST /api/sms/sendOtp': () => sentAnswer(),
      'POST /api/sms/verifyOtp': () =>
        jsonResponse(503, {
          status: 'provider_unavailable',
          message: 'The SMS service is not responding.',
          verified: false,
        }),
    });
    const user = setupUser();

    await requestCode(user);
    await enterCode(user, '123456');
    expect(await screen.findByRole('alert')).toHaveTextContent('The SMS service is not responding.');

    await user.click(screen.getByLabelText('One-time code'));
    await user.keyboard('{Backspace}{Backspace}{Backspace}');
    await user.click(screen.getByRole('button', { name: 'Verify and log in' }));

    const alerts = await screen.findAllByRole('alert');
    expect(alerts.map((alert) => alert.textContent)).toEqual(['Enter the 6-digit code from the SMS.']);
  });

  it('shows a 503 from the SMS service as it is, without a countdown, and lets the person try again', async () => {
    const { requests } = renderLogin({
      'POST /api/sms/sendOtp': () =>
        jsonResponse(
          503,
          {
            status: 'provider_unavailable',
            message: 'The SMS service is not responding. Please try again in a minute.',
            retry_after_s: 30,
          },
          { 'Retry-After': '30' },
        ),
    });
    const user = setupUser();

    await user.click(await screen.findByRole('tab', { name: 'Phone' }));
    await user.type(screen.getByLabelText('Mobile number'), '9876543210');
    await user.click(screen.getByRole('button', { name: 'Send code' }));

    expect(await screen.findByRole('alert')).toHaveTextContent(
      'The SMS service is not responding. Please try again in a minute.',
    );
    expect(screen.queryByRole('timer')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Send code' })).toBeEnabled();
    await user.click(screen.getByRole('button', { name: 'Send code' }));
    await vi.waitFor(() => expect(posts(requests, '/api/sms/sendOtp')).toHaveLength(2));
  });

  it("announces the send in the server's words and counts the resend cooldown down from resend_after_s", async () => {
    renderLogin({
      'POST /api/sms/sendOtp': () =>
        sentAnswer(undefined, { resend_after_s: 45, message: 'Your code is on its way to +91******3210.' }),
    });
    const user = setupUser();

    await requestCode(user);

    expect(screen.getByText('Your code is on its way to +91******3210.')).toHaveAttribute('role', 'status');
    expect(screen.getByRole('timer')).toHaveTextContent('You can ask for a new code in 45 seconds.');
    expect(screen.getByRole('button', { name: 'Resend code' })).toBeDisabled();
    act(() => vi.advanceTimersByTime(44_000));
    expect(screen.getByRole('timer')).toHaveTextContent('in 1 second.');
    expect(screen.getByRole('button', { name: 'Resend code' })).toBeDisabled();
    act(() => vi.advanceTimersByTime(1_000));
    expect(screen.queryByRole('timer')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Resend code' })).toBeEnabled();
  });

  it('waits out a rate limit on sending, following retry_after_s', async () => {
    const { requests } = renderLogin({
      'POST /api/sms/sendOtp': () =>
        jsonResponse(
          429,
          { status: 'rate_limited', message: 'Too many codes were sent to this number this hour.', retry_after_s: 120 },
          { 'Retry-After': '120' },
        ),
    });
    const user = setupUser();

    await user.click(await screen.findByRole('tab', { name: 'Phone' }));
    await user.type(screen.getByLabelText('Mobile number'), '9876543210');
    await user.click(screen.getByRole('button', { name: 'Send code' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('Too many codes were sent to this number this hour.');
    expect(screen.getByRole('timer')).toHaveTextContent('You can try again in 2 minutes.');
    expect(screen.getByRole('button', { name: 'Send code' })).toBeDisabled();

    act(() => vi.advanceTimersByTime(90_000));
    expect(screen.getByRole('timer')).toHaveTextContent('You can try again in 30 seconds.');
    expect(screen.getByRole('button', { name: 'Send code' })).toBeDisabled();

    act(() => vi.advanceTimersByTime(30_000));
    expect(screen.getByRole('button', { name: 'Send code' })).toBeEnabled();
    expect(posts(requests, '/api/sms/sendOtp')).toHaveLength(1);
  });

  it('waits out a rate limit on checking codes', async () => {
    renderLogin({
      'POST /api/sms/sendOtp': () => sentAnswer(),
      'POST /api/sms/verifyOtp': () =>
        jsonResponse(429, {
          status: 'rate_limited',
          message: 'Too many code checks from your network.',
          verified: false,
          retry_after_s: 20,
        }),
    });
    const user = setupUser();

    await requestCode(user);
    await enterCode(user, '123456');

    expect(await screen.findByRole('alert')).toHaveTextContent('Too many code checks from your network.');
    expect(screen.getByText('You can try the code again in 20 seconds.')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Verify and log in' })).toBeDisabled();
    act(() => vi.advanceTimersByTime(20_000));
    expect(screen.getByRole('button', { name: 'Verify and log in' })).toBeEnabled();
  });

  it('goes back to the number with "Change number", keeping what was typed', async () => {
    renderLogin({ 'POST /api/sms/sendOtp': () => sentAnswer() });
    const user = setupUser();

    await requestCode(user, '98765 43210');
    await user.click(screen.getByRole('button', { name: 'Change number' }));

    const phone = screen.getByLabelText('Mobile number');
    expect(phone).toHaveValue('98765 43210');
    expect(phone).toHaveFocus();
    expect(screen.queryByLabelText('One-time code')).not.toBeInTheDocument();
  });
});
