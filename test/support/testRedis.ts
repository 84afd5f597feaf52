/**
 * Redis for the tests that need a real one (shared limits, the shared provider rate ceiling): TEST_REDIS_URL,
 * required under CI=true (a missing service fails the run, never skips). Tests only touch keys under their
 * own unique prefix and delete them afterwards; they never flush the database.
 */
import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';

export function redisTestUrl(): string | undefined {
  const url = process.env.TEST_REDIS_URL?.trim();
  if (url) return url;
  if (process.env.CI === 'true') {
    throw new Error('CI=true but TEST_REDIS_URL is not set: the Redis suite must run in CI.');
  }
  return undefined;
}

/** A prefix no other test (or test run) uses. */
export function uniqueRedisPrefix(label: string): string {
  return `test:${label}:${process.pid}:${randomBytes(6).toString('hex')}:`;
}

/** A client for `url` that fails fast instead of queueing commands forever. */
export function testRedisClient(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2_000, ...options });
}

/** Deletes every key under `pattern` (SCAN, never FLUSHALL/FLUSHDB). */
export async function deleteRedisKeys(redis: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
