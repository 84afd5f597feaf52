import type { OtpLogItem, OtpLogOrigin, OtpLogType } from '../../common/api/sms.js';
import { maskPhone } from '../../common/phone.js';
import type { Db } from './db.js';

/** One provider call, as written to `otp_logs`. Never holds an OTP code or the API key. */
export interface OtpLogEntry {
  /** Unique per provider call: a row written twice (a retry after an unacknowledged commit) is stored once. */
  callId: string;
  /** The id auth.uid() returns for this person: our app user, or a Supabase Auth user for a hook send. */
  userId: string | null;
  phone: string;
  sessionId: string | null;
  providerSessionId: string | null;
  type: OtpLogType;
  origin: OtpLogOrigin;
  status: string;
  responseTimeMs: number;
  details: string | null;
  createdAt: Date;
}

export interface OtpLogPageQuery {
  limit: number;
  before?: number | undefined;
  type?: OtpLogType | undefined;
}

export interface OtpLogsRepository {
  /** Inserts many rows in one statement (one round trip, one transaction). */
  insertMany(entries: readonly OtpLogEntry[]): Promise<void>;
  /** Newest first, keyset-paginated by id. Phones come back masked. */
  page(query: OtpLogPageQuery): Promise<{ items: OtpLogItem[]; nextBefore: number | null }>;
}

interface OtpLogRow {
  id: number;
  user_id: string | null;
  phone: string;
  session_id: string | null;
  type: OtpLogType;
  origin: OtpLogOrigin;
  status: string;
  response_time_ms: number;
  details: string | null;
  created_at: Date;
}

export function createOtpLogsRepository(db: Db): OtpLogsRepository {
  return {
    async insertMany(entries) {
      if (entries.length === 0) return;
      // unnest keeps the statement and its 11 parameters the same whatever the batch size. The enum array goes
      // through text[]: PGlite cannot serialise arrays of a custom type.
      await db.query(
        `insert into public.otp_logs
           (user_id, phone, session_id, provider_session_id, type, status, response_time_ms, details, created_at, call_id, origin)
         select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]::public.otp_log_type[],
                              $6::text[], $7::int[], $8::text[], $9::timestamptz[], $10::uuid[], $11::text[])
         on conflict (call_id) do nothing`,
        [
          entries.map((e) => e.userId),
          entries.map((e) => e.phone),
          entries.map((e) => e.sessionId),
          entries.map((e) => e.providerSessionId),
          entries.map((e) => e.type),
          entries.map((e) => e.status),
          entries.map((e) => Math.max(0, Math.round(e.responseTimeMs))),
          entries.map((e) => e.details),
          entries.map((e) => e.createdAt.toISOString()),
          entries.map((e) => e.callId),
          entries.map((e) => e.origin),
        ],
      );
    },

    async page({ limit, before, type }) {
      const { rows } = await db.query<OtpLogRow>(
        `select id, user_id, phone, session_id, type, origin, status, response_time_ms, details, created_at
           from public.otp_logs
          where ($1::bigint is null or id < $1) and ($2::public.otp_log_type is null or type = $2)
          order by id desc
          limit $3`,
        [before ?? null, type ?? null, limit + 1],
      );
      const items = rows.slice(0, limit).map((row): OtpLogItem => ({
        id: Number(row.id),
        user_id: row.user_id,
        phone: maskPhone(row.phone),
        session_id: row.session_id,
        type: row.type,
        origin: row.origin,
        status: row.status,
        response_time_ms: row.response_time_ms,
        details: row.details,
        created_at: new Date(row.created_at).toISOString(),
      }));
      const hasMore = rows.length > limit;
      return { items, nextBefore: hasMore && items.length > 0 ? items[items.length - 1]!.id : null };
    },
  };
}
