import type { SupabaseHookView } from '../../../common/api/supabaseHook.js';
import { apiRequest } from '@/api/client';

/** GET /api/sms/supabase-hook → whether Supabase's Send SMS Hook is on, its URL and its last call. Admins only. */
export function getSupabaseHook(signal?: AbortSignal): Promise<SupabaseHookView> {
  return apiRequest<SupabaseHookView>('/api/sms/supabase-hook', { signal });
}
