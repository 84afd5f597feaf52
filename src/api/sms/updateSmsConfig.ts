import type { SmsConfigView, UpdateSmsConfigRequest } from '../../../common/api/sms.js';
import { apiRequest } from '@/api/client';

/**
 * PUT /api/sms/config with only the fields that changed → the new settings.
 * 400 invalid_request with per-field `issues`. Never send the masked key back as `api_key`.
 */
export function updateSmsConfig(request: UpdateSmsConfigRequest, signal?: AbortSignal): Promise<SmsConfigView> {
  return apiRequest<SmsConfigView>('/api/sms/config', { method: 'PUT', body: request, signal });
}
