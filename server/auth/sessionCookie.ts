import { createHash, randomBytes } from 'node:crypto';
import { parse as parseCookies, serialize } from 'cookie';
import type { Request, Response } from 'express';

/**
 * The login session cookie: a random 256-bit token (only its SHA-256 is stored), HttpOnly, SameSite=Lax,
 * Secure in production. In production the `__Host-` prefix also pins it to this host and path `/`.
 */
export interface SessionCookieSettings {
  secure: boolean;
  maxAgeSeconds: number;
}

export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-sid' : 'sid';
}

export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function readSessionToken(req: Request, secure: boolean): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  const token = parseCookies(header)[sessionCookieName(secure)];
  return token && /^[A-Za-z0-9_-]{43}$/.test(token) ? token : undefined;
}

export function setSessionCookie(res: Response, token: string, settings: SessionCookieSettings): void {
  res.append(
    'Set-Cookie',
    serialize(sessionCookieName(settings.secure), token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: settings.secure,
      path: '/',
      maxAge: settings.maxAgeSeconds,
    }),
  );
}

export function clearSessionCookie(res: Response, secure: boolean): void {
  res.append(
    'Set-Cookie',
    serialize(sessionCookieName(secure), '', { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: 0 }),
  );
}
