import type { SmsSettingsChangesResponse } from '../../../common/api/sms.js';
import { apiRequest } from '@/api/client';

/** GET /api/sms/config/changes → who changed which SMS settings and when, newest first (never values). Admins only. */
export function getSmsSettingsChanges(signal?: AbortSignal): Promise<SmsSettingsChangesResponse> {
  return apiRequest<SmsSettingsChangesResponse>('/api/sms/config/changes', { signal });
}
