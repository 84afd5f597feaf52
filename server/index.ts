/**
 * Composition root: config → logger → database (+ migrations) → Redis → services → app → listen.
 * The only place that builds concrete implementations; everything else receives them.
 *
 * WEB_CONCURRENCY > 1 uses node:cluster: the primary migrates the database once and forks that many
 * workers sharing the port (each a full server; limits, sessions and the rate ceiling are shared through
 * PostgreSQL and Redis, which config.ts therefore requires). GET /metrics in any worker answers the counts of all
 * workers, gathered by the primary (metrics/clusterMetrics.ts).
 * SIGTERM/SIGINT drain in-flight requests, commit pending log rows and close pools, then exit 0.
 */
import cluster from 'node:cluster';
import type { Server } from 'node:http';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { collectDefaultMetrics } from 'prom-client';
import { ALERT_TICK_MS } from './alerts/alertWatch.js';
import { seedDemoUsers } from './auth/demoUsers.js';
import { composeApp } from './composeApp.js';
import { ConfigError, loadConfig, trustProxyWarning, type Config } from './config.js';
import type { Db } from './db/db.js';
import { describeDatabase } from './db/describeDatabase.js';
import { runMigrations } from './db/migrations.js';
import { createRetention } from './db/retention.js';
import { openDb } from './db/openDb.js';
import { createUsersRepository } from './db/usersRepository.js';
import { memoryLimiterStores, redisLimiterStores } from './http/limiterStores.js';
import { drainHttpServer, withRetries } from './lifecycle.js';
import { createLogger, SecretRegistry } from './logger.js';
import { serveClusterMetrics } from './metrics/clusterMetricsPrimary.js';
import { joinClusterMetrics } from './metrics/clusterMetricsWorker.js';
import { CLIENT_DIST_DIR, MIGRATIONS_DIR } from './paths.js';
import { createRedis } from './redis.js';
import { leaseForTimeout, redisCeiling } from './providers/providerCeiling.js';
import type { Sandbox } from './providers/sandbox.js';
import { startSandbox } from './providers/twoFactor/simulatorSandbox.js';
import { BALANCE_POLL_TICK_MS } from './sms/smsBalance.js';

const SHUTDOWN_GRACE_MS = 10_000;
/** How often expired sessions and old log rows are deleted (one instance at a time, see db/retention.ts). */
const PURGE_INTERVAL_MS = 5 * 60_000;
/** The first purge runs soon after start, but not during the boot. */
const FIRST_PURGE_AFTER_MS = PURGE_INTERVAL_MS / 10;
const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** The first balance poll waits this long after start, so it does not compete with the boot. */
const FIRST_BALANCE_POLL_AFTER_MS = 5_000;
/** A worker that died is replaced after this pause, so a crash loop does not spin the CPU. */
const WORKER_RESTART_DELAY_MS = 1_000;
/** Set in the environment of the workers our primary forks: only they have a primary that gathers /metrics. */
const FORKED_BY_OUR_PRIMARY = 'FORKED_BY_SMS_OTP_PRIMARY';
/** Reaching PostgreSQL or Redis at boot: 8 tries over about 16 s, for services started at the same time. */
const BOOT_CONNECT_RETRIES = { attempts: 8, firstDelayMs: 250, maxDelayMs: 4_000 };
const EX_UNAVAILABLE = 69;
const EX_CONFIG = 78;

function loadConfigOrExit(): Readonly<Config> {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(EX_CONFIG);
    }
    throw error;
  }
}

async function connectDatabase(config: Config, logger: Logger): Promise<Db> {
  try {
    return await withRetries(
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
      { what: describeDatabase(config), ...BOOT_CONNECT_RETRIES, logger },
    );
  } catch (error) {
    logger.fatal(
      { err: error },
      `Cannot reach ${describeDatabase(config)}; giving up. Check DATABASE_URL and that the database is running.`,
    );
    process.exit(EX_UNAVAILABLE);
  }
}

async function connectRedis(url: string, logger: Logger): Promise<Redis> {
  const redis = createRedis(url, logger);
  try {
    await withRetries(() => redis.connect().then(() => redis.ping()), {
      what: 'Redis (REDIS_URL)',
      ...BOOT_CONNECT_RETRIES,
      logger,
    });
    return redis;
  } catch (error) {
    logger.fatal({ err: error }, 'Cannot reach Redis (REDIS_URL); giving up.');
    process.exit(EX_UNAVAILABLE);
  }
}

/** Migrations and (development only) demo users: once per start, before any request is served. */
async function prepareDatabase(config: Config, db: Db, logger: Logger): Promise<void> {
  const migrations = await runMigrations(db, MIGRATIONS_DIR);
  if (migrations.applied.length > 0) logger.info({ applied: migrations.applied }, 'migrations applied');
  if (config.seedDemoUsers) await seedDemoUsers(createUsersRepository(db), logger);
}

function setUp(): { config: Readonly<Config>; logger: Logger; secrets: SecretRegistry } {
  const config = loadConfigOrExit();
  const secrets = new SecretRegistry();
  secrets.add(config.appSecret);
  secrets.add(config.sms.apiKey);
  const logger = createLogger({
    level: config.logLevel,
    secrets,
    pretty: !config.isProduction && process.stdout.isTTY,
  });
  const proxyWarning = trustProxyWarning(config);
  if (proxyWarning && !cluster.isWorker) logger.warn(proxyWarning);
  if (config.sms.testNumbers.length > 0 && !cluster.isWorker) {
    const level = config.isProduction ? 'warn' : 'info';
    logger[level](
      { testNumbers: config.sms.testNumbers.length },
      'SMS_TEST_NUMBERS is set: those numbers log in with a fixed code and are sent no SMS',
    );
  }
  return { config, logger, secrets };
}

/** One HTTP server: the whole app in this process (a cluster worker, or the only process). */
async function runServer(
  { config, logger, secrets }: ReturnType<typeof setUp>,
  options: { prepare: boolean; clusterMetrics?: ReturnType<typeof joinClusterMetrics> },
): Promise<void> {
  const db = await connectDatabase(config, logger);
  if (options.prepare) await prepareDatabase(config, db, logger);
  const redis = config.redisUrl ? await connectRedis(config.redisUrl, logger) : undefined;
  // The simulator costs nothing when unused; it answers only while no API key is in force.
  const sandbox: Sandbox | undefined = config.sms.sandboxAllowed ? await startSandbox(logger) : undefined;

  let shuttingDown = false;
  const { app, otp, hookSends, otpLogWriter, smsSettings, metrics, smsBalance, alertWatch } = composeApp({
    config,
    db,
    logger,
    secrets,
    limiterStores: redis ? redisLimiterStores(redis) : memoryLimiterStores(),
    now: Date.now,
    rateLimitStoreHealthy: redis ? () => redis.status === 'ready' : undefined,
    providerCeiling: redis
      ? redisCeiling(redis, config.sms.providerMaxRps, leaseForTimeout(config.sms.providerTimeoutMs))
      : undefined,
    sandbox,
    clientDir: CLIENT_DIST_DIR,
    isShuttingDown: () => shuttingDown,
    readClusterMetrics: options.clusterMetrics?.read,
  });
  options.clusterMetrics?.share(metrics.registry);

  // Which 2Factor key sends (saved in Settings, TWO_FACTOR_API_KEY, the sandbox or none), as the startup line says.
  const { apiKeySource } = await smsSettings.current();
  const server: Server = app.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    sandbox?.reportDeliveriesTo({ host: config.host, port }, config.sms.deliveryCallbackToken ?? sandbox.callbackToken);
    const shownHost = config.host === '0.0.0.0' || config.host === '127.0.0.1' ? 'localhost' : config.host;
    logger.info(
      {
        database: describeDatabase(config),
        rateLimits: redis ? 'redis' : 'memory',
        smsApiKey: apiKeySource,
        worker: cluster.worker?.id,
      },
      `listening on http://${shownHost}:${port}`,
    );
  });
  // A load balancer must be the side that closes idle connections (AWS ALB and nginx keep them 60 s): if the
  // server closed one first, the balancer could send a request onto it just then and answer 502.
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.on('error', (error) => {
    logger.fatal({ err: error }, 'HTTP server failed');
    process.exit(1);
  });

  const retention = createRetention(db, { otpLogRetentionDays: config.otpLogRetentionDays, now: Date.now });
  const purge = () =>
    void retention.purge().then(
      (counts) => counts && logger.debug({ deleted: counts }, 'retention: expired sessions and old log rows deleted'),
      (error: unknown) => logger.warn({ err: error }, 'retention: purge failed; it runs again later'),
    );
  const housekeeping = setInterval(purge, PURGE_INTERVAL_MS);
  housekeeping.unref();
  setTimeout(purge, FIRST_PURGE_AFTER_MS).unref();

  // Every instance ticks; the database decides which one polls the balance and which one sends an alert.
  const pollBalance = () =>
    void smsBalance
      .pollIfDue()
      .catch((error: unknown) => logger.warn({ err: error }, 'SMS balance poll failed; it runs again later'));
  const balanceTimer = setInterval(pollBalance, BALANCE_POLL_TICK_MS);
  balanceTimer.unref();
  setTimeout(pollBalance, FIRST_BALANCE_POLL_AFTER_MS).unref();
  const alertTimer = setInterval(() => void alertWatch.tick(), ALERT_TICK_MS);
  alertTimer.unref();
  collectDefaultMetrics({ register: metrics.registry });

  const shutdown = async (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down: draining requests');
    await drainHttpServer(server, SHUTDOWN_GRACE_MS);
    clearInterval(housekeeping);
    clearInterval(balanceTimer);
    clearInterval(alertTimer);
    // Clients that hung up leave their handlers running: their provider calls finish and are logged first.
    await Promise.all([otp.stop(), hookSends.stop()]);
    await otpLogWriter.drain();
    await sandbox?.close();
    await redis?.quit().catch(() => undefined);
    await db.close();
    logger.info('stopped');
    logger.flush();
    process.exit(0);
  };
  // `on`, not `once`: a second signal while draining (Ctrl-C reaches a process twice) must not kill it mid-drain.
  process.on('SIGTERM', (signal) => void shutdown(signal));
  process.on('SIGINT', (signal) => void shutdown(signal));
}

/** Cluster primary: prepares the database once, then keeps `webConcurrency` workers running. */
async function runPrimary({ config, logger }: ReturnType<typeof setUp>): Promise<void> {
  const db = await connectDatabase(config, logger);
  await prepareDatabase(config, db, logger);
  await db.close();
  serveClusterMetrics();

  let stopping = false;
  const fork = () => cluster.fork({ [FORKED_BY_OUR_PRIMARY]: '1' });
  for (let i = 0; i < config.webConcurrency; i += 1) fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error({ worker: worker.id, code, signal }, 'worker died; starting a new one');
    setTimeout(fork, WORKER_RESTART_DELAY_MS);
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function main(): Promise<void> {
  const context = setUp();
  if (cluster.isWorker) {
    // Joined first thing: the primary asks it from then on (it answers nothing until it serves). Under another
    // cluster manager (PM2) no primary of ours answers: /metrics then answers this worker's own counts.
    const ours = process.env[FORKED_BY_OUR_PRIMARY] === '1';
    return runServer(context, { prepare: false, clusterMetrics: ours ? joinClusterMetrics() : undefined });
  }
  return context.config.webConcurrency > 1 ? runPrimary(context) : runServer(context, { prepare: true });
}

main().catch((error: unknown) => {
  console.error('Fatal error during startup:', error instanceof Error ? error.message : error);
  process.exit(1);
});
