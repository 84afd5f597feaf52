import type { PublicUser } from '../../common/api/auth.js';
import type { Role } from '../../common/roles.js';
import { createBatcher } from './batcher.js';
import type { Queryable, Db } from './db.js';

export interface UserWithPasswordHash extends PublicUser {
  passwordHash: string;
}

export interface NewUser {
  email: string;
  passwordHash: string;
  role: Role;
  phone?: string | undefined;
}

/** Why creating a user failed because of existing data. */
export class DuplicateUserError extends Error {
  constructor(readonly field: 'email' | 'phone') {
    super(field === 'email' ? 'A user with this email already exists.' : 'This phone number belongs to another user.');
    this.name = 'DuplicateUserError';
  }
}

const PUBLIC_COLUMNS = 'u.id, u.email, u.role';

export interface UsersRepository {
  findByEmail(email: string): Promise<UserWithPasswordHash | undefined>;
  findByPhone(phone: string): Promise<PublicUser | undefined>;
  create(user: NewUser): Promise<PublicUser>;
  /**
   * Marks `phone` verified for its owner `userId` and returns the user, in one statement. Undefined when the
   * user is gone or the phone is no longer theirs (a code sent to a number they have since changed).
   */
  confirmPhone(userId: string, phone: string, at: Date): Promise<PublicUser | undefined>;
  count(): Promise<number>;
}

export function createUsersRepository(db: Db): UsersRepository {
  // Every login send looks its phone up: lookups made while one is in flight share the next query (docs/batching.md).
  const phoneLookups = createBatcher(async (phones: readonly string[]) => {
    const { rows } = await db.query<PublicUser & { phone: string }>(
      `select ${PUBLIC_COLUMNS}, c.phone from public.users u
         join public.user_contact_settings c on c.user_id = u.id
        where c.phone = any($1::text[])`,
      [phones],
    );
    const byPhone = new Map(rows.map(({ phone, ...user }) => [phone, user]));
    return phones.map((phone) => byPhone.get(phone));
  });

  return {
    async findByEmail(email) {
      const { rows } = await db.query<PublicUser & { password_hash: string }>(
        `select ${PUBLIC_COLUMNS}, u.password_hash from public.users u where u.email = $1`,
        [email.toLowerCase()],
      );
      const row = rows[0];
      return row && { id: row.id, email: row.email, role: row.role, passwordHash: row.password_hash };
    },

    findByPhone: (phone) => phoneLookups.load(phone),

    create(user) {
      return db.transaction(async (tx) => {
        const created = await insertUser(tx, user);
        if (user.phone) {
          await tx
            .query('insert into public.user_contact_settings (user_id, phone) values ($1, $2)', [
              created.id,
              user.phone,
            ])
            .catch(rethrowDuplicate);
        }
        return created;
      });
    },

    async confirmPhone(userId, phone, at) {
      const { rows } = await db.query<PublicUser>(
        `update public.user_contact_settings c set phone_verified_at = $3
           from public.users u
          where c.user_id = $1 and c.phone = $2 and u.id = c.user_id
          returning ${PUBLIC_COLUMNS}`,
        [userId, phone, at],
      );
      return rows[0];
    },

    async count() {
      const { rows } = await db.query<{ count: number }>('select count(*)::int as count from public.users');
      return rows[0]?.count ?? 0;
    },
  };
}

async function insertUser(tx: Queryable, user: NewUser): Promise<PublicUser> {
  const { rows } = await tx
    .query<PublicUser>(
      'insert into public.users (email, password_hash, role) values ($1, $2, $3) returning id, email, role',
      [user.email.toLowerCase(), user.passwordHash, user.role],
    )
    .catch(rethrowDuplicate);
  return rows[0]!;
}

function rethrowDuplicate(error: unknown): never {
  const { code, constraint } = (error ?? {}) as { code?: string; constraint?: string; message?: string };
  const message =
    typeof (error as { message?: unknown })?.message === 'string' ? (error as { message: string }).message : '';
  if (code === '23505') {
    if (constraint?.includes('email') || message.includes('email')) throw new DuplicateUserError('email');
    if (constraint?.includes('phone') || message.includes('phone')) throw new DuplicateUserError('phone');
  }
  throw error;
}
