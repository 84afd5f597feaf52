import { apiRequest } from '@/api/client';

/** POST /api/auth/logout → 204. Ends the session and clears the cookie. */
export async function logout(signal?: AbortSignal): Promise<void> {
  await apiRequest<void>('/api/auth/logout', { method: 'POST', signal });
}
