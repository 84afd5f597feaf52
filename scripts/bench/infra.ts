/**
 * What the bench sets up around the server: a throw-away PostgreSQL database with
 * registered users, the embedded (PGlite) database for the defaults run, its own corner of Redis, and the
 * 2Factor simulator's control API.
 */
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Db } from '../../server/db/db.js';
import { runMigrations } from '../../server/db/migrations.js';
import { createPgliteDb } from '../../server/db/pgliteDb.js';
import { createPostgresDb } from '../../server/db/postgresDb.js';
import { MIGRATIONS_DIR, PROJECT_ROOT } from '../../server/paths.js';
import type { SimulatorStats } from '../../server/providers/twoFactor/simulatorStats.js';
import { PHONE_BASE } from './loadTypes.js';

export const ROOT = PROJECT_ROOT;
export const SERVER_ENTRY = path.join(ROOT, 'dist', 'server', 'server', 'index.js');
export const SIMULATOR_ENTRY = path.join(ROOT, 'dist', 'server', 'server', 'providers', 'twoFactor', 'simulatorCli.js');
/** How long the simulator process may take to print that it listens. */
export const SIMULATOR_START_TIMEOUT_MS = 20_000;
/** The bench's own connection to each bench database: seeding and counting rows, one or two queries at a time. */
const BENCH_DB_POOL_SIZE = 2;
/** Keys per SCAN step when the app's keys are cleared. */
const SCAN_BATCH_KEYS = 1_000;
const REDIS_RETRIES_PER_COMMAND = 2;

// ─── databases ────────────────────────────────────────────────────────────────────────────────────────────

/** `count` users with phones `+91` + (7000000000 + i), i = 0 … count-1 (the load driver's phones). */
async function seedUsers(db: Db, count: number): Promise<void> {
  await db.query(
    `with created as (
       insert into public.users (email, password_hash, role)
       select 'bench-' || i || '@bench.invalid', '$argon2id$v=19$m=19456,t=2,p=1$bench$not-a-real-hash', 'agent'
         from generate_series(0, $1::int - 1) as i
       returning id, email
     )
     insert into public.user_contact_settings (user_id, phone)
     select id, '+91' || ($2::bigint + substring(email from '^bench-([0-9]+)@')::bigint) from created`,
    [count, PHONE_BASE],
  );
}

/** The same phones as seedUsers, as users of Better Auth's tables (created by its migrations) in `schema`. */
export async function seedBetterAuthUsers(db: Db, schema: string, count: number): Promise<void> {
  await db.query(
    `insert into ${schema}."user" (id, name, email, "emailVerified", "phoneNumber", "phoneNumberVerified")
     select 'bench-' || i, 'Bench ' || i, 'bench-' || i || '@bench.invalid', false, '+91' || ($2::bigint + i), false
       from generate_series(0, $1::int - 1) as i`,
    [count, PHONE_BASE],
  );
}

export async function countLogs(db: Db): Promise<number> {
  const { rows } = await db.query<{ count: number }>('select count(*)::int as count from public.otp_logs');
  return rows[0]?.count ?? 0;
}

export interface BenchDatabase {
  name: string;
  url: string;
  db: Db;
  drop(): Promise<void>;
}

/** A new database next to the admin URL's, migrated and seeded; `drop()` removes it. */
export async function createBenchDatabase(adminUrl: string, users: number): Promise<BenchDatabase> {
  const name = `sms_otp_bench_${Date.now()}_${process.pid}`;
  const admin = createPostgresDb({ connectionString: adminUrl, poolSize: 1, applicationName: 'sms-otp-bench' });
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.close();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = createPostgresDb({
    connectionString: url.toString(),
    poolSize: BENCH_DB_POOL_SIZE,
    applicationName: 'sms-otp-bench',
  });
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    await db.close().catch(() => undefined);
    const again = createPostgresDb({ connectionString: adminUrl, poolSize: 1, applicationName: 'sms-otp-bench' });
    try {
      await again.query(`drop database if exists ${name} with (force)`);
    } finally {
      await again.close();
    }
  };
  try {
    await runMigrations(db, MIGRATIONS_DIR);
    await seedUsers(db, users);
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
  return { name, url: url.toString(), db, drop };
}

/** Migrates and seeds the embedded database under `dataDir` (the server must not be running on it). */
export async function preparePglite(dataDir: string, users: number): Promise<void> {
  const db = await createPgliteDb(path.join(dataDir, 'pglite'));
  try {
    await runMigrations(db, MIGRATIONS_DIR);
    await seedUsers(db, users);
  } finally {
    await db.close();
  }
}

export async function countPgliteLogs(dataDir: string): Promise<number> {
  const db = await createPgliteDb(path.join(dataDir, 'pglite'));
  try {
    return await countLogs(db);
  } finally {
    await db.close();
  }
}

// ─── Redis ────────────────────────────────────────────────────────────────────────────────────────────────

/** The bench's Redis URL: BENCH_REDIS_URL, on logical database `defaultDb` unless the URL names one. */
export function benchRedisUrl(raw: string, defaultDb: number): string {
  const url = new URL(raw);
  if (url.pathname === '' || url.pathname === '/') url.pathname = `/${defaultDb}`;
  return url.toString();
}

/**
 * The app's own keys (`rl:*` limiter counters, `sms-book:*` send bookings, `fail:*` login failures,
 * `provider-rate:*` ceiling) in the bench's database, and nothing else.
 */
export async function clearAppKeys(redis: Redis): Promise<number> {
  let removed = 0;
  for (const pattern of ['rl:*', 'sms-book:*', 'fail:*', 'provider-rate:*']) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_BATCH_KEYS);
      cursor = next;
      if (keys.length > 0) removed += await redis.unlink(...keys);
    } while (cursor !== '0');
  }
  return removed;
}

export function connectRedis(url: string): Redis {
  return new Redis(url, { lazyConnect: false, maxRetriesPerRequest: REDIS_RETRIES_PER_COMMAND });
}

// ─── the 2Factor simulator's control API ──────────────────────────────────────────────────────────────────

export interface SimulatorControl {
  url: string;
  /** The simulator process, when the bench started it. */
  pid?: number;
  stats(): Promise<SimulatorStats>;
  reset(): Promise<void>;
  /** Newest code per phone from the outbox (it keeps at least the newest 10 000 messages). */
  codesFromOutbox(): Promise<Map<string, string>>;
  lastCode(phone: string): Promise<string | undefined>;
}

export function simulatorControl(url: string, pid?: number): SimulatorControl {
  const getJson = async <T>(pathAndQuery: string, init?: RequestInit): Promise<T> => {
    const response = await fetch(`${url}${pathAndQuery}`, init);
    if (!response.ok) throw new Error(`simulator ${pathAndQuery}: HTTP ${response.status}`);
    return (await response.json()) as T;
  };
  return {
    url,
    ...(pid === undefined ? {} : { pid }),
    stats: () => getJson<SimulatorStats>('/__simulator/stats'),
    async reset() {
      await getJson('/__simulator/reset', { method: 'POST' });
    },
    async codesFromOutbox() {
      const messages = await getJson<Array<{ phone: string; code?: string }>>('/__simulator/outbox');
      const codes = new Map<string, string>();
      for (const message of messages) if (message.code) codes.set(message.phone, message.code);
      return codes;
    },
    async lastCode(phone) {
      const { code } = await getJson<{ code: string | null }>(
        `/__simulator/last-code?phone=${encodeURIComponent(phone)}`,
      );
      return code ?? undefined;
    },
  };
}
