import type { RouteObject } from 'react-router';
import { ProtectedRoute } from '@/components/auth/ProtectedRoute';
import { RoleHomeRedirect } from '@/components/auth/RoleHomeRedirect';
import { AppLayout } from '@/components/layout/AppLayout';
import { PageSkeleton } from '@/components/layout/PageSkeleton';
import { RouteErrorPage } from '@/components/layout/RouteErrorPage';
import LoginPage from '@/pages/login/index';
import NotFoundPage from '@/pages/not-found/index';
import { PROTECTED_PAGES } from '@/routeTable';

/**
 * Every page of the app. The role-restricted pages are generated from PROTECTED_PAGES, each under a
 * ProtectedRoute with its roles, inside AppLayout (which itself needs any logged-in user). Used by
 * createBrowserRouter in App.tsx and by createMemoryRouter in tests.
 */
export const routes: RouteObject[] = [
  {
    errorElement: <RouteErrorPage />,
    hydrateFallbackElement: <PageSkeleton />,
    children: [
      { index: true, path: '/', element: <RoleHomeRedirect /> },
      { path: '/login', element: <LoginPage /> },
      {
        element: <ProtectedRoute />,
        children: [
          {
            element: <AppLayout />,
            children: PROTECTED_PAGES.map(({ path, page, roles }): RouteObject => ({
              element: <ProtectedRoute roles={roles} />,
              children: [{ path, ...page }],
            })),
          },
        ],
      },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];
