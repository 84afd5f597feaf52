import type { RouteObject } from 'react-router';
import { ProtectedRoute } from '@/components/auth/ProtectedRoute';
import { RoleHomeRedirect } from '@/components/auth/RoleHomeRedirect';
import { AppLayout } from '@/components/layout/AppLayout';
import { PageSkeleton } from '@/components/layout/PageSkeleton';
import { RouteErrorPage } from '@/components/layout/RouteErrorPage';
import { ROUTE_ROLES } from '@/lib/routeAccess';
import AgentHomePage from '@/pages/agent/home/index';
import AdminDashboardPage from '@/pages/admin/dashboard/index';
import DashboardPage from '@/pages/dashboard/index';
import LoginPage from '@/pages/login/index';
import NotFoundPage from '@/pages/not-found/index';
import StaffHomePage from '@/pages/staff/home/index';

/**
 * Every page of the app. Role-restricted pages sit under ProtectedRoute with their list from ROUTE_ROLES,
 * inside AppLayout (which itself needs any logged-in user). Used by createBrowserRouter in App.tsx
 * and by createMemoryRouter in tests.
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
            children: [
              {
                element: <ProtectedRoute roles={ROUTE_ROLES['/admin/dashboard']} />,
                children: [{ path: '/admin/dashboard', element: <AdminDashboardPage /> }],
              },
              {
                element: <ProtectedRoute roles={ROUTE_ROLES['/dashboard']} />,
                children: [{ path: '/dashboard', element: <DashboardPage /> }],
              },
              {
                element: <ProtectedRoute roles={ROUTE_ROLES['/staff/home']} />,
                children: [{ path: '/staff/home', element: <StaffHomePage /> }],
              },
              {
                element: <ProtectedRoute roles={ROUTE_ROLES['/agent/home']} />,
                children: [{ path: '/agent/home', element: <AgentHomePage /> }],
              },
              {
                element: <ProtectedRoute roles={ROUTE_ROLES['/settings/sms-otp']} />,
                children: [
                  {
                    path: '/settings/sms-otp',
                    // Loaded on first visit: the settings bundle is for admins only.
                    lazy: async () => {
                      const { default: Component } = await import('@/pages/settings/sms-otp/index');
                      return { Component };
                    },
                  },
                ],
              },
            ],
          },
        ],
      },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];
