/**
 * The delivery funnel for Settings → SMS & OTP: of the OTP sends 2Factor accepted in the period, how many it then
 * reported delivered, how many failed and why, how long delivery took, and how many codes were verified, in all and
 * by hour of the day. The figures are computed in SQL (db/deliveryFunnelRepository.ts); this shapes them for the API.
 */
import type { DeliveryFunnelResponse, FunnelHour, FunnelPeriod } from '../../common/api/delivery.js';
import type { DeliveryFunnelRepository } from '../db/deliveryFunnelRepository.js';

const HOUR_MS = 3_600_000;
export const PERIOD_MS: Readonly<Record<FunnelPeriod, number>> = { '24h': 24 * HOUR_MS, '7d': 7 * 24 * HOUR_MS };
/** The voice-instead-of-SMS warning looks back this far whatever the period: a mapping problem stays visible. */
const VOICE_LOOKBACK_MS = 7 * 24 * HOUR_MS;

export interface DeliveryFunnelDeps {
  repository: DeliveryFunnelRepository;
  now: () => number;
  /** TWO_FACTOR_CALLBACK_TOKEN (or the sandbox's own) is set: 2Factor can post reports. */
  reportsEnabled: boolean;
}

export type DeliveryFunnel = ReturnType<typeof createDeliveryFunnel>;

export function createDeliveryFunnel(deps: DeliveryFunnelDeps) {
  return {
    async funnel(period: FunnelPeriod): Promise<DeliveryFunnelResponse> {
      const nowMs = deps.now();
      const from = new Date(nowMs - PERIOD_MS[period]);
      const to = new Date(nowMs);
      const figures = await deps.repository.figures({ from, to, voiceSince: new Date(nowMs - VOICE_LOOKBACK_MS) });
      const { total } = figures;
      const byHour = new Map(figures.byHour.map((hour) => [hour.hour, hour]));
      return {
        period,
        from: from.toISOString(),
        to: to.toISOString(),
        reports_enabled: deps.reportsEnabled,
        accepted: total.accepted,
        delivered: total.delivered,
        failed: total.failed,
        awaiting_report: Math.max(0, total.accepted - total.delivered - total.failed),
        verified: total.verified,
        delivered_as_voice: total.deliveredAsVoice,
        failure_reasons: figures.failureReasons.map(({ reason, count }) => ({
          reason,
          count,
          share: total.failed > 0 ? Math.round((count / total.failed) * 10_000) / 10_000 : 0,
        })),
        delivery_time_ms: { p50: figures.deliveryP50Ms, p95: figures.deliveryP95Ms },
        by_hour: Array.from({ length: 24 }, (_, hour): FunnelHour => {
          const counts = byHour.get(hour);
          return {
            hour,
            accepted: counts?.accepted ?? 0,
            delivered: counts?.delivered ?? 0,
            failed: counts?.failed ?? 0,
            verified: counts?.verified ?? 0,
          };
        }),
        unmatched_reports: figures.unmatchedReports,
        voice_instead_of_sms: {
          last_7_days: figures.voiceReports,
          last_at: figures.lastVoiceReportAt?.toISOString() ?? null,
        },
      };
    },
  };
}
