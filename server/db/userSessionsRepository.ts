import type { PublicUser } from '../../common/api/auth.js';
import type { Db } from './db.js';

export interface UserSessionsRepository {
  create(tokenHash: string, userId: string, expiresAt: Date): Promise<void>;
  /** The user of a live session (not expired at `now`), in one query. */
  findUser(tokenHash: string, now: Date): Promise<PublicUser | undefined>;
  delete(tokenHash: string): Promise<void>;
}

export function createUserSessionsRepository(db: Db): UserSessionsRepository {
  return {
    async create(tokenHash, userId, expiresAt) {
      await db.query('insert into public.user_sessions (token_hash, user_id, expires_at) values ($1, $2, $3)', [
        tokenHash,
        userId,
        expiresAt,
      ]);
    },
    async findUser(tokenHash, now) {
      const { rows } = await db.query<PublicUser>(
        `select u.id, u.email, u.role
           from public.user_sessions s join public.users u on u.id = s.user_id
          where s.token_hash = $1 and s.expires_at > $2`,
        [tokenHash, now],
      );
      return rows[0];
    },
    async delete(tokenHash) {
      await db.query('delete from public.user_sessions where token_hash = $1', [tokenHash]);
    },
  };
}
