import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { jsonResponse, meRoute, noContent, stubFetch, USERS } from '@/test/fakeServer';
import { renderRoutes } from '@/test/renderRoutes';
import { routes } from '@/routes';

describe('AppLayout', () => {
  it('shows an admin Home and Settings, who is signed in and their role', async () => {
    stubFetch(meRoute(USERS.admin));
    renderRoutes(routes, ['/dashboard']);

    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Home' })).toHaveAttribute('href', '/dashboard');
    expect(within(nav).getByRole('link', { name: 'Settings' })).toHaveAttribute('href', '/settings/sms-otp');
    const banner = screen.getByRole('banner');
    expect(within(banner).getByText('admin@example.com')).toBeInTheDocument();
    expect(within(banner).getByText('Admin')).toBeInTheDocument();
    expect(screen.getByRole('main')).toContainElement(screen.getByRole('heading', { level: 1, name: 'Dashboard' }));
  });

  it('shows Settings to a super admin too', async () => {
    stubFetch(meRoute(USERS.superAdmin));
    renderRoutes(routes, ['/admin/dashboard']);

    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Settings' })).toBeInTheDocument();
    expect(within(nav).getByRole('link', { name: 'Home' })).toHaveAttribute('href', '/admin/dashboard');
  });

  it.each([
    ['staff', USERS.staff, '/staff/home'],
    ['agent', USERS.agent, '/agent/home'],
  ])('hides Settings from %s', async (_role, user, home) => {
    stubFetch(meRoute(user));
    renderRoutes(routes, [home]);

    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Home' })).toHaveAttribute('href', home);
    expect(within(nav).queryByRole('link', { name: 'Settings' })).not.toBeInTheDocument();
  });

  it('offers a skip link to the main content', async () => {
    stubFetch(meRoute(USERS.staff));
    renderRoutes(routes, ['/staff/home']);

    const skip = await screen.findByRole('link', { name: 'Skip to main content' });
    expect(skip).toHaveAttribute('href', '#main');
    expect(screen.getByRole('main')).toHaveAttribute('id', 'main');
  });

  it('has a menu button that tells whether the navigation is open', async () => {
    stubFetch(meRoute(USERS.staff));
    renderRoutes(routes, ['/staff/home']);
    const user = userEvent.setup();

    const toggle = await screen.findByRole('button', { name: 'Open menu' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await user.click(toggle);
    expect(screen.getByRole('button', { name: 'Close menu' })).toHaveAttribute('aria-expanded', 'true');
    await user.keyboard('{Escape}');
    expect(screen.getByRole('button', { name: 'Open menu' })).toHaveFocus();
  });

  it('moves focus to the new page when a link of the open menu is followed', async () => {
    stubFetch(meRoute(USERS.admin));
    renderRoutes(routes, ['/dashboard']);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Open menu' }));
    await user.click(within(screen.getByRole('navigation', { name: 'Main' })).getByRole('link', { name: 'Settings' }));

    expect(await screen.findByRole('heading', { level: 1, name: 'SMS & OTP' })).toBeInTheDocument();
    expect(screen.getByRole('main')).toHaveFocus();
    expect(screen.getByRole('button', { name: 'Open menu' })).toHaveAttribute('aria-expanded', 'false');
  });

  it('logs out with a JSON POST and lands on the login page', async () => {
    const { requests } = stubFetch({ ...meRoute(USERS.admin), 'POST /api/auth/logout': () => noContent() });
    const { router } = renderRoutes(routes, ['/dashboard']);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Log out' }));

    expect(await screen.findByRole('heading', { name: 'Log in to SMS OTP' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
    expect(router.state.location.state).toBeNull();
    const logout = requests.find((r) => r.path === '/api/auth/logout');
    expect(logout).toMatchObject({ method: 'POST', rawBody: '{}' });
    expect(logout?.headers.get('Content-Type')).toBe('application/json');
  });

  it('treats an already expired session as logged out', async () => {
    stubFetch({
      ...meRoute(USERS.staff),
      'POST /api/auth/logout': () => jsonResponse(401, { status: 'unauthorized', message: 'Log in to continue.' }),
    });
    renderRoutes(routes, ['/staff/home']);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Log out' }));

    expect(await screen.findByRole('heading', { name: 'Log in to SMS OTP' })).toBeInTheDocument();
  });
});
