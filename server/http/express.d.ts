import type { PublicUser } from '../../common/api/auth.js';

declare global {
  namespace Express {
    interface Request {
      /** The logged-in user, set by the authenticate middleware from the session cookie. */
      user?: PublicUser;
    }
  }
}

export {};
