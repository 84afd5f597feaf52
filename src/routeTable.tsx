import type { RouteObject } from 'react-router';
import { ADMIN_ROLES, type Role } from '../common/roles.js';
import { SETTINGS_SMS_OTP_PATH } from '@/lib/paths';
import AgentHomePage from '@/pages/agent/home/index';
import AdminDashboardPage from '@/pages/admin/dashboard/index';
import DashboardPage from '@/pages/dashboard/index';
import StaffHomePage from '@/pages/staff/home/index';

/** A page: rendered at once (`Component`), or loaded on its first visit (`lazy`, React Router's own shape). */
export type PageSource = Pick<RouteObject, 'Component'> | Required<Pick<RouteObject, 'lazy'>>;

export interface ProtectedPage {
  path: string;
  page: PageSource;
  /** Roles that may open the page; the server checks its data again for every call. */
  roles: readonly Role[];
}

/**
 * The one list of role-restricted pages. src/routes.tsx generates their routes from it (each under a
 * ProtectedRoute with these roles), and the login forms read it not to send a user back to a page their role
 * cannot open. A new page is one line here. Public pages (/, /login, not found) are in src/routes.tsx.
 */
export const PROTECTED_PAGES = [
  { path: '/admin/dashboard', page: { Component: AdminDashboardPage }, roles: ['super_admin'] },
  { path: '/dashboard', page: { Component: DashboardPage }, roles: ADMIN_ROLES },
  { path: '/staff/home', page: { Component: StaffHomePage }, roles: ['staff'] },
  { path: '/agent/home', page: { Component: AgentHomePage }, roles: ['agent'] },
  {
    path: SETTINGS_SMS_OTP_PATH,
    // Loaded on first visit: the settings bundle is for admins only.
    page: {
      lazy: async () => {
        const { default: Component } = await import('@/pages/settings/sms-otp/index');
        return { Component };
      },
    },
    roles: ADMIN_ROLES,
  },
] as const satisfies readonly ProtectedPage[];
