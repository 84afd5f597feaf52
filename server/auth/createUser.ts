import { z } from 'zod';
import { phoneSchema } from '../../common/api/sms.js';
import { ROLES, type Role } from '../../common/roles.js';
import type { PublicUser } from '../../common/api/auth.js';
import type { UsersRepository } from '../db/usersRepository.js';
import { hashPassword, passwordWeakness } from './passwords.js';

export interface CreateUserInput {
  email: string;
  password: string;
  role: string;
  phone?: string | undefined;
}

/** A problem with the input itself (bad role, weak password…), worded for the person typing it. */
export class InvalidUserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidUserError';
  }
}

const emailSchema = z.string().trim().toLowerCase().pipe(z.email());

export interface ValidNewUser {
  email: string;
  role: Role;
  phone: string | undefined;
}

/**
 * Checks a new user's input without touching the database (so a CLI can answer a typo at once) and returns
 * it normalised: email lower-cased, phone in E.164. Throws InvalidUserError.
 */
export function validateNewUser(input: CreateUserInput): ValidNewUser {
  const email = emailSchema.safeParse(input.email);
  if (!email.success) throw new InvalidUserError(`Invalid email: ${input.email}`);
  if (!(ROLES as readonly string[]).includes(input.role)) {
    throw new InvalidUserError(`Invalid role "${input.role}". Use one of: ${ROLES.join(', ')}.`);
  }
  const weakness = passwordWeakness(input.password, email.data);
  if (weakness) throw new InvalidUserError(`Weak password: ${weakness}`);
  let phone: string | undefined;
  if (input.phone !== undefined) {
    const parsed = phoneSchema.safeParse(input.phone);
    if (!parsed.success) throw new InvalidUserError(`Invalid phone: ${parsed.error.issues[0]?.message}`);
    phone = parsed.data;
  }
  return { email: email.data, role: input.role as Role, phone };
}

/** Validates and creates a user with an argon2id hash; duplicates surface as DuplicateUserError. */
export async function createUser(users: UsersRepository, input: CreateUserInput): Promise<PublicUser> {
  const { email, role, phone } = validateNewUser(input);
  return users.create({ email, passwordHash: await hashPassword(input.password), role, phone });
}
