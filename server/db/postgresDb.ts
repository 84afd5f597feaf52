import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Db, QueryResult, Transaction } from './db.js';

// Return int8 (bigint) and numeric as JS numbers: our ids and counters stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** A pool that cannot hand out a connection by then reports the database unavailable instead of queueing on. */
const CONNECT_TIMEOUT_MS = 5_000;
/** Idle connections are closed after this, so a quiet instance gives its connections back to PostgreSQL. */
const IDLE_CONNECTION_TIMEOUT_MS = 30_000;

const statementNames = new Map<string, string>();

/**
 * Parameterised statements run as named prepared statements: each connection parses and plans one once,
 * then only binds and executes it. Our SQL is a fixed set of strings, so the map stays small.
 */
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    name = `q${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
    statementNames.set(sql, name);
  }
  return name;
}

export interface PostgresOptions {
  connectionString: string;
  poolSize: number;
  logger?: Logger;
  applicationName?: string;
}

export function createPostgresDb(options: PostgresOptions): Db {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: IDLE_CONNECTION_TIMEOUT_MS,
    application_name: options.applicationName ?? 'sms-otp',
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', (error) => options.logger?.warn({ err: error }, 'idle PostgreSQL connection lost'));

  const run = async <Row>(client: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[]) => {
    const result = await client.query(
      params ? { name: statementName(sql), text: sql, values: params as unknown[] } : sql,
    );
    return { rows: result.rows as Row[], rowCount: result.rowCount ?? 0 } satisfies QueryResult<Row>;
  };

  return {
    kind: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        const tx: Transaction = {
          query: (sql, params) => run(client, sql, params),
          exec: async (sql) => void (await client.query(sql)),
        };
        const result = await work(tx);
        await client.query('commit');
        client.release();
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        // A client whose connection broke must not go back to the pool.
        client.release(error instanceof Error ? error : true);
        throw error;
      }
    },
    async exec(sql) {
      await pool.query(sql);
    },
    async close() {
      await pool.end();
    },
  };
}
