import type { ConnectionTestResponse } from '../../../common/api/sms.js';
import { apiRequest } from '@/api/client';

/**
 * POST /api/sms/config/test → checks the saved key against 2Factor's balance call, sending no SMS.
 * A refusal or an unreachable provider is an answer here (`ok: false` with the reason), not an error.
 */
export function testSmsConnection(signal?: AbortSignal): Promise<ConnectionTestResponse> {
  return apiRequest<ConnectionTestResponse>('/api/sms/config/test', { method: 'POST', body: {}, signal });
}
