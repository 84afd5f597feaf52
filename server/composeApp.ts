/**
 * Builds the services and the Express app from infrastructure that is already connected (database,
 * limiter stores, clock, logger). Shared by server/index.ts and the integration tests, so tests run the
 * exact wiring production runs.
 */
import type { Express } from 'express';
import type { Logger } from 'pino';
import type { HealthReport } from '../common/api/health.js';
import { voiceInsteadOfSmsAlert } from './alerts/alertKinds.js';
import {
  budgetReachedCheck,
  circuitOpenCheck,
  createAlertWatch,
  deliveryFailureShareCheck,
  lowBalanceAlerter,
  type AlertWatch,
} from './alerts/alertWatch.js';
import { createAlerts, type Alerts } from './alerts/alerts.js';
import type { WebhookPoster } from './alerts/webhookPoster.js';
import { createApp } from './app.js';
import { createAuthService, type AuthService } from './auth/authService.js';
import { createLoginThrottle } from './auth/loginThrottle.js';
import { createTrustedDevices } from './auth/trustedDevice.js';
import type { Config } from './config.js';
import type { Db } from './db/db.js';
import { createUserSessionsRepository } from './db/userSessionsRepository.js';
import { createUsersRepository, type UsersRepository } from './db/usersRepository.js';
import type { LimiterStoreFactory } from './http/limiterStores.js';
import type { SecretRegistry } from './logger.js';
import { createDeliveryFunnelRepository } from './db/deliveryFunnelRepository.js';
import { createDeliveryReportsRepository } from './db/deliveryReportsRepository.js';
import { createAlertDeliveriesRepository } from './db/alertDeliveriesRepository.js';
import { createOtpLogsRepository, type OtpLogsRepository } from './db/otpLogsRepository.js';
import { createOtpSessionsRepository } from './db/otpSessionsRepository.js';
import { createScheduledJobsRepository } from './db/scheduledJobsRepository.js';
import { createSmsBalanceRepository } from './db/smsBalanceRepository.js';
import { createSmsSettingsRepository } from './db/smsSettingsRepository.js';
import { createAppMetrics, type AppMetrics } from './metrics/appMetrics.js';
import { ceilingObserver, instrumentOtpService, instrumentProvider } from './metrics/instrumentation.js';
import { registryMetrics, type MetricsText } from './metrics/metricsEndpoint.js';
import { createSmsRouter } from './smsServer.js';
import { createApiKeyCipher } from './sms/apiKeyCipher.js';
import { createDeliveryFunnel } from './sms/deliveryFunnel.js';
import { createDeliveryReports, type DeliveryReports } from './sms/deliveryReports.js';
import { createOtpHasher } from './sms/otpCodes.js';
import { createOtpLogWriter, type OtpLogWriter } from './sms/otpLogWriter.js';
import { createOtpService, type OtpService, type SendOutcome, type VerifyFailure } from './sms/otpService.js';
import { createOutcomeMirror } from './sms/outcomeMirror.js';
import { createProviderGuard, type ProviderGuard } from './providers/providerGuard.js';
import { leaseForTimeout, memoryCeiling, type ProviderCeiling } from './providers/providerCeiling.js';
import { createProviderResolver } from './providers/providerResolver.js';
import type { Sandbox } from './providers/sandbox.js';
import { createTwoFactorClient } from './providers/twoFactor/twoFactorClient.js';
import { createSendLimits, sendBookingStore } from './sms/sendLimits.js';
import { createSmsLimits } from './sms/smsRateLimits.js';
import { createSmsBalance, type SmsBalance } from './sms/smsBalance.js';
import { createSmsSettings, type SmsSettings } from './sms/smsSettings.js';
import { createTwoFactorCallbackRouter } from './webhooks/twoFactorCallbacks.js';
import { createHookSends, type HookSends } from './sms/hookSends.js';
import { hookSendStoreFor } from './sms/hookSendStore.js';
import { createSupabaseSmsHookRouter } from './webhooks/supabaseSendSmsHook.js';
import { createTestNumbers } from './sms/testNumbers.js';

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
  /** Shared request-rate ceiling towards 2Factor (Redis with several instances); in memory by default. */
  providerCeiling?: ProviderCeiling;
  /** The built-in simulator standing in for 2Factor when no API key is set outside production. */
  sandbox?: Sandbox;
  /** Circuit breaker timing; tests shorten it. */
  breaker?: { failuresToOpen: number; halfOpenAfterMs: number };
  /** The wait before a login send or verify for an unregistered number answers; tests make it instant. */
  holdAnswer?: (elapsedMs: number, startedAtMs: number) => Promise<void>;
  /** How alerts reach ALERT_WEBHOOK_URL; tests shorten the retry pauses. */
  postAlert?: WebhookPoster;
  /** In a cluster worker: what /metrics answers, the metrics of all workers (metrics/clusterMetrics.ts). */
  readClusterMetrics?: () => Promise<MetricsText>;
}

/**
 * The 2Factor call of a Supabase hook send: Supabase waits about 5 s for the whole hook, and the answer must also
 * carry the booking and the log row. PROVIDER_TIMEOUT_MS still applies when it is shorter.
 */
const HOOK_PROVIDER_TIMEOUT_MS = 3_500;

/** How long a provider call may wait for a rate slot before it is refused as provider_busy. */
const MAX_PROVIDER_SLOT_WAIT_MS = 250;

/** Provider failures in a row that open the circuit breaker (sends then fail fast as provider_unavailable). */
const BREAKER_FAILURES_TO_OPEN = 5;
/** How long an open breaker waits before it lets one trial call through. */
const BREAKER_HALF_OPEN_AFTER_MS = 15_000;

export interface ComposedApp {
  app: Express;
  users: UsersRepository;
  auth: AuthService;
  otp: OtpService;
  smsSettings: SmsSettings;
  otpLogs: OtpLogsRepository;
  /** Drain it on shutdown: pending log rows are committed before the process exits. */
  otpLogWriter: OtpLogWriter;
  /** 2Factor's delivery reports; `onRecorded` tells of each new one. */
  deliveryReports: DeliveryReports;
  providerGuard: ProviderGuard;
  checkHealth: () => Promise<HealthReport>;
  metrics: AppMetrics;
  alerts: Alerts;
  /** Tick it periodically (server/index.ts): the budget and circuit alerts; the delivery reports add theirs. */
  alertWatch: AlertWatch;
  /** Call `pollIfDue` periodically (server/index.ts): one instance polls 2Factor's balances per interval. */
  smsBalance: SmsBalance;
  /** Supabase's Send SMS Hook sends; stop it on shutdown like `otp`. */
  hookSends: HookSends;
}

export function composeApp(infra: Infrastructure): ComposedApp {
  const { config, db, now } = infra;
  infra.secrets.add(config.alerts.webhookUrl);
  infra.secrets.add(config.metricsToken);
  const metrics = createAppMetrics();
  const countRefusal = (limit: string) => metrics.limitRefusals.inc({ limit });
  const users = createUsersRepository(db);
  const auth = createAuthService({
    users,
    sessions: createUserSessionsRepository(db),
    throttle: createLoginThrottle(infra.limiterStores.failureCounters('login-account'), now),
    devices: createTrustedDevices(config.appSecret, now),
    now,
    sessionTtlMs: config.sessionTtlHours * 3_600_000,
  });

  const smsSettings = createSmsSettings({
    env: config.sms,
    repository: createSmsSettingsRepository(db),
    cipher: createApiKeyCipher(config.appSecret),
    secrets: infra.secrets,
    logger: infra.logger,
    now,
  });
  const providerGuard = createProviderGuard({
    ceiling:
      infra.providerCeiling ?? memoryCeiling(config.sms.providerMaxRps, leaseForTimeout(config.sms.providerTimeoutMs)),
    maxWaitMs: MAX_PROVIDER_SLOT_WAIT_MS,
    failuresToOpen: infra.breaker?.failuresToOpen ?? BREAKER_FAILURES_TO_OPEN,
    halfOpenAfterMs: infra.breaker?.halfOpenAfterMs ?? BREAKER_HALF_OPEN_AFTER_MS,
    observer: ceilingObserver(metrics),
    now,
  });
  const providers = createProviderResolver({
    settings: smsSettings,
    guard: providerGuard,
    createClient: ({ baseUrl, apiKey }) =>
      createTwoFactorClient({ baseUrl, apiKey, timeoutMs: config.sms.providerTimeoutMs }),
    sandbox: infra.sandbox,
    instrument: (client) => instrumentProvider(client, metrics),
  });
  smsSettings.onProviderChange(() => providerGuard.reset());
  const otpLogs = createOtpLogsRepository(db);
  const otpLogWriter = createOtpLogWriter(otpLogs, { logger: infra.logger });
  const limits = createSendLimits({
    store: sendBookingStore(infra.limiterStores, {
      cooldownBaseMs: config.sms.resendCooldownSeconds * 1000,
      cooldownMaxMs: config.sms.resendCooldownMaxSeconds * 1000,
      phoneDailyCap: config.sms.maxSendsPerPhonePerDay,
      userHourlyCap: config.sms.maxSendsPerHour,
      dailyBudget: config.sms.dailyBudget,
    }),
    dailyBudget: config.sms.dailyBudget,
    now,
    logger: infra.logger,
    onRefused: countRefusal,
  });
  const testNumbers = createTestNumbers(config.sms.testNumbers);
  for (const secret of config.supabaseHook.secrets) infra.secrets.add(secret);
  const hookSends = createHookSends({
    store: hookSendStoreFor(infra.limiterStores),
    limits,
    providers,
    logs: otpLogWriter,
    providerTimeoutMs: Math.min(HOOK_PROVIDER_TIMEOUT_MS, config.sms.providerTimeoutMs),
    now,
    logger: infra.logger,
    secretCount: config.supabaseHook.secrets.length,
    publicUrl: config.publicUrl,
  });
  const otpService = createOtpService({
    sessions: createOtpSessionsRepository(db),
    users,
    auth,
    logs: otpLogWriter,
    providers,
    hasher: createOtpHasher(config.appSecret),
    rules: {
      ttlSeconds: config.sms.otpTtlSeconds,
      maxVerifyAttempts: config.sms.maxVerifyAttempts,
    },
    limits,
    sendOutcomes: createOutcomeMirror<SendOutcome>(),
    verifyOutcomes: createOutcomeMirror<VerifyFailure>(),
    testNumbers,
    now,
    holdAnswer: infra.holdAnswer,
    logger: infra.logger,
  });
  // The sandbox reports deliveries to this app itself, with a token of its own unless one is configured.
  const callbackToken = config.sms.deliveryCallbackToken ?? infra.sandbox?.callbackToken;
  infra.secrets.add(callbackToken);
  const deliveryReports = createDeliveryReports({
    repository: createDeliveryReportsRepository(db),
    now,
    logger: infra.logger,
  });
  const otp = instrumentOtpService(otpService, metrics, testNumbers);

  const alerts = createAlerts({
    webhookUrl: config.alerts.webhookUrl,
    deliveries: createAlertDeliveriesRepository(db),
    secrets: infra.secrets,
    logger: infra.logger,
    now,
    post: infra.postAlert,
  });
  const deliveryFunnelRepository = createDeliveryFunnelRepository(db);
  const alertWatch = createAlertWatch({
    alerts,
    checks: [
      budgetReachedCheck(() => limits.usage()),
      circuitOpenCheck(providerGuard, now),
      deliveryFailureShareCheck(deliveryFunnelRepository, now),
    ],
    logger: infra.logger,
  });
  deliveryReports.onRecorded(({ report, voiceInsteadOfSms }) => {
    metrics.deliveryReported({ outcome: report.outcome, voiceInsteadOfSms });
    if (voiceInsteadOfSms) void alerts.raise(voiceInsteadOfSmsAlert());
  });
  const balanceSamples = createSmsBalanceRepository(db);
  const smsBalance = createSmsBalance({
    providers,
    settings: smsSettings,
    samples: balanceSamples,
    jobs: createScheduledJobsRepository(db),
    alertBelow: config.alerts.balanceBelow,
    onPolled: lowBalanceAlerter(alerts, config.alerts.balanceBelow),
    now,
    logger: infra.logger,
  });
  metrics.watchState(
    {
      budget: () => limits.usage(),
      balances: () => balanceSamples.latest(),
      heldLogRows: () => otpLogWriter.heldRows(),
      circuitOpen: () => providerGuard.state() !== 'closed',
    },
    (error) => infra.logger.warn({ err: error }, 'a metric could not be read for /metrics'),
  );
  const smsRouter = createSmsRouter({
    otp,
    settings: smsSettings,
    logs: otpLogs,
    delivery: createDeliveryFunnel({
      repository: deliveryFunnelRepository,
      now,
      reportsEnabled: callbackToken !== undefined,
    }),
    balance: smsBalance,
    supabaseHook: hookSends,
    testNumbers: { numbers: testNumbers.masked(), production: config.isProduction },
    limits: createSmsLimits(config.sms, infra.limiterStores, countRefusal),
    secureCookies: config.isProduction,
    sessionTtlSeconds: config.sessionTtlHours * 3600,
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
    smsRouter,
    callbackRouter: createTwoFactorCallbackRouter({ token: callbackToken, reports: deliveryReports }),
    hooksRouter:
      config.supabaseHook.secrets.length > 0
        ? createSupabaseSmsHookRouter({ secrets: config.supabaseHook.secrets, hookSends })
        : undefined,
    clientDir: infra.clientDir,
    isShuttingDown: infra.isShuttingDown,
    metrics: { token: config.metricsToken, read: infra.readClusterMetrics ?? registryMetrics(metrics.registry) },
  });
  return {
    app,
    users,
    auth,
    otp,
    smsSettings,
    otpLogs,
    otpLogWriter,
    deliveryReports,
    providerGuard,
    checkHealth,
    metrics,
    alerts,
    alertWatch,
    smsBalance,
    hookSends,
  };
}
