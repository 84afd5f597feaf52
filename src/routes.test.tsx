import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { jsonResponse, meRoute, stubFetch, USERS } from '@/test/fakeServer';
import { renderRoutes } from '@/test/renderRoutes';
import { routes } from '@/routes';
import { PROTECTED_PAGES } from '@/routeTable';
import type { Role } from '../common/roles.js';

describe('routes', () => {
  it('sends / to the login page when logged out', async () => {
    stubFetch(meRoute(null));
    const { router } = renderRoutes(routes, ['/']);

    expect(await screen.findByRole('heading', { name: 'Log in to SMS OTP' })).toBeInTheDocument();
    expect(screen.getByRole('tab', { name: 'Email' })).toHaveAttribute('aria-selected', 'true');
    expect(router.state.location.pathname).toBe('/login');
  });

  it.each([
    [USERS.superAdmin, '/admin/dashboard', 'Admin dashboard'],
    [USERS.admin, '/dashboard', 'Dashboard'],
    [USERS.staff, '/staff/home', 'Staff home'],
    [USERS.agent, '/agent/home', 'Agent home'],
  ])('sends / to the home of $role', async (user, home, heading) => {
    stubFetch(meRoute(user));
    const { router } = renderRoutes(routes, ['/']);

    expect(await screen.findByRole('heading', { level: 1, name: heading })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe(home);
    expect(screen.getByRole('heading', { name: 'Signed in' })).toBeInTheDocument();
  });

  it('sends a logged-in user away from /login to their home', async () => {
    stubFetch(meRoute(USERS.staff));
    const { router } = renderRoutes(routes, ['/login']);

    expect(await screen.findByRole('heading', { level: 1, name: 'Staff home' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/staff/home');
  });

  it('links the admin home pages to Settings → SMS & OTP, which loads on demand', async () => {
    stubFetch(meRoute(USERS.admin));
    renderRoutes(routes, ['/dashboard']);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('link', { name: 'Settings → SMS & OTP' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'SMS & OTP' })).toBeInTheDocument();
  });

  it('shows the 403 page to staff on an admin page', async () => {
    stubFetch(meRoute(USERS.staff));
    renderRoutes(routes, ['/settings/sms-otp']);

    expect(await screen.findByRole('heading', { name: "You don't have access to this page" })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Go to your home page' })).toHaveAttribute('href', '/staff/home');
  });

  it.each(
    PROTECTED_PAGES.map(({ path, roles }) => ({
      path,
      outsider: Object.values(USERS).find((user) => !(roles as readonly Role[]).includes(user.role))!,
    })),
  )('guards $path with the roles of the route table ($outsider.role gets the 403 page)', async ({ path, outsider }) => {
    stubFetch(meRoute(outsider));
    const { router } = renderRoutes(routes, [path]);

    expect(await screen.findByRole('heading', { name: "You don't have access to this page" })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe(path);
  });

  it('logs in from the login page and comes back to the page that asked for it', async () => {
    stubFetch({
      ...meRoute(null),
      'POST /api/auth/login': () => jsonResponse(200, { user: USERS.superAdmin, redirect: '/admin/dashboard' }),
    });
    const { router } = renderRoutes(routes, ['/settings/sms-otp']);
    const user = userEvent.setup();

    // by role: the Email tab's panel is labelled "Email" too
    await user.type(await screen.findByRole('textbox', { name: 'Email' }), 'root@example.com');
    await user.type(screen.getByLabelText('Password'), 'correct horse');
    await user.click(screen.getByRole('button', { name: 'Log in' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'SMS & OTP' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/settings/sms-otp');
  });

  it('has a not-found page', async () => {
    stubFetch(meRoute(null));
    renderRoutes(routes, ['/no/such/page']);

    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
  });
});
