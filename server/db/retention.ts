/**
 * Retention: deletes what no one needs any more, so tables stop growing with traffic.
 * - otp_sessions once expired (codes sent to numbers nobody owns included: they cost no rows past their lifetime);
 * - user_sessions once expired;
 * - otp_logs older than `otpLogRetentionDays`;
 * - delivery reports (sms_delivery_events) and send delivery states (sms_deliveries) older than that too, so the
 *   funnel never joins a send to a report it no longer has.
 *
 * One instance at a time: each batch runs in a transaction that first takes a PostgreSQL advisory lock
 * (`pg_try_advisory_xact_lock`); an instance that does not get it leaves the work to the one that has it. Batches
 * of `batchSize` rows keep every transaction, and the locks it holds, short.
 *
 * PGlite runs PostgreSQL single-user, with no autovacuum: deleted rows would keep their space for ever and the
 * files would grow with every purge. There, each table the purge deleted from is vacuumed right after.
 */
import type { Db, Queryable } from './db.js';

export interface PurgeCounts {
  otpSessions: number;
  userSessions: number;
  otpLogs: number;
  deliveryEvents: number;
  deliveries: number;
}

export interface Retention {
  /** Deletes in batches until nothing is left; `undefined` when another instance was purging. */
  purge(): Promise<PurgeCounts | undefined>;
}

/** The advisory lock key of the purge job (any constant: it only has to differ from other advisory locks). */
export const PURGE_LOCK_KEY = 2_026_112_401;
const DAY_MS = 86_400_000;
/** Rows deleted per statement: small enough that one purge batch never holds locks for long. */
const DEFAULT_PURGE_BATCH_ROWS = 5_000;

const TABLES: Record<keyof PurgeCounts, string> = {
  otpSessions: 'public.otp_sessions',
  userSessions: 'public.user_sessions',
  otpLogs: 'public.otp_logs',
  deliveryEvents: 'public.sms_delivery_events',
  deliveries: 'public.sms_deliveries',
};

const STATEMENTS: Record<keyof PurgeCounts, string> = {
  otpSessions: `delete from public.otp_sessions where id in (
                  select id from public.otp_sessions where expires_at <= $1 limit $2)`,
  userSessions: `delete from public.user_sessions where token_hash in (
                   select token_hash from public.user_sessions where expires_at <= $1 limit $2)`,
  otpLogs: `delete from public.otp_logs where id in (
              select id from public.otp_logs where created_at < $1 order by id limit $2)`,
  deliveryEvents: `delete from public.sms_delivery_events where id in (
                     select id from public.sms_delivery_events where received_at < $1 order by id limit $2)`,
  deliveries: `delete from public.sms_deliveries where provider_session_id in (
                 select provider_session_id from public.sms_deliveries where last_report_at < $1 limit $2)`,
};

export function createRetention(
  db: Db,
  options: { otpLogRetentionDays: number; now: () => number; batchSize?: number },
): Retention {
  const batchSize = options.batchSize ?? DEFAULT_PURGE_BATCH_ROWS;

  /** One batch under the lock: the rows deleted, or undefined when another instance holds the lock. */
  const batch = (sql: string, cutoff: Date) =>
    db.transaction(async (tx: Queryable) => {
      const { rows } = await tx.query<{ locked: boolean }>('select pg_try_advisory_xact_lock($1) as locked', [
        PURGE_LOCK_KEY,
      ]);
      if (!rows[0]?.locked) return undefined;
      return (await tx.query(sql, [cutoff, batchSize])).rowCount;
    });

  return {
    async purge() {
      const nowMs = options.now();
      const logCutoff = new Date(nowMs - options.otpLogRetentionDays * DAY_MS);
      const cutoffs: Record<keyof PurgeCounts, Date> = {
        otpSessions: new Date(nowMs),
        userSessions: new Date(nowMs),
        otpLogs: logCutoff,
        deliveryEvents: logCutoff,
        deliveries: logCutoff,
      };
      const counts: PurgeCounts = { otpSessions: 0, userSessions: 0, otpLogs: 0, deliveryEvents: 0, deliveries: 0 };
      for (const table of Object.keys(STATEMENTS) as Array<keyof PurgeCounts>) {
        for (;;) {
          const deleted = await batch(STATEMENTS[table], cutoffs[table]);
          if (deleted === undefined) return undefined;
          counts[table] += deleted;
          if (deleted < batchSize) break;
        }
        if (db.kind === 'pglite' && counts[table] > 0) await db.exec(`vacuum ${TABLES[table]}`);
      }
      return counts;
    },
  };
}
