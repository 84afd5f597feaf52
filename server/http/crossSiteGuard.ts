import type { RequestHandler } from 'express';
import { AppError } from './appError.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF protection for cookie-authenticated writes, in two independent layers:
 * 1. a write must be JSON: an HTML form cannot send `application/json`, and a cross-site script cannot
 *    without a CORS preflight, which this server never grants;
 * 2. a browser that says the request is cross-site (`Sec-Fetch-Site: cross-site`) or comes from another
 *    origin (`Origin` not matching the Host) is refused.
 * Together with SameSite=Lax cookies this follows OWASP's defence-in-depth advice.
 */
export function crossSiteGuard(): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    if (req.get('sec-fetch-site') === 'cross-site') {
      return next(new AppError('cross_site_request', 'Cross-site requests are not allowed.'));
    }
    const origin = req.get('origin');
    if (origin && origin !== 'null' && !sameHost(origin, req.get('host'))) {
      return next(new AppError('cross_site_request', 'Cross-site requests are not allowed.'));
    }
    if (origin === 'null') {
      return next(new AppError('cross_site_request', 'Cross-site requests are not allowed.'));
    }
    if (!req.is('application/json')) {
      return next(new AppError('unsupported_media_type', 'Send the body as JSON (Content-Type: application/json).'));
    }
    next();
  };
}

function sameHost(origin: string, host: string | undefined): boolean {
  try {
    return Boolean(host) && new URL(origin).host === host;
  } catch {
    return false;
  }
}
