import type { LoginResponse, PublicUser } from '../../common/api/auth.js';
import { ROLE_HOME } from '../../common/roles.js';
import type { UserSessionsRepository } from '../db/userSessionsRepository.js';
import type { UsersRepository } from '../db/usersRepository.js';
import { AppError } from '../http/appError.js';
import { verifyAgainstDummy, verifyPassword } from './passwords.js';
import { hashSessionToken, newSessionToken } from './sessionCookie.js';

export interface AuthServiceDeps {
  users: UsersRepository;
  sessions: UserSessionsRepository;
  now: () => number;
  sessionTtlMs: number;
}

export interface StartedSession {
  token: string;
  login: LoginResponse;
}

const INVALID_CREDENTIALS = 'The email or password is incorrect.';

export type AuthService = ReturnType<typeof createAuthService>;

export function createAuthService({ users, sessions, now, sessionTtlMs }: AuthServiceDeps) {
  /** Opens a session for a user the caller has already authenticated (password or OTP). */
  async function startSession(user: PublicUser): Promise<StartedSession> {
    const token = newSessionToken();
    await sessions.create(hashSessionToken(token), user.id, new Date(now() + sessionTtlMs));
    return { token, login: { user: toPublic(user), redirect: ROLE_HOME[user.role] } };
  }

  return {
    startSession,

    /** One generic error for an unknown email and a wrong password, in about the same time. */
    async loginWithPassword(email: string, password: string): Promise<StartedSession> {
      const user = await users.findByEmail(email);
      const ok = user ? await verifyPassword(user.passwordHash, password) : await verifyAgainstDummy(password);
      if (!user || !ok) throw new AppError('invalid_credentials', INVALID_CREDENTIALS);
      return startSession(user);
    },

    userForToken(token: string): Promise<PublicUser | undefined> {
      return sessions.findUser(hashSessionToken(token), new Date(now()));
    },

    logout(token: string): Promise<void> {
      return sessions.delete(hashSessionToken(token));
    },

    purgeExpiredSessions(): Promise<number> {
      return sessions.deleteExpired(new Date(now()));
    },
  };
}

function toPublic(user: PublicUser): PublicUser {
  return { id: user.id, email: user.email, role: user.role };
}
