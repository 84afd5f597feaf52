import type { OtpLogType, OtpLogsResponse } from '../../../common/api/sms.js';
import { apiRequest } from '@/api/client';

/** The query of GET /api/sms/logs (common's logsQuerySchema), typed as the browser sends it. */
export interface OtpLogsQuery {
  /** 1–100; the server defaults to 20. */
  limit?: number;
  /** `next_before` of the previous page. */
  before?: number;
  type?: OtpLogType;
}

/**
 * GET /api/sms/logs → newest first, phones masked. Pass the answer's `next_before` as `before` for the
 * next (older) page. Admins only.
 */
export function getOtpLogs(query: OtpLogsQuery = {}, signal?: AbortSignal): Promise<OtpLogsResponse> {
  const params = new URLSearchParams();
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  if (query.before !== undefined) params.set('before', String(query.before));
  if (query.type !== undefined) params.set('type', query.type);
  const search = params.toString();
  return apiRequest<OtpLogsResponse>(`/api/sms/logs${search ? `?${search}` : ''}`, { signal });
}
