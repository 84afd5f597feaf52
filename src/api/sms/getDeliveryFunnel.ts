import type { DeliveryFunnelResponse, FunnelPeriod } from '../../../common/api/delivery.js';
import { apiRequest } from '@/api/client';

/** GET /api/sms/funnel?period=… → what happened to the OTP sends of the last 24 hours or 7 days. Admins only. */
export function getDeliveryFunnel(period: FunnelPeriod, signal?: AbortSignal): Promise<DeliveryFunnelResponse> {
  return apiRequest<DeliveryFunnelResponse>(`/api/sms/funnel?period=${encodeURIComponent(period)}`, { signal });
}
