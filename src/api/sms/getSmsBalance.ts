import type { SmsBalanceResponse } from '../../../common/api/sms.js';
import { apiRequest } from '@/api/client';

/** GET /api/sms/balance → 2Factor's balances as last polled, with their hourly trend over 7 days. Admins only. */
export function getSmsBalance(signal?: AbortSignal): Promise<SmsBalanceResponse> {
  return apiRequest<SmsBalanceResponse>('/api/sms/balance', { signal });
}
