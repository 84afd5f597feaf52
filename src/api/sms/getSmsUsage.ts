import type { SmsUsageResponse } from '../../../common/api/sms.js';
import { apiRequest } from '@/api/client';

/** GET /api/sms/usage → today's SMS count against the daily budget. Admins only. */
export function getSmsUsage(signal?: AbortSignal): Promise<SmsUsageResponse> {
  return apiRequest<SmsUsageResponse>('/api/sms/usage', { signal });
}
