import type { SendOtpRequest, SendOtpResponse } from '../../../common/api/sms.js';
import { apiRequest } from '@/api/client';

/**
 * POST /api/sms/sendOtp → a session to verify against, the resend cooldown and (sandbox, admin test send only)
 * the code the simulator delivered. 400 invalid_phone; 401/403 (purpose `test` is for admins); 429 rate_limited
 * with retry_after_s; 502 provider_error; 503 provider_unavailable / provider_busy / provider_not_configured /
 * rate_limiter_unavailable.
 */
export function sendOtp(request: SendOtpRequest, signal?: AbortSignal): Promise<SendOtpResponse> {
  return apiRequest<SendOtpResponse>('/api/sms/sendOtp', { method: 'POST', body: request, signal });
}
