/**
 * The Db port: the few things repositories and the migration runner need from a SQL database.
 * Two implementations: PostgreSQL through `pg` (server/db/postgresDb.ts) and embedded PGlite
 * (server/db/pgliteDb.ts). Only repository and migration code writes SQL.
 */
export interface QueryResult<Row> {
  rows: Row[];
  rowCount: number;
}

export interface Queryable {
  /** One statement with `$1…$n` parameters. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
}

/** A connection inside a transaction. */
export interface Transaction extends Queryable {
  /** Several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  /** Runs `work` in one transaction on one connection: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /** Several statements, no parameters (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * True when an error means "the database is not reachable right now" (as opposed to a bad query):
 * refused or dropped connections, server shutting down or starting (SQLSTATE 57P0x), connection exceptions
 * (08xxx), too many connections (53300), and a database closed to connections (55000 "database … is not
 * currently accepting connections"; 55000 also covers query errors, so only with that message).
 */
export function isDatabaseUnavailableError(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (CONNECTION_ERROR_CODES.has(code)) return true;
    if (code.startsWith('08') || code.startsWith('57P') || code === '53300') return true;
    if (code === '55000' && typeof message === 'string' && /not currently accepting connections/i.test(message))
      return true;
  }
  if (typeof message === 'string') {
    return /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect|Cannot use a pool after calling end/i.test(
      message,
    );
  }
  return false;
}
