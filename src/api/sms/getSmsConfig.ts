import type { SmsConfigView } from '../../../common/api/sms.js';
import { apiRequest } from '@/api/client';

/** GET /api/sms/config → the settings as admins may see them (the API key only masked). Admins only. */
export function getSmsConfig(signal?: AbortSignal): Promise<SmsConfigView> {
  return apiRequest<SmsConfigView>('/api/sms/config', { signal });
}
