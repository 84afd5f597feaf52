/**
 * createSmsRouter(deps): the /api/sms routes. Each handler parses its input, calls one service function
 * and answers; validation, role checks and abuse limits run as middleware before it, in that order, so a
 * refused request costs no provider call.
 */
import { Router, type ErrorRequestHandler, type RequestHandler } from 'express';
import {
  logsQuerySchema,
  sendOtpRequestSchema,
  sendTemplateRequestSchema,
  updateSmsConfigRequestSchema,
  verifyOtpRequestSchema,
  type SendOtpRequest,
  type SmsUsageResponse,
  type TestNumbersView,
  type VerifyOtpRequest,
} from '../common/api/sms.js';
import type { SendTemplateRequest, UpdateSmsConfigRequest } from '../common/api/sms.js';
import { funnelQuerySchema } from '../common/api/delivery.js';
import { ADMIN_ROLES } from '../common/roles.js';
import { requireRole } from './auth/authenticate.js';
import { setSessionCookie } from './auth/sessionCookie.js';
import { setTrustedDeviceCookie } from './auth/trustedDevice.js';
import type { OtpLogsRepository } from './db/otpLogsRepository.js';
import { toAppError } from './http/errorHandler.js';
import { parseOrThrow, validateBody } from './http/validate.js';
import type { DeliveryFunnel } from './sms/deliveryFunnel.js';
import type { OtpService } from './sms/otpService.js';
import type { SmsBalance } from './sms/smsBalance.js';
import type { SmsLimits } from './sms/smsRateLimits.js';
import type { SmsSettings } from './sms/smsSettings.js';
import type { HookSends } from './sms/hookSends.js';

export interface SmsRouterDeps {
  otp: OtpService;
  settings: Pick<SmsSettings, 'view' | 'update' | 'removeSavedApiKey' | 'changes'>;
  logs: Pick<OtpLogsRepository, 'page'>;
  delivery: Pick<DeliveryFunnel, 'funnel'>;
  balance: Pick<SmsBalance, 'overview'>;
  /** The Supabase Send SMS Hook as admins see it (server/sms/hookSends.ts). */
  supabaseHook: Pick<HookSends, 'view'>;
  /** SMS_TEST_NUMBERS as admins may see them (fixed at boot). */
  testNumbers: TestNumbersView;
  limits: SmsLimits;
  secureCookies: boolean;
  sessionTtlSeconds: number;
}

const adminOnly = requireRole(...ADMIN_ROLES);

/** `purpose: "test"` sends are for admins; login sends are for anyone. */
const authorizePurpose: RequestHandler = (req, res, next) => {
  const { purpose } = req.body as Required<SendOtpRequest>;
  if (purpose === 'test') return adminOnly(req, res, next);
  next();
};

/** Whatever fails on the verify route answers with `verified: false`. */
const verifyFailuresAreUnverified: ErrorRequestHandler = (error, _req, _res, next) => {
  next(toAppError(error).withBody({ verified: false }));
};

export function createSmsRouter(deps: SmsRouterDeps): Router {
  const router = Router();

  router.post(
    '/sendOtp',
    validateBody(sendOtpRequestSchema),
    authorizePurpose,
    ...deps.limits.sendOtp,
    async (req, res) => {
      res.json(await deps.otp.sendOtp(req.body as Required<SendOtpRequest>, req.user));
    },
  );

  const verifyOtp: RequestHandler = async (req, res) => {
    const { session_id, otp } = req.body as VerifyOtpRequest;
    const { response, login } = await deps.otp.verifyOtp({ sessionId: session_id, otp });
    if (login) {
      setSessionCookie(res, login.token, { secure: deps.secureCookies, maxAgeSeconds: deps.sessionTtlSeconds });
      setTrustedDeviceCookie(res, login.deviceToken, deps.secureCookies);
    }
    res.json(response);
  };
  router.post(
    '/verifyOtp',
    validateBody(verifyOtpRequestSchema),
    ...deps.limits.verifyOtp,
    verifyOtp,
    verifyFailuresAreUnverified,
  );

  router.post(
    '/sendTemplate',
    adminOnly,
    validateBody(sendTemplateRequestSchema),
    ...deps.limits.sendTemplate,
    async (req, res) => {
      res.json(await deps.otp.sendTemplate(req.body as SendTemplateRequest, req.user!));
    },
  );

  router.get('/config', adminOnly, async (_req, res) => {
    res.json(await deps.settings.view());
  });

  router.put('/config', adminOnly, validateBody(updateSmsConfigRequestSchema), async (req, res) => {
    res.json(await deps.settings.update(req.body as UpdateSmsConfigRequest, req.user!.id));
  });

  router.delete('/config/api_key', adminOnly, async (req, res) => {
    res.json(await deps.settings.removeSavedApiKey(req.user!.id));
  });

  router.post('/config/test', adminOnly, async (_req, res) => {
    res.json(await deps.otp.testConnection());
  });

  router.get('/config/changes', adminOnly, async (_req, res) => {
    res.json(await deps.settings.changes());
  });

  router.get('/test-numbers', adminOnly, (_req, res) => {
    res.json(deps.testNumbers);
  });

  router.get('/balance', adminOnly, async (_req, res) => {
    res.json(await deps.balance.overview());
  });

  router.get('/supabase-hook', adminOnly, async (_req, res) => {
    res.json(await deps.supabaseHook.view());
  });

  router.get('/usage', adminOnly, async (_req, res) => {
    const usage = await deps.otp.usage();
    res.json({
      sent_today: usage.sentToday,
      daily_budget: usage.dailyBudget,
      resets_at: usage.resetsAt.toISOString(),
    } satisfies SmsUsageResponse);
  });

  router.get('/logs', adminOnly, async (req, res) => {
    const query = parseOrThrow(logsQuerySchema, req.query);
    const page = await deps.logs.page(query);
    res.json({ items: page.items, next_before: page.nextBefore });
  });

  router.get('/funnel', adminOnly, async (req, res) => {
    const { period } = parseOrThrow(funnelQuerySchema, req.query);
    res.json(await deps.delivery.funnel(period));
  });

  return router;
}
