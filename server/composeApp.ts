/**
 * Builds the services and the Express app from infrastructure that is already connected (database,
 * limiter stores, clock, logger). Shared by server/index.ts and the integration tests, so tests run the
 * exact wiring production runs.
 */
import type { Express } from 'express';
import type { Logger } from 'pino';
import { createApp, type HealthReport } from './app.js';
import { createAuthService, type AuthService } from './auth/authService.js';
import type { Config } from './config.js';
import type { Db } from './db/db.js';
import { createUserSessionsRepository } from './db/userSessionsRepository.js';
import { createUsersRepository, type UsersRepository } from './db/usersRepository.js';
import type { LimiterStoreFactory } from './http/limiterStores.js';
import type { SecretRegistry } from './logger.js';

export interface Infrastructure {
  config: Readonly<Config>;
  db: Db;
  logger: Logger;
  secrets: SecretRegistry;
  limiterStores: LimiterStoreFactory;
  now: () => number;
  /** Extra health facts from infrastructure this module does not know about (Redis). */
  rateLimitStoreHealthy?: () => boolean;
  clientDir?: string;
  isShuttingDown?: () => boolean;
}

export interface ComposedApp {
  app: Express;
  users: UsersRepository;
  auth: AuthService;
  checkHealth: () => Promise<HealthReport>;
}

export function composeApp(infra: Infrastructure): ComposedApp {
  const { config, db, now } = infra;
  const users = createUsersRepository(db);
  const auth = createAuthService({
    users,
    sessions: createUserSessionsRepository(db),
    now,
    sessionTtlMs: config.sessionTtlHours * 3_600_000,
  });

  const checkHealth = async (): Promise<HealthReport> => {
    const database = await db.query('select 1').then(
      () => 'up' as const,
      () => 'down' as const,
    );
    const storeUp = infra.rateLimitStoreHealthy?.() ?? true;
    const store = storeUp ? infra.limiterStores.kind : 'down';
    return { ok: database === 'up' && storeUp, database, rate_limit_store: store };
  };

  const app = createApp({
    config,
    logger: infra.logger,
    auth,
    limiterStores: infra.limiterStores,
    checkHealth,
    clientDir: infra.clientDir,
    isShuttingDown: infra.isShuttingDown,
  });
  return { app, users, auth, checkHealth };
}
