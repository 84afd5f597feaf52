import { z } from 'zod';
import { ROLES } from '../roles.js';

export const loginRequestSchema = z.object({
  email: z.string().trim().toLowerCase().max(254).pipe(z.email('Enter a valid email address.')),
  password: z.string().min(1, 'Enter your password.').max(1024),
});
export type LoginRequest = z.input<typeof loginRequestSchema>;

export const roleSchema = z.enum(ROLES);

export const publicUserSchema = z.object({
  id: z.uuid(),
  email: z.email(),
  role: roleSchema,
});
export type PublicUser = z.infer<typeof publicUserSchema>;

/** Answer of a successful email or phone login. */
export const loginResponseSchema = z.object({
  user: publicUserSchema,
  redirect: z.string().describe("Where the user lands: their role's home page."),
});
export type LoginResponse = z.infer<typeof loginResponseSchema>;

/** GET /api/auth/me: the logged-in user, or null when there is no live session (200 either way). */
export const meResponseSchema = z.object({ user: publicUserSchema.nullable() });
export type MeResponse = z.infer<typeof meResponseSchema>;
