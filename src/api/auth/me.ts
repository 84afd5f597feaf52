import type { MeResponse, PublicUser } from '../../../common/api/auth.js';
import { apiRequest, isApiError } from '@/api/client';

/** GET /api/auth/me → the logged-in user, or null when there is no session (401 is an answer, not a failure). */
export async function fetchCurrentUser(signal?: AbortSignal): Promise<PublicUser | null> {
  try {
    const { user } = await apiRequest<MeResponse>('/api/auth/me', { signal });
    return user;
  } catch (error) {
    if (isApiError(error) && error.httpStatus === 401) return null;
    throw error;
  }
}
