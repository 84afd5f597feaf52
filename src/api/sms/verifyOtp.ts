import type { VerifyOtpRequest, VerifyOtpResponse } from '../../../common/api/sms.js';
import { apiRequest } from '@/api/client';

/**
 * POST /api/sms/verifyOtp → verified (a login session also gets `user` and `redirect`, and the session cookie).
 * 400 invalid_otp / otp_mismatch (attempts_left); 404 session_not_found; 410 otp_expired; 429 too_many_attempts
 * (the session is dead) or rate_limited (retry_after_s); 502/503 from the provider.
 */
export function verifyOtp(request: VerifyOtpRequest, signal?: AbortSignal): Promise<VerifyOtpResponse> {
  return apiRequest<VerifyOtpResponse>('/api/sms/verifyOtp', { method: 'POST', body: request, signal });
}
