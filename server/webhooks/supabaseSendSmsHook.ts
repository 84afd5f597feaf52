/**
 * POST /api/hooks/supabase/send-sms: Supabase Auth's Send SMS Hook (HTTPS). Supabase makes the code and posts it
 * here; we deliver it through 2Factor (server/sms/hookSends.ts).
 *
 * - On only when SUPABASE_SMS_HOOK_SECRETS is set (otherwise the path answers 404 like any unknown route).
 * - Standard Webhooks: `webhook-id`, `webhook-timestamp` (Unix seconds), `webhook-signature` (`v1,<base64>`,
 *   several separated by spaces or ", " when Supabase signs with several secrets). The raw body is checked with
 *   the `standardwebhooks` package against each configured secret (rotation: old and new both accepted). A missing
 *   or wrong signature, or a timestamp more than 5 minutes off, answers 401 before anything is parsed, sent or
 *   logged.
 * - Mounted before the cross-site guard, the JSON parser and cookie authentication: Supabase posts from its
 *   servers, and the signature covers the exact bytes, so this router reads the raw body itself.
 * - Answers, as Supabase reads them: 200 `{}` when sent (or a repeat of a request already sent); 200
 *   `{"error": {"http_code", "message"}}` for a refusal Supabase passes to the app (limits, budget, bad phone);
 *   503 with Retry-After when 2Factor is unavailable (Supabase may retry); 400 for a signed body that is not a
 *   Send SMS payload.
 * - Every call is recorded (time, result, status) for Settings → SMS & OTP; the code never reaches a log line.
 */
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { z } from 'zod';
import type { SupabaseHookResult } from '../../common/api/supabaseHook.js';
import { AppError } from '../http/appError.js';
import type { HookSendOutcome, HookSends } from '../sms/hookSends.js';

/** Supabase's payload is the user record and the SMS: a few kilobytes at most. */
export const HOOK_BODY_LIMIT = '64kb';

const phoneDigits = z.string().trim().max(20);

/** What we read of Supabase's Send SMS payload; other fields (the rest of the user record) pass unread. */
const sendSmsPayloadSchema = z.object({
  metadata: z.object({ uuid: z.string().trim().min(1).max(128) }).optional(),
  user: z.object({ id: z.guid(), phone: phoneDigits.optional() }),
  sms: z.object({
    otp: z.string().regex(/^[0-9]{6,10}$/, 'the code has 6 to 10 digits'),
    phone: phoneDigits.optional(),
    sms_type: z.string().max(32).optional(),
  }),
});

export interface SupabaseSmsHookDeps {
  /** `whsec_<base64>` secrets; at least one. */
  secrets: readonly string[];
  hookSends: Pick<HookSends, 'send' | 'recordCall'>;
}

export function createSupabaseSmsHookRouter(deps: SupabaseSmsHookDeps): Router {
  if (deps.secrets.length === 0) throw new Error('Supabase SMS hook: at least one secret is required');
  const verifiers = deps.secrets.map((secret) => new Webhook(secret));
  const router = Router();

  const record = (res: Response, result: SupabaseHookResult) => {
    res.on('finish', () => void deps.hookSends.recordCall({ result, httpStatus: res.statusCode }));
  };

  const verified: RequestHandler = (req, res, next) => {
    const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const headers = {
      'webhook-id': req.get('webhook-id') ?? '',
      'webhook-timestamp': req.get('webhook-timestamp') ?? '',
      'webhook-signature': normalizeSignatures(req.get('webhook-signature') ?? ''),
    };
    for (const verifier of verifiers) {
      try {
        // Parsing is ours (a signed body that is not JSON is a 400, not a signature failure).
        verifier.verify(body, headers, { jsonParse: false });
        res.locals.hookBody = body;
        next();
        return;
      } catch (error) {
        if (!(error instanceof WebhookVerificationError)) throw error;
      }
    }
    record(res, 'unauthorized');
    next(
      new AppError(
        'unauthorized',
        'This request is not signed with a configured Send SMS Hook secret, or its timestamp is too old.',
      ),
    );
  };

  router.post(
    '/supabase/send-sms',
    express.raw({ type: () => true, limit: HOOK_BODY_LIMIT }),
    verified,
    async (req: Request, res: Response) => {
      const parsed = sendSmsPayloadSchema.safeParse(safeJson(res.locals.hookBody as string));
      if (!parsed.success) {
        record(res, 'invalid_payload');
        throw new AppError('invalid_request', 'This is not a Send SMS Hook payload.', {
          body: {
            issues: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
          },
        });
      }
      const { metadata, user, sms } = parsed.data;
      const outcome = await deps.hookSends.send({
        // Supabase keeps metadata.uuid across its retries (webhook-id changes); older versions send no metadata.
        requestId: metadata?.uuid ?? req.get('webhook-id') ?? '',
        userId: user.id,
        phone: sms.phone || user.phone || '',
        otp: sms.otp,
        smsType: sms.sms_type,
      });
      record(res, outcome.result);
      respond(res, outcome);
    },
  );
  router.use('/supabase/send-sms', (_req, _res, next) => next(new AppError('not_found', 'No such API route.')));
  return router;
}

function respond(res: Response, outcome: HookSendOutcome): void {
  if (outcome.status === 503) {
    res
      .status(503)
      .set('Retry-After', String(outcome.retryAfterS))
      .json({ error: { http_code: 503, message: outcome.message } });
    return;
  }
  if ('error' in outcome) {
    res.status(200).json({ error: { http_code: outcome.error.httpCode, message: outcome.error.message } });
    return;
  }
  res.status(200).json({});
}

/**
 * `v1,abc, v1,def` or `v1,abc v1,def` → `v1,abc v1,def`: the package splits on spaces only, and Supabase joins the
 * signatures of several secrets with ", ".
 */
export function normalizeSignatures(header: string): string {
  return (header.match(/v1,[A-Za-z0-9+/=]+/g) ?? []).join(' ');
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
