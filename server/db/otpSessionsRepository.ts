import type { OtpPurpose, SmsMode } from '../../common/api/sms.js';
import { createWriteBatcher } from './batcher.js';
import type { Db } from './db.js';

export interface OtpSession {
  id: string;
  purpose: OtpPurpose;
  phone: string;
  /** login: the phone's owner (null: unregistered phone, nothing was sent); test: the admin who sent it. */
  userId: string | null;
  mode: SmsMode;
  providerSessionId: string | null;
  codeHmac: string | null;
  failedAttempts: number;
  maxAttempts: number;
  expiresAt: Date;
  verifiedAt: Date | null;
}

export interface NewOtpSession {
  id: string;
  purpose: OtpPurpose;
  phone: string;
  userId: string | null;
  mode: SmsMode;
  providerSessionId: string | null;
  codeHmac: string | null;
  maxAttempts: number;
  expiresAt: Date;
  createdAt: Date;
}

export interface OtpSessionsRepository {
  /**
   * Inserts the session. The phone keeps its LIVE_CODES_PER_PHONE newest live codes for the purpose; older ones
   * end. A new send therefore does not end a code its owner already holds (someone else may have asked for it).
   */
  create(session: NewOtpSession): Promise<void>;
  findById(id: string): Promise<OtpSession | undefined>;
  /**
   * Atomically books one verification attempt on a live session (not verified, not expired at `now`,
   * attempts left). Returns the session as it is after booking, or undefined when it is not live.
   * Concurrent verifications can therefore never check more codes than `max_attempts`.
   */
  bookAttempt(id: string, now: Date): Promise<OtpSession | undefined>;
  /** Gives back a booked attempt (the provider could not check the code: not the user's fault). */
  refundAttempt(id: string): Promise<void>;
  /** Marks the session verified (and gives back its booked attempt); false if it already was. */
  markVerified(id: string, now: Date): Promise<boolean>;
  /** Ends a session the provider reports expired or unknown. */
  expire(id: string, now: Date): Promise<void>;
}

/**
 * How many live codes a phone keeps per purpose. With the default growing cooldown (30 s, 1 min, 2 min, 4 min…)
 * at most 3 more codes can be sent to a phone within a code's 5-minute life, so the owner's code outlives any
 * stranger's sends; 5 leaves room for shorter cooldowns and longer lives.
 */
export const LIVE_CODES_PER_PHONE = 5;

interface OtpSessionRow {
  id: string;
  purpose: OtpPurpose;
  phone: string;
  user_id: string | null;
  mode: SmsMode;
  provider_session_id: string | null;
  code_hmac: string | null;
  failed_attempts: number;
  max_attempts: number;
  expires_at: Date;
  verified_at: Date | null;
}

const COLUMNS =
  'id, purpose, phone, user_id, mode, provider_session_id, code_hmac, failed_attempts, max_attempts, expires_at, verified_at';

function fromRow(row: OtpSessionRow): OtpSession {
  return {
    id: row.id,
    purpose: row.purpose,
    phone: row.phone,
    userId: row.user_id,
    mode: row.mode,
    providerSessionId: row.provider_session_id,
    codeHmac: row.code_hmac,
    failedAttempts: row.failed_attempts,
    maxAttempts: row.max_attempts,
    expiresAt: new Date(row.expires_at),
    verifiedAt: row.verified_at && new Date(row.verified_at),
  };
}

/**
 * Inserts sessions in load order, in as few statements as the newest-codes rule allows: two sessions of one phone
 * and purpose never share a statement (the later one must see, and so end, the earlier), so a repeat goes into the
 * next statement. Safe to repeat (the batcher's retry of a bad row): a session already stored is skipped.
 */
async function insertInOrder(db: Db, sessions: readonly NewOtpSession[]): Promise<void> {
  for (const statement of withoutRepeats(sessions, (s) => `${s.purpose} ${s.phone}`))
    await insertSessions(db, statement);
}

/** `items` in order, split so that no part holds two items of one key; the n-th item of a key goes to part n. */
function withoutRepeats<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const parts: T[][] = [];
  const seen = new Map<string, number>();
  for (const item of items) {
    const key = keyOf(item);
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    (parts[n] ??= []).push(item);
  }
  return parts;
}

/**
 * Inserts sessions (no two of the same phone and purpose) and ends the live sessions of each phone and purpose
 * beyond the LIVE_CODES_PER_PHONE newest (counting the new one), in one statement. unnest keeps the statement and
 * its parameters the same whatever the count; the enum goes through text[], as PGlite cannot serialise arrays of a
 * custom type.
 */
async function insertSessions(db: Db, sessions: readonly NewOtpSession[]): Promise<void> {
  await db.query(
    `with input as (
       select * from unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[],
                            $8::int[], $9::timestamptz[], $10::timestamptz[])
         as t(id, purpose, phone, user_id, mode, provider_session_id, code_hmac, max_attempts, expires_at, created_at)
     ),
     ended as (
       update public.otp_sessions s set expires_at = least(s.expires_at, i.created_at)
         from input i
        where s.phone = i.phone and s.purpose = i.purpose::public.otp_purpose and s.verified_at is null and s.expires_at > i.created_at
          and (select count(*) from public.otp_sessions newer
                where newer.phone = s.phone and newer.purpose = s.purpose and newer.verified_at is null
                  and newer.expires_at > i.created_at and newer.created_at > s.created_at) >= $11::int - 1
     )
     insert into public.otp_sessions
       (id, purpose, phone, user_id, mode, provider_session_id, code_hmac, max_attempts, expires_at, created_at)
     select id, purpose::public.otp_purpose, phone, user_id, mode, provider_session_id, code_hmac, max_attempts, expires_at, created_at
       from input
     on conflict (id) do nothing`,
    [
      sessions.map((s) => s.id),
      sessions.map((s) => s.purpose),
      sessions.map((s) => s.phone),
      sessions.map((s) => s.userId),
      sessions.map((s) => s.mode),
      sessions.map((s) => s.providerSessionId),
      sessions.map((s) => s.codeHmac),
      sessions.map((s) => s.maxAttempts),
      sessions.map((s) => s.expiresAt.toISOString()),
      sessions.map((s) => s.createdAt.toISOString()),
      LIVE_CODES_PER_PHONE,
    ],
  );
}

export function createOtpSessionsRepository(db: Db): OtpSessionsRepository {
  // Every send stores a session: sessions created while an insert is in flight share the next one (docs/batching.md).
  const inserts = createWriteBatcher((sessions: readonly NewOtpSession[]) => insertInOrder(db, sessions));

  return {
    create: (session) => inserts.load(session),

    async findById(id) {
      const { rows } = await db.query<OtpSessionRow>(`select ${COLUMNS} from public.otp_sessions where id = $1`, [id]);
      return rows[0] && fromRow(rows[0]);
    },

    async bookAttempt(id, now) {
      const { rows } = await db.query<OtpSessionRow>(
        `update public.otp_sessions set failed_attempts = failed_attempts + 1
          where id = $1 and verified_at is null and expires_at > $2 and failed_attempts < max_attempts
          returning ${COLUMNS}`,
        [id, now],
      );
      return rows[0] && fromRow(rows[0]);
    },

    async refundAttempt(id) {
      await db.query(
        'update public.otp_sessions set failed_attempts = greatest(failed_attempts - 1, 0) where id = $1 and verified_at is null',
        [id],
      );
    },

    async markVerified(id, now) {
      const { rowCount } = await db.query(
        `update public.otp_sessions set verified_at = $2, failed_attempts = greatest(failed_attempts - 1, 0)
          where id = $1 and verified_at is null`,
        [id, now],
      );
      return rowCount === 1;
    },

    async expire(id, now) {
      await db.query('update public.otp_sessions set expires_at = least(expires_at, $2) where id = $1', [id, now]);
    },
  };
}
