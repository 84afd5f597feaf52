import { ROLE_HOME, type Role } from '../../common/roles.js';
import { PROTECTED_PAGES } from '@/routeTable';

/** Whether `role` may open `pathname` (trailing slashes ignored); pages outside PROTECTED_PAGES are open to all. */
export function canRoleOpen(role: Role, pathname: string): boolean {
  const normalized = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;
  const page = PROTECTED_PAGES.find((entry) => entry.path === normalized);
  return page === undefined || (page.roles as readonly Role[]).includes(role);
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
  const from = state.from;
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
