import { act, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EmailLoginForm } from '@/components/auth/EmailLoginForm';
import { jsonResponse, meRoute, stubFetch, USERS, type FakeHandler } from '@/test/fakeServer';
import { renderRoutes } from '@/test/renderRoutes';
import type { InitialEntry } from 'react-router';

const routes = [
  { path: '/login', element: <EmailLoginForm /> },
  { path: '/dashboard', element: <h1>Dashboard</h1> },
  { path: '/staff/home', element: <h1>Staff home</h1> },
  { path: '/settings/sms-otp', element: <h1>SMS &amp; OTP</h1> },
];

function renderForm(loginAnswer: FakeHandler, initialEntries: InitialEntry[] = ['/login']) {
  const server = stubFetch({ ...meRoute(null), 'POST /api/auth/login': loginAnswer });
  return { ...server, ...renderRoutes(routes, initialEntries) };
}

async function logIn(email: string, password: string) {
  const user = userEvent.setup();
  await user.type(screen.getByLabelText('Email'), email);
  await user.type(screen.getByLabelText('Password'), password);
  await user.click(screen.getByRole('button', { name: 'Log in' }));
}

describe('EmailLoginForm', () => {
  it('labels its inputs for the browser password manager', () => {
    renderForm(() => jsonResponse(500, {}));

    expect(screen.getByLabelText('Email')).toHaveAttribute('autocomplete', 'email');
    expect(screen.getByLabelText('Password')).toHaveAttribute('autocomplete', 'current-password');
  });

  it('explains what is missing before asking the server', async () => {
    const { requests } = renderForm(() => jsonResponse(500, {}));
    const user = userEvent.setup();

    await user.click(screen.getByRole('button', { name: 'Log in' }));

    const alerts = await screen.findAllByRole('alert');
    expect(alerts.map((alert) => alert.textContent)).toEqual(['Enter a valid email address.', 'Enter your password.']);
    expect(screen.getByLabelText('Email')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('Enter a valid email address.');

    await user.type(screen.getByLabelText('Email'), 'not-an-email');
    await user.type(screen.getByLabelText('Password'), 'secret');
    await user.click(screen.getByRole('button', { name: 'Log in' }));

    expect(screen.getByRole('alert')).toHaveTextContent('Enter a valid email address.');
    expect(screen.getByLabelText('Password')).not.toHaveAttribute('aria-invalid');
    expect(requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it("sends the normalised email and goes to the server's redirect", async () => {
    const { requests, router } = renderForm(() => jsonResponse(200, { user: USERS.admin, redirect: '/dashboard' }));

    await logIn('  Admin@Example.com ', 'correct horse');

    expect(await screen.findByRole('heading', { name: 'Dashboard' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/dashboard');
    const login = requests.find((r) => r.method === 'POST' && r.path === '/api/auth/login');
    expect(login?.headers.get('Content-Type')).toBe('application/json');
    expect(login?.body).toEqual({ email: 'admin@example.com', password: 'correct horse' });
  });

  it('returns to the page the user came from', async () => {
    const { router } = renderForm(
      () => jsonResponse(200, { user: USERS.admin, redirect: '/dashboard' }),
      [{ pathname: '/login', state: { from: { pathname: '/settings/sms-otp', search: '?tab=logs', hash: '' } } }],
    );

    await logIn('admin@example.com', 'correct horse');

    expect(await screen.findByRole('heading', { name: 'SMS & OTP' })).toBeInTheDocument();
    expect(router.state.location.pathname + router.state.location.search).toBe('/settings/sms-otp?tab=logs');
  });

  it('ignores a `from` outside the app', async () => {
    renderForm(
      () => jsonResponse(200, { user: USERS.staff, redirect: '/staff/home' }),
      [{ pathname: '/login', state: { from: '//evil.example/phish' } }],
    );

    await logIn('staff@example.com', 'correct horse');

    expect(await screen.findByRole('heading', { name: 'Staff home' })).toBeInTheDocument();
  });

  it("shows the server's one generic message on 401", async () => {
    const { router } = renderForm(() =>
      jsonResponse(401, { status: 'invalid_credentials', message: 'Email or password is incorrect.' }),
    );

    await logIn('admin@example.com', 'wrong');

    expect(await screen.findByRole('alert')).toHaveTextContent('Email or password is incorrect.');
    expect(router.state.location.pathname).toBe('/login');
    expect(screen.getByRole('button', { name: 'Log in' })).toBeEnabled();
  });

  describe('after too many failed logins (429)', () => {
    beforeEach(() => {
      vi.useFakeTimers({ shouldAdvanceTime: true });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('counts retry_after_s down with the button disabled, then lets the person try again', async () => {
      const { requests } = renderForm(() =>
        jsonResponse(
          429,
          { status: 'rate_limited', message: 'Too many failed logins from your network.', retry_after_s: 65 },
          { 'Retry-After': '65' },
        ),
      );
      const user = userEvent.setup({ advanceTimers: (ms) => vi.advanceTimersByTime(ms) });

      await user.type(screen.getByLabelText('Email'), 'admin@example.com');
      await user.type(screen.getByLabelText('Password'), 'guess');
      await user.click(screen.getByRole('button', { name: 'Log in' }));

      expect(await screen.findByRole('alert')).toHaveTextContent('Too many failed logins from your network.');
      expect(screen.getByRole('timer')).toHaveTextContent('You can try again in 2 minutes.');
      expect(screen.getByRole('button', { name: 'Log in' })).toBeDisabled();

      act(() => vi.advanceTimersByTime(36_000));
      expect(screen.getByRole('timer')).toHaveTextContent('You can try again in 29 seconds.');
      await user.type(screen.getByLabelText('Password'), '{Enter}');
      expect(requests.filter((r) => r.method === 'POST')).toHaveLength(1);

      act(() => vi.advanceTimersByTime(29_000));
      expect(screen.queryByRole('timer')).not.toBeInTheDocument();
      expect(screen.queryByRole('alert')).not.toBeInTheDocument();
      expect(screen.getByRole('button', { name: 'Log in' })).toBeEnabled();
    });

    it('follows the Retry-After header when the body has no retry_after_s', async () => {
      renderForm(() => new Response('Too Many Requests', { status: 429, headers: { 'Retry-After': '10' } }));

      await logIn('admin@example.com', 'guess');

      expect(await screen.findByRole('timer')).toHaveTextContent('You can try again in 10 seconds.');
      expect(screen.getByRole('button', { name: 'Log in' })).toBeDisabled();
    });
  });

  it('disables the button and says so while logging in', async () => {
    let answer: (response: Response) => void = () => {};
    renderForm(() => new Promise<Response>((resolve) => (answer = resolve)));

    await logIn('admin@example.com', 'correct horse');

    expect(await screen.findByRole('button', { name: 'Logging in…' })).toBeDisabled();
    answer(jsonResponse(200, { user: USERS.admin, redirect: '/dashboard' }));
    expect(await screen.findByRole('heading', { name: 'Dashboard' })).toBeInTheDocument();
  });

  it('puts per-field issues of a 400 under the fields', async () => {
    renderForm(() =>
      jsonResponse(400, {
        status: 'invalid_request',
        message: 'Check the highlighted fields.',
        issues: [{ path: 'email', message: 'This email is not accepted.' }],
      }),
    );

    await logIn('admin@example.com', 'pw');

    expect(await screen.findByRole('alert')).toHaveTextContent('This email is not accepted.');
    expect(screen.getByLabelText('Email')).toHaveAccessibleDescription('This email is not accepted.');
  });
});
