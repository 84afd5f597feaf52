/**
 * Builds a fresh app per test over a test database, with the production wiring (server/composeApp.ts),
 * in-memory limits on an injectable clock, and a captured log so tests can assert what was (not) logged.
 */
import { afterAll, beforeAll, beforeEach, inject } from 'vitest';
import { composeApp, type ComposedApp, type Infrastructure } from '../../server/composeApp.js';
import { loadConfig, type Config } from '../../server/config.js';
import { memoryLimiterStores } from '../../server/http/limiterStores.js';
import { createLogger, SecretRegistry } from '../../server/logger.js';
import { openTestDb, resetTestDb, type DbKind, type TestDb } from './testDatabases.js';

export const TEST_APP_SECRET = 'test-app-secret-0123456789abcdef-0123456789';

export interface FakeClock {
  now: () => number;
  advance: (ms: number) => void;
}

export function createFakeClock(startMs = Date.UTC(2026, 10, 24, 10, 0, 0)): FakeClock {
  let current = startMs;
  return { now: () => current, advance: (ms) => void (current += ms) };
}

export function testConfig(env: Record<string, string> = {}): Readonly<Config> {
  return loadConfig({
    NODE_ENV: 'test',
    APP_SECRET: TEST_APP_SECRET,
    DATA_DIR: '/nonexistent-test-data',
    LOG_LEVEL: 'debug',
    ...env,
  });
}

export interface CapturedLog {
  lines: string[];
  text: () => string;
}

export interface TestApp extends ComposedApp {
  config: Readonly<Config>;
  clock: FakeClock;
  log: CapturedLog;
  secrets: SecretRegistry;
}

/** Infrastructure a test may swap (server/composeApp.ts); everything else comes from the test wiring. */
export type TestInfrastructure = Partial<
  Pick<
    Infrastructure,
    | 'limiterStores'
    | 'rateLimitStoreHealthy'
    | 'providerCeiling'
    | 'sandbox'
    | 'breaker'
    | 'holdAnswer'
    | 'clientDir'
    | 'postAlert'
  >
>;

export interface TestAppOptions extends TestInfrastructure {
  env?: Record<string, string>;
  clock?: FakeClock;
}

export function buildTestApp(db: TestDb['db'], options: TestAppOptions = {}): TestApp {
  const config = testConfig(options.env);
  const clock = options.clock ?? createFakeClock();
  const lines: string[] = [];
  const secrets = new SecretRegistry();
  secrets.add(config.appSecret);
  secrets.add(config.sms.apiKey);
  const logger = createLogger({
    level: 'debug',
    secrets,
    destination: { write: (line: string) => void lines.push(line) },
  });
  const { env: _env, clock: _clock, limiterStores, ...infrastructure } = options;
  const composed = composeApp({
    config,
    db,
    logger,
    secrets,
    limiterStores: limiterStores ?? memoryLimiterStores(clock.now),
    now: clock.now,
    ...infrastructure,
  });
  return { ...composed, config, clock, secrets, log: { lines, text: () => lines.join('') } };
}

/**
 * Registers hooks for one database kind: a database cloned from the migrated template for the whole
 * describe block, emptied before each test. Returns a getter for the current database.
 */
export function useTestDatabase(kind: DbKind): () => TestDb {
  let testDb: TestDb | undefined;
  beforeAll(async () => {
    testDb = await openTestDb(kind, inject('dbTemplates'));
  });
  beforeEach(async () => {
    await resetTestDb(testDb!.db);
  });
  afterAll(async () => {
    await testDb?.close();
  });
  return () => testDb!;
}
