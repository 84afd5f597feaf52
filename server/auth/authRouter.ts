import { Router } from 'express';
import { loginRequestSchema, type MeResponse } from '../../common/api/auth.js';
import { clientIpKey, createLimiter } from '../http/rateLimit.js';
import type { LimiterStoreFactory } from '../http/limiterStores.js';
import { parseOrThrow } from '../http/validate.js';
import type { AuthService } from './authService.js';
import { clearSessionCookie, readSessionToken, setSessionCookie } from './sessionCookie.js';
import { readTrustedDeviceToken, setTrustedDeviceCookie } from './trustedDevice.js';

export interface AuthRouterDeps {
  auth: AuthService;
  limiterStores: LimiterStoreFactory;
  secureCookies: boolean;
  sessionTtlSeconds: number;
  failedLoginsPer15Minutes: number;
}

/** The window of LOGIN_RATE_LIMIT_PER_15_MIN (failedLoginsPer15Minutes). */
const FAILED_LOGINS_WINDOW_MS = 15 * 60_000;

/** /api/auth: email login, who am I, logout. */
export function createAuthRouter(deps: AuthRouterDeps): Router {
  const router = Router();
  const cookie = { secure: deps.secureCookies, maxAgeSeconds: deps.sessionTtlSeconds };

  const failedLoginsPerIp = createLimiter({
    name: 'login-ip',
    windowMs: FAILED_LOGINS_WINDOW_MS,
    limit: deps.failedLoginsPer15Minutes,
    key: clientIpKey,
    count: 'failures',
    message: 'Too many failed logins from your network.',
    stores: deps.limiterStores,
  });

  router.post('/login', failedLoginsPerIp, async (req, res) => {
    const { email, password } = parseOrThrow(loginRequestSchema, req.body);
    const { token, login, deviceToken } = await deps.auth.loginWithPassword(
      email,
      password,
      readTrustedDeviceToken(req, deps.secureCookies),
    );
    setSessionCookie(res, token, cookie);
    setTrustedDeviceCookie(res, deviceToken, deps.secureCookies);
    res.json(login);
  });

  // "Who am I" has two normal answers: a user, or nobody. Logged out is not an error here (a 401 would put
  // an error in the browser console on every logged-out page load); other protected routes keep their 401.
  router.get('/me', (req, res) => {
    const answer: MeResponse = { user: req.user ?? null };
    res.json(answer);
  });

  router.post('/logout', async (req, res) => {
    const token = readSessionToken(req, deps.secureCookies);
    if (token) await deps.auth.logout(token);
    clearSessionCookie(res, deps.secureCookies);
    res.status(204).end();
  });

  return router;
}
