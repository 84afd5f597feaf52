/**
 * Composition root: config → logger → database (+ migrations) → Redis → services → app → listen.
 * The only place that builds concrete implementations; everything else receives them.
 * SIGTERM/SIGINT drain in-flight requests, flush pending log writes and close pools, then exit 0.
 */
import type { Server } from 'node:http';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { seedDemoUsers } from './auth/demoUsers.js';
import { composeApp } from './composeApp.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import type { Db } from './db/db.js';
import { runMigrations } from './db/migrations.js';
import { openDb } from './db/openDb.js';
import { memoryLimiterStores, redisLimiterStores } from './http/limiterStores.js';
import { drainHttpServer, withRetries } from './lifecycle.js';
import { createLogger, SecretRegistry } from './logger.js';
import { CLIENT_DIST_DIR, MIGRATIONS_DIR } from './paths.js';
import { createRedis } from './redis.js';
import { memoryRateGate, redisRateGate } from './sms/providerRateGate.js';
import { startSandbox, type Sandbox } from './sms/sandbox.js';

const SHUTDOWN_GRACE_MS = 10_000;

function loadConfigOrExit(): Readonly<Config> {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

/** Host and port only: the URL may carry a password. */
function describeDatabase(config: Config): string {
  if (!config.databaseUrl) return `PGlite in ${config.dataDir}`;
  try {
    const url = new URL(config.databaseUrl);
    return `PostgreSQL at ${url.hostname}:${url.port || 5432}${url.pathname}`;
  } catch {
    return 'PostgreSQL (DATABASE_URL)';
  }
}

async function connectDatabase(config: Config, logger: Logger): Promise<Db> {
  return withRetries(
    async () => {
      const db = await openDb(config, logger);
      try {
        await db.query('select 1');
        return db;
      } catch (error) {
        await db.close().catch(() => undefined);
        throw error;
      }
    },
    { what: describeDatabase(config), attempts: 8, firstDelayMs: 250, maxDelayMs: 4_000, logger },
  );
}

async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const redis = createRedis(url, logger);
  await withRetries(() => redis.connect().then(() => redis.ping()), {
    what: 'Redis (REDIS_URL)',
    attempts: 8,
    firstDelayMs: 250,
    maxDelayMs: 4_000,
    logger,
  });
  return redis;
}

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const secrets = new SecretRegistry();
  secrets.add(config.appSecret);
  secrets.add(config.sms.apiKey);
  const logger = createLogger({ level: config.logLevel, secrets, pretty: !config.isProduction && process.stdout.isTTY });

  let db: Db;
  try {
    db = await connectDatabase(config, logger);
  } catch (error) {
    logger.fatal({ err: error }, `Cannot reach ${describeDatabase(config)}; giving up. Check DATABASE_URL and that the database is running.`);
    process.exit(69); // EX_UNAVAILABLE
  }
  const migrations = await runMigrations(db, MIGRATIONS_DIR);
  if (migrations.applied.length > 0) logger.info({ applied: migrations.applied }, 'migrations applied');

  let redis: Redis | undefined;
  if (config.redisUrl) {
    try {
      redis = await connectRedis(config.redisUrl, logger);
    } catch (error) {
      logger.fatal({ err: error }, 'Cannot reach Redis (REDIS_URL); giving up.');
      await db.close();
      process.exit(69);
    }
  }

  // The simulator costs nothing when unused; it answers only while no API key is in force.
  const sandbox: Sandbox | undefined = config.sms.sandboxAllowed ? await startSandbox(logger) : undefined;

  let shuttingDown = false;
  const { app, users, auth, otp, otpLogWriter } = composeApp({
    config,
    db,
    logger,
    secrets,
    limiterStores: redis ? redisLimiterStores(redis) : memoryLimiterStores(),
    now: Date.now,
    rateLimitStoreHealthy: redis ? () => redis.status === 'ready' : undefined,
    providerGate: redis ? redisRateGate(redis, config.sms.providerMaxRps) : memoryRateGate(config.sms.providerMaxRps),
    sandbox,
    clientDir: CLIENT_DIST_DIR,
    isShuttingDown: () => shuttingDown,
  });
  if (config.seedDemoUsers) await seedDemoUsers(users, logger);

  const server: Server = app.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const shownHost = config.host === '0.0.0.0' || config.host === '127.0.0.1' ? 'localhost' : config.host;
    logger.info({ database: describeDatabase(config), rateLimits: redis ? 'redis' : 'memory' }, `listening on http://${shownHost}:${port}`);
  });
  server.on('error', (error) => {
    logger.fatal({ err: error }, 'HTTP server failed');
    process.exit(1);
  });

  const sessionPurge = setInterval(() => {
    void auth.purgeExpiredSessions().catch(() => undefined);
    void otp.purgeOldSessions().catch(() => undefined);
  }, 3_600_000);
  sessionPurge.unref();

  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down: draining requests');
    await drainHttpServer(server, SHUTDOWN_GRACE_MS);
    clearInterval(sessionPurge);
    await otpLogWriter.drain();
    await sandbox?.close();
    await redis?.quit().catch(() => undefined);
    await db.close();
    logger.info('stopped');
    logger.flush();
    process.exit(0);
  };
  process.once('SIGTERM', (signal) => void shutdown(signal));
  process.once('SIGINT', (signal) => void shutdown(signal));
}

main().catch((error: unknown) => {
  console.error('Fatal error during startup:', error instanceof Error ? error.message : error);
  process.exit(1);
});
