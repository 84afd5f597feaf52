/**
 * createApp(deps): the Express app. It only wires HTTP concerns (security headers, body parsing, CSRF guard,
 * authentication, routers, the SPA and the error handler); every collaborator arrives built, from
 * server/index.ts in production or from the test helpers.
 */
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { HealthReport } from '../common/api/health.js';
import type { Config } from './config.js';
import { createApiDocsRouter } from './apiDocs/apiDocsRouter.js';
import type { AuthService } from './auth/authService.js';
import { authenticate } from './auth/authenticate.js';
import { createAuthRouter } from './auth/authRouter.js';
import { crossSiteGuard } from './http/crossSiteGuard.js';
import { createErrorHandler, notFoundApiHandler } from './http/errorHandler.js';
import type { LimiterStoreFactory } from './http/limiterStores.js';
import { requestLogger } from './http/requestLogger.js';
import { shuttingDownError } from './lifecycle.js';
import { serveSpa } from './http/spa.js';
import { redactCallbackToken } from './webhooks/twoFactorCallbacks.js';
import { metricsEndpoint, type MetricsText } from './metrics/metricsEndpoint.js';

export interface AppDeps {
  config: Pick<Config, 'isProduction' | 'trustProxy' | 'sessionTtlHours' | 'failedLoginsPer15Minutes'>;
  logger: Logger;
  auth: AuthService;
  limiterStores: LimiterStoreFactory;
  checkHealth: () => Promise<HealthReport>;
  /** The /api/sms router (server/smsServer.ts); optional so auth-only tests can build a smaller app. */
  smsRouter?: Router;
  /** Provider delivery callbacks under /api/sms/callbacks (server/webhooks/twoFactorCallbacks.ts). */
  callbackRouter?: Router;
  /** Inbound hooks under /api/hooks (server/webhooks/supabaseSendSmsHook.ts); absent: those paths answer 404. */
  hooksRouter?: Router;
  /** Built React app to serve; omitted in API-only tests. */
  clientDir?: string;
  /** Set while the process drains on SIGTERM: new API requests get 503 shutting_down. */
  isShuttingDown?: () => boolean;
  /** GET /metrics (Prometheus), behind METRICS_TOKEN; off (404) without a token. `read` gathers the exposition. */
  metrics?: { token: string | undefined; read: () => Promise<MetricsText> };
}

export const JSON_BODY_LIMIT = '16kb';

export function createApp(deps: AppDeps): Express {
  const { config, logger } = deps;
  const app = express();
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  // API answers are no-store, so an ETag (a hash of every JSON body) would never be used. Static files keep theirs.
  app.set('etag', false);
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // TLS is the proxy's job (docs/operations.md); upgrading would break plain-HTTP local runs.
          upgradeInsecureRequests: null,
        },
      },
    }),
  );

  const api = express.Router();
  api.use(requestLogger(logger, redactCallbackToken));
  api.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  if (deps.isShuttingDown) {
    const isShuttingDown = deps.isShuttingDown;
    api.use((_req, _res, next) => next(isShuttingDown() ? shuttingDownError() : undefined));
  }
  api.get('/health', async (_req, res) => {
    const report = await deps.checkHealth();
    res.status(report.ok ? 200 : 503).json(report);
  });
  // Every route is listed in apiDocs/apiOperations.ts; a test fails while one is missing.
  api.use(createApiDocsRouter());
  // Server-to-server posts from the SMS provider: a form without Origin or cookie, so before the cross-site guard.
  if (deps.callbackRouter) api.use('/sms/callbacks', deps.callbackRouter);
  // Supabase's signed posts: no Origin or cookie, and the signature covers the raw body (read by the router itself).
  if (deps.hooksRouter) api.use('/hooks', deps.hooksRouter);
  api.use(crossSiteGuard());
  api.use(express.json({ limit: JSON_BODY_LIMIT, type: 'application/json' }));
  api.use(authenticate(deps.auth, config.isProduction));
  api.use(
    '/auth',
    createAuthRouter({
      auth: deps.auth,
      limiterStores: deps.limiterStores,
      secureCookies: config.isProduction,
      sessionTtlSeconds: config.sessionTtlHours * 3600,
      failedLoginsPer15Minutes: config.failedLoginsPer15Minutes,
    }),
  );
  if (deps.smsRouter) api.use('/sms', deps.smsRouter);
  api.use(notFoundApiHandler);
  api.use(createErrorHandler(logger));
  app.use('/api', api);
  // Outside /api (Prometheus' default path, no session or CSRF), and before the SPA, which would answer any GET.
  if (deps.metrics) app.get('/metrics', metricsEndpoint(deps.metrics));

  const spa = deps.clientDir ? serveSpa(deps.clientDir) : undefined;
  if (spa) app.use(spa);
  app.use(createErrorHandler(logger));
  return app;
}
