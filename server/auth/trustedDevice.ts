/**
 * Trusted devices: a browser that has logged in to an account holds a signed cookie saying so. Failed passwords
 * from a trusted device count against that device only, not against the account, so a stranger who keeps an
 * account's throttle busy (loginThrottle.ts) never slows its owner down on their own devices.
 *
 * The cookie is `<userId>.<deviceId>.<issuedAtS>.<mac>`, HMAC-SHA256 under a key derived from APP_SECRET; nothing is
 * stored. It proves only "this browser logged in as this user before": it opens no session and grants no access.
 * HttpOnly, SameSite=Lax, Secure and `__Host-` in production, like the session cookie; it lives 180 days.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { parse as parseCookies, serialize } from 'cookie';
import type { Request, Response } from 'express';

export const TRUSTED_DEVICE_MAX_AGE_S = 180 * 86_400;

export interface TrustedDevice {
  userId: string;
  deviceId: string;
}

export interface TrustedDevices {
  /** A new cookie value for a device that just logged in as `userId`. */
  issue(userId: string): string;
  /** The device a cookie value names, if its signature holds and it is not too old. */
  verify(token: string | undefined): TrustedDevice | undefined;
}

export function createTrustedDevices(appSecret: string, now: () => number): TrustedDevices {
  const key = createHmac('sha256', appSecret).update('trusted-device cookie v1').digest();
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');

  return {
    issue(userId) {
      const payload = `${userId}.${randomBytes(16).toString('base64url')}.${Math.floor(now() / 1000)}`;
      return `${payload}.${mac(payload)}`;
    },
    verify(token) {
      const parts = token?.split('.');
      if (!parts || parts.length !== 4) return undefined;
      const [userId, deviceId, issuedAtS, signature] = parts as [string, string, string, string];
      const expected = Buffer.from(mac(`${userId}.${deviceId}.${issuedAtS}`));
      const given = Buffer.from(signature);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      const ageS = now() / 1000 - Number(issuedAtS);
      if (!(ageS >= 0 && ageS <= TRUSTED_DEVICE_MAX_AGE_S)) return undefined;
      return { userId, deviceId };
    },
  };
}

function cookieName(secure: boolean): string {
  return secure ? '__Host-device' : 'device';
}

export function readTrustedDeviceToken(req: Request, secure: boolean): string | undefined {
  const header = req.headers.cookie;
  return header ? parseCookies(header)[cookieName(secure)] : undefined;
}

export function setTrustedDeviceCookie(res: Response, token: string, secure: boolean): void {
  res.append(
    'Set-Cookie',
    serialize(cookieName(secure), token, {
      httpOnly: true,
      sameSite: 'lax',
      secure,
      path: '/',
      maxAge: TRUSTED_DEVICE_MAX_AGE_S,
    }),
  );
}
