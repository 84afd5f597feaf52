/**
 * Start-up faults of the real process: a database or Redis that cannot be reached ends in exit code 69
 * (EX_UNAVAILABLE) after bounded retries with a clear message, and a bad environment in 78 (EX_CONFIG),
 * never printing a password or a secret value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureServerBuilt, spawnServer } from './support/serverProcess.js';
import { freePort, requireFaultSuiteTools, startPostgres, type PostgresInstance } from './support/services.js';

const DB_PASSWORD = 'pw-NeverPrintMe-7731';
/** Retries back off 250 ms → 4 s over 8 attempts (about 16 s); leave room for a busy machine. */
const GIVE_UP_BOUND_MS = 45_000;

describe('server start-up', () => {
  let postgres: PostgresInstance | undefined;

  beforeAll(async () => {
    requireFaultSuiteTools();
    await ensureServerBuilt();
    postgres = await startPostgres();
  });

  afterAll(async () => {
    await postgres?.destroy();
  });

  it('exits with 69 after bounded retries when PostgreSQL or Redis is unreachable, naming host:port and never the password', async () => {
    const closedDbPort = await freePort(57100);
    const closedRedisPort = await freePort(57600);
    // Both at once: each waits out its own retry schedule.
    const [noDb, noRedis] = await Promise.all([
      spawnServer({ DATABASE_URL: `postgres://postgres:${DB_PASSWORD}@127.0.0.1:${closedDbPort}/postgres` }),
      spawnServer({
        DATABASE_URL: postgres!.url(DB_PASSWORD),
        REDIS_URL: `redis://:${DB_PASSWORD}@127.0.0.1:${closedRedisPort}`,
      }),
    ]);
    const [dbExit, redisExit] = await Promise.all([noDb.exited, noRedis.exited]);

    expect(dbExit.code).toBe(69);
    expect(dbExit.afterMs).toBeLessThan(GIVE_UP_BOUND_MS);
    const dbLog = noDb.logLines();
    const dbRetries = dbLog.filter((line) =>
      String(line.msg).includes(`PostgreSQL at 127.0.0.1:${closedDbPort}/postgres not reachable yet, retrying`),
    );
    expect(dbRetries.length).toBe(7); // 8 attempts
    expect(dbLog.at(-1)?.msg).toBe(
      `Cannot reach PostgreSQL at 127.0.0.1:${closedDbPort}/postgres; giving up. Check DATABASE_URL and that the database is running.`,
    );
    expect(dbLog.at(-1)?.level).toBe(60); // fatal
    expect(noDb.output()).not.toContain(DB_PASSWORD);

    expect(redisExit.code).toBe(69);
    expect(redisExit.afterMs).toBeLessThan(GIVE_UP_BOUND_MS);
    const redisLog = noRedis.logLines();
    expect(
      redisLog.filter((line) => String(line.msg).includes('Redis (REDIS_URL) not reachable yet, retrying')).length,
    ).toBe(7);
    expect(redisLog.some((line) => line.msg === 'Cannot reach Redis (REDIS_URL); giving up.')).toBe(true);
    expect(noRedis.output()).toContain(`127.0.0.1:${closedRedisPort}`);
    expect(noRedis.output()).not.toContain(DB_PASSWORD);
  });

  it('exits with 78 on a bad environment, naming every bad variable and none of their values', async () => {
    const server = await spawnServer({
      APP_SECRET: 'short-secret-value',
      TWO_FACTOR_API_KEY: 'bad/key-Value-4455',
      PORT: 'not-a-port',
    });
    const exit = await server.exited;
    expect(exit.code).toBe(78);
    expect(exit.afterMs).toBeLessThan(15_000);
    const output = server.output();
    expect(output).toContain('APP_SECRET');
    expect(output).toContain('TWO_FACTOR_API_KEY');
    expect(output).toContain('PORT');
    expect(output).not.toContain('short-secret-value');
    expect(output).not.toContain('bad/key-Value-4455');
  });
});
