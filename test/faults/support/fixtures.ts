/**
 * Database fixtures for the fault suite: the schema from the real migrations, users with phones (so login
 * sends really call the provider), and the log-row check every fault test ends with.
 */
import { createUser } from '../../../server/auth/createUser.js';
import { createPostgresDb } from '../../../server/db/postgresDb.js';
import { createUsersRepository } from '../../../server/db/usersRepository.js';
import { runMigrations } from '../../../server/db/migrations.js';
import { MIGRATIONS_DIR } from '../../../server/paths.js';
import type { OtpLogType } from '../../../common/api/sms.js';
import type { HttpResult, LoadRecord } from './serverProcess.js';

/** Migrates the database at `url` and gives `count` agents the phones +9190000xxxxx (first `offset`+1). */
export async function seedPhoneUsers(url: string, count: number, offset = 0): Promise<string[]> {
  const db = createPostgresDb({ connectionString: url, poolSize: 1 });
  try {
    await runMigrations(db, MIGRATIONS_DIR);
    const phones = Array.from({ length: count }, (_, i) => `+9190000${String(offset + i + 1).padStart(5, '0')}`);
    await db.query(
      `with input as (select * from unnest($1::text[]) with ordinality as t(phone, n)),
            created as (
              insert into public.users (email, password_hash, role)
              select 'load-' || substr(phone, 4) || '@example.test', 'not-a-login-password', 'agent' from input
              returning id, email
            )
       insert into public.user_contact_settings (user_id, phone)
       select created.id, input.phone from created join input on created.email = 'load-' || substr(input.phone, 4) || '@example.test'`,
      [phones],
    );
    return phones;
  } finally {
    await db.close();
  }
}

/** Migrates the database at `url` and creates an admin who signs in with `email` and `password` (as `npm run user:add` does); returns their id. */
export async function createAdmin(url: string, email: string, password: string): Promise<string> {
  const db = createPostgresDb({ connectionString: url, poolSize: 1 });
  try {
    await runMigrations(db, MIGRATIONS_DIR);
    return (await createUser(createUsersRepository(db), { email, password, role: 'admin' })).id;
  } finally {
    await db.close();
  }
}

/** The session ids of answered sends (200) that have no otp_logs row. */
export async function sessionsWithoutLogRow(
  url: string,
  records: readonly LoadRecord[],
): Promise<{ acknowledged: number; missing: string[] }> {
  const sessionIds = records
    .filter((record) => record.status === 200)
    .map((record) => (record.body as { session_id?: string }).session_id)
    .filter((id): id is string => typeof id === 'string');
  const db = createPostgresDb({ connectionString: url, poolSize: 1 });
  try {
    const { rows } = await db.query<{ session_id: string }>(
      `select distinct session_id from public.otp_logs where type = 'autogen' and status = 'sent' and session_id = any($1::text[])`,
      [sessionIds],
    );
    const logged = new Set(rows.map((row) => row.session_id));
    return { acknowledged: sessionIds.length, missing: sessionIds.filter((id) => !logged.has(id)) };
  } finally {
    await db.close();
  }
}

/** Of `phones` (each sent to once), those with no otp_logs row for a send: a provider call nobody logged. */
export async function phonesWithoutLogRow(url: string, phones: readonly string[]): Promise<string[]> {
  const db = createPostgresDb({ connectionString: url, poolSize: 1 });
  try {
    const { rows } = await db.query<{ phone: string }>(
      `select distinct phone from public.otp_logs where type = 'autogen' and phone = any($1::text[])`,
      [[...phones]],
    );
    const logged = new Set(rows.map((row) => row.phone));
    return phones.filter((phone) => !logged.has(phone));
  } finally {
    await db.close();
  }
}

/** otp_logs rows of `type`, for one phone or one user (or all). */
export async function countLogRows(
  url: string,
  filter: { type: OtpLogType; phone?: string; userId?: string },
): Promise<number> {
  const db = createPostgresDb({ connectionString: url, poolSize: 1 });
  try {
    const { rows } = await db.query<{ rows: number }>(
      `select count(*)::int as rows from public.otp_logs
        where type = $1 and ($2::text is null or phone = $2) and ($3::uuid is null or user_id = $3)`,
      [filter.type, filter.phone ?? null, filter.userId ?? null],
    );
    return rows[0]!.rows;
  } finally {
    await db.close();
  }
}

/** Every otp_logs row as `type provider-session-id`, to compare with the calls the 2Factor simulator received. */
export async function loggedProviderCalls(url: string): Promise<string[]> {
  const db = createPostgresDb({ connectionString: url, poolSize: 1 });
  try {
    const { rows } = await db.query<{ call: string }>(
      `select type || ' ' || coalesce(provider_session_id, '-') as call from public.otp_logs`,
    );
    return rows.map((row) => row.call);
  } finally {
    await db.close();
  }
}

/** `{200: 41, "503 database_unavailable": 12, "ECONNREFUSED": 1}`: what a run of requests got, for assertions and messages. */
export function outcomes(records: readonly HttpResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const record of records) {
    const key =
      record.error ??
      (record.status === 200
        ? '200'
        : `${record.status} ${typeof record.body === 'object' ? String(record.body.status) : 'non-JSON'}`);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/**
 * Refusals an overloaded machine may answer at any time (a Redis or PostgreSQL call timing out, the 2Factor
 * rate ceiling unreadable): clean, fail-closed 503s, never a hang or another 5xx.
 */
export const OVERLOAD_503 = ['rate_limiter_unavailable', 'database_unavailable', 'provider_busy'] as const;

/**
 * A 200, an overload 503, or a 429 `rate_limited` for the phone's resend cooldown: requests for one phone held up
 * together by an outage reach the send limits together once it ends, and only the first may send.
 */
export function isCleanAnswer(record: { status?: number; body?: unknown }): boolean {
  if (record.status === 200) return true;
  const body =
    typeof record.body === 'object' && record.body !== null
      ? (record.body as { status?: unknown; retry_after_s?: unknown })
      : undefined;
  if (record.status === 429) return body?.status === 'rate_limited' && typeof body.retry_after_s === 'number';
  return record.status === 503 && (OVERLOAD_503 as readonly unknown[]).includes(body?.status);
}
