import type { RequestHandler } from 'express';
import type { Role } from '../../common/roles.js';
import { AppError } from '../http/appError.js';
import type { AuthService } from './authService.js';
import { readSessionToken } from './sessionCookie.js';

/** Sets `req.user` from the session cookie when there is a live session; never rejects by itself. */
export function authenticate(auth: Pick<AuthService, 'userForToken'>, secureCookies: boolean): RequestHandler {
  return async (req, _res, next) => {
    const token = readSessionToken(req, secureCookies);
    if (token) req.user = await auth.userForToken(token);
    next();
  };
}

/** 401 without a session, 403 for a role not in `roles`. Checked on the server for every protected route. */
export function requireRole(...roles: readonly Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.user) return next(new AppError('unauthorized', 'Please log in first.'));
    if (roles.length > 0 && !roles.includes(req.user.role)) {
      return next(new AppError('forbidden', 'You do not have access to this.'));
    }
    next();
  };
}
