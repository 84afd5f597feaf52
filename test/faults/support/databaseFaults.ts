/**
 * Faults a database administrator (or a failover) inflicts on the app's connections while PostgreSQL itself
 * stays up: every connection killed (pg_terminate_backend, as after a failover or an idle-session reaper),
 * and new connections refused (`ALTER DATABASE … ALLOW_CONNECTIONS false`, SQLSTATE 55000 "database … is not
 * currently accepting connections", as during maintenance). Issued over a connection to another database,
 * so the faults never hit the connection that ends them.
 */
import type { Db } from '../../../server/db/db.js';
import { createPostgresDb } from '../../../server/db/postgresDb.js';

export interface DatabaseFaults {
  /** Creates the (empty) database the faults aim at. */
  create(): Promise<void>;
  /** Kills every connection to the database now; resolves with how many there were. */
  killConnections(): Promise<number>;
  /** While false, every new connection to the database is refused with SQLSTATE 55000. */
  allowConnections(allowed: boolean): Promise<void>;
  close(): Promise<void>;
}

/** `adminUrl`: a superuser URL of another database on the same server (e.g. `postgres`). */
export function databaseFaults(adminUrl: string, database: string): DatabaseFaults {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`not a plain database name: ${database}`);
  const admin: Db = createPostgresDb({ connectionString: adminUrl, poolSize: 1, applicationName: 'fault-suite-admin' });
  return {
    async create() {
      await admin.query(`create database ${database}`);
    },
    async killConnections() {
      const { rows } = await admin.query<{ killed: boolean }>(
        `select pg_terminate_backend(pid) as killed from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`,
        [database],
      );
      return rows.filter((row) => row.killed).length;
    },
    async allowConnections(allowed) {
      await admin.query(`alter database ${database} allow_connections ${allowed ? 'true' : 'false'}`);
    },
    close: () => admin.close(),
  };
}
