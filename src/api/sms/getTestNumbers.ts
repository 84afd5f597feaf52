import type { TestNumbersView } from '../../../common/api/sms.js';
import { apiRequest } from '@/api/client';

/** GET /api/sms/test-numbers → the active SMS_TEST_NUMBERS, masked and without their codes. Admins only. */
export function getTestNumbers(signal?: AbortSignal): Promise<TestNumbersView> {
  return apiRequest<TestNumbersView>('/api/sms/test-numbers', { signal });
}
