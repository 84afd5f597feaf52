import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** Fail closed fast: a limit check that waits longer than this is answered as limiter unavailable. */
const DEFAULT_COMMAND_TIMEOUT_MS = 1_000;
const CONNECT_TIMEOUT_MS = 2_000;
/** Reconnect attempts wait 200 ms more each time, never more than the cap. */
const RECONNECT_DELAY_STEP_MS = 200;
const MAX_RECONNECT_DELAY_MS = 2_000;

/**
 * A Redis connection for shared rate limits. Commands fail within `commandTimeoutMs` while Redis is down
 * (so limits fail closed quickly instead of hanging), and the client keeps reconnecting in the background.
 */
export function createRedis(url: string, logger: Logger, commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    // Commands issued in the same tick (by concurrent requests) share one write: fewer system calls under load.
    enableAutoPipelining: true,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (times) => Math.min(times * RECONNECT_DELAY_STEP_MS, MAX_RECONNECT_DELAY_MS),
  });
  let down = false;
  redis.on('error', (error) => {
    if (!down) logger.warn({ err: error }, 'Redis connection problem');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info('Redis connection restored');
    down = false;
  });
  return redis;
}
