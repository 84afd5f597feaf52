import type { MeResponse, PublicUser } from '../../../common/api/auth.js';
import { apiRequest } from '@/api/client';

/** GET /api/auth/me → the logged-in user, or null when there is no session (the server answers 200 either way). */
export async function fetchCurrentUser(signal?: AbortSignal): Promise<PublicUser | null> {
  const { user } = await apiRequest<MeResponse>('/api/auth/me', { signal });
  return user;
}
