import type { Db } from './db.js';

/** Counts of one slice of the funnel (the whole period, one hour of the day, or one failure reason). */
export interface FunnelCounts {
  accepted: number;
  delivered: number;
  failed: number;
  verified: number;
  deliveredAsVoice: number;
}

export interface FunnelFigures {
  total: FunnelCounts;
  /** Delivery time percentiles over the delivered sends, in ms; null when none was delivered. */
  deliveryP50Ms: number | null;
  deliveryP95Ms: number | null;
  /** Only hours with sends; hour of the day in IST (0–23). */
  byHour: Array<FunnelCounts & { hour: number }>;
  /** Failed sends by reason, biggest first. */
  failureReasons: Array<{ reason: string; count: number }>;
  /** Reports received in the window about sessions no send row of ours matches. */
  unmatchedReports: number;
  /** Voice-instead-of-SMS reports received from `voiceSince`, and the newest one. */
  voiceReports: number;
  lastVoiceReportAt: Date | null;
}

export interface DeliveryFunnelRepository {
  /** The funnel of the OTP sends made after `from`, up to and including `to` (now). */
  figures(window: { from: Date; to: Date; voiceSince: Date }): Promise<FunnelFigures>;
}

/** Days and hours of the day are Indian ones, like the daily budget's. */
const TIME_ZONE = 'Asia/Kolkata';

/**
 * sends: OTP sends 2Factor accepted in the window. A template SMS sent from the admin's Template API carries no code
 * and has no session of ours, so its row holds 2Factor's session id in session_id too: those are left out.
 * verified: the sessions verified since the window opened (a code is checked after its send).
 * One row per grouping set: the whole window (grouped_by_hour = 1 and grouped_by_reason = 1), each hour of the day,
 * each failure reason. Percentiles are interpolated (percentile_cont) and rounded to whole milliseconds.
 */
const FIGURES_SQL = `
with sends as (
  select session_id, provider_session_id, created_at
    from public.otp_logs
   where status = 'sent' and type in ('autogen', 'template')
     and created_at > $1::timestamptz and created_at <= $2::timestamptz
     and session_id is distinct from provider_session_id
), verified as (
  select distinct session_id
    from public.otp_logs
   where type = 'verify' and status = 'verified' and created_at > $1::timestamptz
), funnel as (
  select extract(hour from s.created_at at time zone '${TIME_ZONE}')::int as hour,
         d.status,
         case when d.status in ('failed', 'rejected') then coalesce(d.reason, d.status) end as failure_reason,
         coalesce(d.voice_instead_of_sms, false) as as_voice,
         v.session_id is not null as is_verified,
         case when d.status = 'delivered'
              then greatest(0, extract(epoch from (d.status_at - s.created_at)) * 1000) end as delivery_ms
    from sends s
    left join public.sms_deliveries d on d.provider_session_id = s.provider_session_id
    left join verified v on v.session_id = s.session_id
)
select grouping(hour) as grouped_by_hour, grouping(failure_reason) as grouped_by_reason, hour, failure_reason,
       count(*)::int as accepted,
       count(*) filter (where status = 'delivered')::int as delivered,
       count(*) filter (where status in ('failed', 'rejected'))::int as failed,
       count(*) filter (where is_verified)::int as verified,
       count(*) filter (where as_voice and status = 'delivered')::int as delivered_as_voice,
       round(percentile_cont(0.5) within group (order by delivery_ms))::int as p50_ms,
       round(percentile_cont(0.95) within group (order by delivery_ms))::int as p95_ms
  from funnel
 group by grouping sets ((), (hour), (failure_reason))`;

/** Reports in the window that match no send, and voice-instead-of-SMS reports since voiceSince. */
const REPORTS_SQL = `
select count(*) filter (where sent_at is null and received_at > $1::timestamptz)::int as unmatched,
       count(*) filter (where voice_instead_of_sms and received_at > $3::timestamptz)::int as voice,
       max(received_at) filter (where voice_instead_of_sms and received_at > $3::timestamptz) as last_voice_at
  from public.sms_delivery_events
 where received_at > least($1::timestamptz, $3::timestamptz) and received_at <= $2::timestamptz`;

interface FigureRow {
  grouped_by_hour: number;
  grouped_by_reason: number;
  hour: number | null;
  failure_reason: string | null;
  accepted: number;
  delivered: number;
  failed: number;
  verified: number;
  delivered_as_voice: number;
  p50_ms: number | null;
  p95_ms: number | null;
}

const counts = (row: FigureRow | undefined): FunnelCounts => ({
  accepted: row?.accepted ?? 0,
  delivered: row?.delivered ?? 0,
  failed: row?.failed ?? 0,
  verified: row?.verified ?? 0,
  deliveredAsVoice: row?.delivered_as_voice ?? 0,
});

export function createDeliveryFunnelRepository(db: Db): DeliveryFunnelRepository {
  return {
    async figures({ from, to, voiceSince }) {
      const [figures, reports] = await Promise.all([
        db.query<FigureRow>(FIGURES_SQL, [from.toISOString(), to.toISOString()]),
        db.query<{ unmatched: number; voice: number; last_voice_at: Date | string | null }>(REPORTS_SQL, [
          from.toISOString(),
          to.toISOString(),
          voiceSince.toISOString(),
        ]),
      ]);
      // grouping() is 1 for a column the row is not grouped by.
      const total = figures.rows.find(
        (row) => Number(row.grouped_by_hour) === 1 && Number(row.grouped_by_reason) === 1,
      );
      const byHour = figures.rows
        .filter((row) => Number(row.grouped_by_hour) === 0)
        .map((row) => ({ hour: Number(row.hour), ...counts(row) }))
        .sort((a, b) => a.hour - b.hour);
      const failureReasons = figures.rows
        .filter((row) => Number(row.grouped_by_reason) === 0 && row.failure_reason !== null)
        .map((row) => ({ reason: row.failure_reason!, count: row.accepted }))
        .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
      const report = reports.rows[0];
      return {
        total: counts(total),
        deliveryP50Ms: total?.p50_ms ?? null,
        deliveryP95Ms: total?.p95_ms ?? null,
        byHour,
        failureReasons,
        unmatchedReports: report?.unmatched ?? 0,
        voiceReports: report?.voice ?? 0,
        lastVoiceReportAt: report?.last_voice_at ? new Date(report.last_voice_at) : null,
      };
    },
  };
}
