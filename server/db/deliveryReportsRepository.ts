import type { DeliveryReport } from '../providers/deliveryReport.js';
import type { Db } from './db.js';

/** One delivery report to store, with what the service worked out about it. */
export interface DeliveryReportEntry {
  report: DeliveryReport;
  /** Stable for the same report: a report posted twice is stored once. */
  reportKey: string;
  /** The report's OUTCOME_RANK: the send's status only ever moves to a higher one. */
  outcomeRank: number;
  receivedAt: Date;
}

export interface StoredDeliveryReport {
  /** False when the same report had already been stored: nothing changed. */
  stored: boolean;
  /** The send the report is about is in otp_logs (false for sessions this app did not send, or not yet logged). */
  matchedSend: boolean;
  /** A voice report about a code we sent as SMS. */
  voiceInsteadOfSms: boolean;
  /** From the send to this report; null when the send is not known. */
  sendToReportMs: number | null;
  /** The send's status after this report (null when the report named no session). */
  sendStatus: string | null;
}

export interface DeliveryReportsRepository {
  /**
   * Stores the report as a row of sms_delivery_events (with the user and send time of its send row) and moves the
   * send's status in sms_deliveries forward when the report's outcome ranks higher. One statement: atomic, and
   * concurrent reports of the same send cannot lose each other's update.
   */
  record(entry: DeliveryReportEntry): Promise<StoredDeliveryReport>;
}

interface RecordRow {
  stored: number;
  matched_send: boolean | null;
  voice_instead_of_sms: boolean | null;
  send_to_report_ms: string | number | null;
  send_status: string | null;
}

// The send row: otp_logs_sent_provider_session_idx. Only the first report that sets a higher rank wins a status, so
// the state does not depend on the order reports arrive in (ties keep the status already there).
const RECORD_SQL = `
with send as (
  select user_id, created_at
    from public.otp_logs
   where $1::text is not null and provider_session_id = $1::text and status = 'sent'
   order by id
   limit 1
), event as (
  insert into public.sms_delivery_events
    (received_at, report_key, provider_session_id, user_id, phone, form, channel, outcome, provider_status, reason,
     voice_instead_of_sms, sent_at, send_to_report_ms, details)
  select $2::timestamptz, $3::text, $1::text, send.user_id, $4::text, $5::text, $6::text, $7::text, $8::text, $9::text,
         $5::text = 'voice_otp' and send.created_at is not null,
         send.created_at,
         -- greatest() skips nulls: without a send the time stays null.
         case when send.created_at is not null
              then greatest(0, round(extract(epoch from ($2::timestamptz - send.created_at)) * 1000))::bigint end,
         $10::jsonb
    from (select 1) as one
    left join send on true
  on conflict (report_key) do nothing
  returning provider_session_id, channel, voice_instead_of_sms, sent_at, send_to_report_ms
), state as (
  insert into public.sms_deliveries as d
    (provider_session_id, status, status_rank, reason, channel, voice_instead_of_sms, status_at, first_report_at, last_report_at)
  select provider_session_id, $7::text, $11::smallint, $9::text, channel, voice_instead_of_sms, $2::timestamptz, $2::timestamptz, $2::timestamptz
    from event
   where provider_session_id is not null
  on conflict (provider_session_id) do update set
    status = case when excluded.status_rank > d.status_rank then excluded.status else d.status end,
    reason = case when excluded.status_rank > d.status_rank then excluded.reason else d.reason end,
    channel = case when excluded.status_rank > d.status_rank then excluded.channel else d.channel end,
    status_at = case when excluded.status_rank > d.status_rank then excluded.status_at else d.status_at end,
    status_rank = greatest(d.status_rank, excluded.status_rank),
    voice_instead_of_sms = d.voice_instead_of_sms or excluded.voice_instead_of_sms,
    first_report_at = least(d.first_report_at, excluded.first_report_at),
    last_report_at = greatest(d.last_report_at, excluded.last_report_at),
    reports = d.reports + 1
  returning status
)
select (select count(*) from event)::int as stored,
       (select sent_at is not null from event) as matched_send,
       (select voice_instead_of_sms from event) as voice_instead_of_sms,
       (select send_to_report_ms from event) as send_to_report_ms,
       coalesce((select status from state),
                (select status from public.sms_deliveries where provider_session_id = $1::text)) as send_status`;

export function createDeliveryReportsRepository(db: Db): DeliveryReportsRepository {
  return {
    async record({ report, reportKey, outcomeRank, receivedAt }) {
      const { rows } = await db.query<RecordRow>(RECORD_SQL, [
        report.providerSessionId,
        receivedAt.toISOString(),
        reportKey,
        report.phone,
        report.form,
        report.channel,
        report.outcome,
        report.providerStatus,
        report.reason,
        JSON.stringify(report.fields),
        outcomeRank,
      ]);
      const row = rows[0]!;
      return {
        stored: row.stored > 0,
        matchedSend: row.matched_send === true,
        voiceInsteadOfSms: row.voice_instead_of_sms === true,
        sendToReportMs: row.send_to_report_ms === null ? null : Number(row.send_to_report_ms),
        sendStatus: row.send_status,
      };
    },
  };
}
