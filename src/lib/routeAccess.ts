import { ADMIN_ROLES, ROLE_HOME, type Role } from '../../common/roles.js';

/**
 * Which roles may open each protected page. src/routes.tsx guards the routes with these lists,
 * and the login form uses them not to send a user back to a page their role cannot open.
 */
export const ROUTE_ROLES = {
  '/admin/dashboard': ['super_admin'],
  '/dashboard': ADMIN_ROLES,
  '/staff/home': ['staff'],
  '/agent/home': ['agent'],
  '/settings/sms-otp': ADMIN_ROLES,
} as const satisfies Record<string, readonly Role[]>;

export const SETTINGS_SMS_OTP_PATH = '/settings/sms-otp';

export function canRoleOpen(role: Role, pathname: string): boolean {
  const normalized = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  const allowed: readonly Role[] | undefined = (ROUTE_ROLES as Record<string, readonly Role[]>)[normalized];
  return allowed === undefined || allowed.includes(role);
}

/**
 * A path inside this app: starts with one `/`. Rejects `//host` and `/\host` (browsers read both as
 * another site), any backslash, whitespace or control character.
 */
export function isSameAppPath(path: unknown): path is string {
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//')) return false;
  return !/[\s\\]/.test(path) && ![...path].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f);
}

interface LocationLike {
  pathname?: unknown;
  search?: unknown;
  hash?: unknown;
}

/** `location.state.from` as ProtectedRoute stores it (a Location), or a plain path; null when unusable. */
export function pathFromLocationState(state: unknown): string | null {
  if (typeof state !== 'object' || state === null || !('from' in state)) return null;
  const from = (state as { from: unknown }).from;
  if (typeof from === 'string') return isSameAppPath(from) ? from : null;
  if (typeof from !== 'object' || from === null) return null;
  const { pathname, search, hash } = from as LocationLike;
  if (!isSameAppPath(pathname)) return null;
  return pathname + (typeof search === 'string' ? search : '') + (typeof hash === 'string' ? hash : '');
}

/**
 * Where a user goes after logging in: back to the page they were sent away from, if it is ours,
 * is not the login page and their role may open it; else the server's redirect; else their role's home.
 */
export function destinationAfterLogin(role: Role, locationState: unknown, serverRedirect?: string): string {
  const from = pathFromLocationState(locationState);
  if (from !== null) {
    const pathname = from.split(/[?#]/)[0] ?? from;
    if (pathname !== '/login' && pathname !== '/' && canRoleOpen(role, pathname)) return from;
  }
  if (isSameAppPath(serverRedirect)) return serverRedirect;
  return ROLE_HOME[role];
}
