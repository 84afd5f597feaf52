import { z } from 'zod';
import { ROLES, type Role } from '../roles.js';

export const loginRequestSchema = z.object({
  email: z.string().trim().toLowerCase().max(254).pipe(z.email('Enter a valid email address.')),
  password: z.string().min(1, 'Enter your password.').max(1024),
});
export type LoginRequest = z.input<typeof loginRequestSchema>;

export const roleSchema = z.enum(ROLES);

export interface PublicUser {
  id: string;
  email: string;
  role: Role;
}

/** Answer of a successful email or phone login. */
export interface LoginResponse {
  user: PublicUser;
  redirect: string;
}

/** GET /api/auth/me: the logged-in user, or null when there is no live session (200 either way). */
export interface MeResponse {
  user: PublicUser | null;
}
