import type { LoginRequest, LoginResponse } from '../../../common/api/auth.js';
import { apiRequest } from '@/api/client';

/** POST /api/auth/login → the user and the page the server sends them to. 401 invalid_credentials, 429 rate_limited. */
export function login(request: LoginRequest, signal?: AbortSignal): Promise<LoginResponse> {
  return apiRequest<LoginResponse>('/api/auth/login', { method: 'POST', body: request, signal });
}
