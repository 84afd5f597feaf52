import type { SmsConfigView } from '../../../common/api/sms.js';
import { apiRequest } from '@/api/client';

/**
 * DELETE /api/sms/config/api_key → the settings now in force: the environment's key, the sandbox, or no key
 * (`api_key_source`). Admins only. Answers the same view when no key was saved.
 */
export function removeSavedApiKey(signal?: AbortSignal): Promise<SmsConfigView> {
  return apiRequest<SmsConfigView>('/api/sms/config/api_key', { method: 'DELETE', signal });
}
