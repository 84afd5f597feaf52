import type { LoginResponse, PublicUser } from '../../common/api/auth.js';
import { ROLE_HOME } from '../../common/roles.js';
import type { UserSessionsRepository } from '../db/userSessionsRepository.js';
import type { UsersRepository } from '../db/usersRepository.js';
import { AppError } from '../http/appError.js';
import type { LoginThrottle } from './loginThrottle.js';
import { verifyAgainstDummy, verifyPassword } from './passwords.js';
import { hashSessionToken, newSessionToken } from './sessionCookie.js';
import type { TrustedDevices } from './trustedDevice.js';

export interface AuthServiceDeps {
  users: UsersRepository;
  sessions: UserSessionsRepository;
  throttle: LoginThrottle;
  devices: TrustedDevices;
  now: () => number;
  sessionTtlMs: number;
}

export interface StartedSession {
  token: string;
  login: LoginResponse;
  /** A trusted-device cookie value for the browser that just logged in. */
  deviceToken: string;
}

const INVALID_CREDENTIALS = 'The email or password is incorrect.';

export type AuthService = ReturnType<typeof createAuthService>;

export function createAuthService({ users, sessions, throttle, devices, now, sessionTtlMs }: AuthServiceDeps) {
  /** Opens a session for a user the caller has already authenticated (password or OTP). */
  async function startSession(user: PublicUser): Promise<StartedSession> {
    const token = newSessionToken();
    await sessions.create(hashSessionToken(token), user.id, new Date(now() + sessionTtlMs));
    return {
      token,
      login: { user: toPublic(user), redirect: ROLE_HOME[user.role] },
      deviceToken: devices.issue(user.id),
    };
  }

  return {
    startSession,

    /**
     * One generic error for an unknown email and a wrong password, in about the same time. Tries are throttled per
     * account (loginThrottle.ts), or per device when `deviceToken` shows this browser logged in to this account before.
     */
    async loginWithPassword(email: string, password: string, deviceToken?: string): Promise<StartedSession> {
      const user = await users.findByEmail(email);
      const device = devices.verify(deviceToken);
      const throttleKey =
        device && user && device.userId === user.id ? `device:${device.deviceId}` : `account:${email.toLowerCase()}`;
      await throttle.check(throttleKey);
      const ok = user ? await verifyPassword(user.passwordHash, password) : await verifyAgainstDummy(password);
      if (!user || !ok) {
        await throttle.failed(throttleKey);
        throw new AppError('invalid_credentials', INVALID_CREDENTIALS);
      }
      await throttle.succeeded(throttleKey);
      return startSession(user);
    },

    userForToken(token: string): Promise<PublicUser | undefined> {
      return sessions.findUser(hashSessionToken(token), new Date(now()));
    },

    logout(token: string): Promise<void> {
      return sessions.delete(hashSessionToken(token));
    },
  };
}

function toPublic(user: PublicUser): PublicUser {
  return { id: user.id, email: user.email, role: user.role };
}
