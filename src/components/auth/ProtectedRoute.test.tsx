import { screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ProtectedRoute } from '@/components/auth/ProtectedRoute';
import { jsonResponse, meRoute, stubFetch, USERS } from '@/test/fakeServer';
import { renderRoutes } from '@/test/renderRoutes';

const routes = [
  { path: '/login', element: <h1>Login page</h1> },
  {
    element: <ProtectedRoute roles={['super_admin']} />,
    children: [{ path: '/admin/dashboard', element: <h1>Admin area</h1> }],
  },
  {
    path: '/anyone',
    element: (
      <ProtectedRoute>
        <h1>Members area</h1>
      </ProtectedRoute>
    ),
  },
];

describe('ProtectedRoute', () => {
  it('sends a logged-out visitor to /login, carrying the page they wanted in `from`', async () => {
    stubFetch(meRoute(null));
    const { router } = renderRoutes(routes, ['/admin/dashboard?tab=x']);

    expect(await screen.findByRole('heading', { name: 'Login page' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/login');
    expect(router.state.location.state).toMatchObject({ from: { pathname: '/admin/dashboard', search: '?tab=x' } });
    expect(screen.queryByRole('heading', { name: 'Admin area' })).not.toBeInTheDocument();
  });

  it('shows the 403 page in place for the wrong role, keeping the URL', async () => {
    stubFetch(meRoute(USERS.staff));
    const { router } = renderRoutes(routes, ['/admin/dashboard']);

    expect(await screen.findByRole('heading', { name: "You don't have access to this page" })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Go to your home page' })).toHaveAttribute('href', '/staff/home');
    expect(screen.queryByRole('heading', { name: 'Admin area' })).not.toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/admin/dashboard');
  });

  it('shows the page to an allowed role', async () => {
    stubFetch(meRoute(USERS.superAdmin));
    renderRoutes(routes, ['/admin/dashboard']);

    expect(await screen.findByRole('heading', { name: 'Admin area' })).toBeInTheDocument();
  });

  it('lets any logged-in user in when no roles are given', async () => {
    stubFetch(meRoute(USERS.agent));
    renderRoutes(routes, ['/anyone']);

    expect(await screen.findByRole('heading', { name: 'Members area' })).toBeInTheDocument();
  });

  it('shows a loading state while the session is checked', async () => {
    let answer: (response: Response) => void = () => {};
    stubFetch({ 'GET /api/auth/me': () => new Promise<Response>((resolve) => (answer = resolve)) });
    renderRoutes(routes, ['/admin/dashboard']);

    expect(await screen.findByRole('status')).toHaveTextContent('Loading…');
    answer(jsonResponse(200, { user: USERS.superAdmin }));
    expect(await screen.findByRole('heading', { name: 'Admin area' })).toBeInTheDocument();
  });

  it('offers a retry when the session cannot be checked, instead of logging the user out', async () => {
    stubFetch({ 'GET /api/auth/me': () => new Response('upstream down', { status: 502 }) });
    const { router } = renderRoutes(routes, ['/admin/dashboard']);

    expect(await screen.findByRole('alert')).toHaveTextContent('We could not check your session');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
    expect(router.state.location.pathname).toBe('/admin/dashboard');
  });
});
