/**
 * POST /api/sms/callbacks/2factor/{token}: 2Factor's delivery reports (SMS OTP, voice OTP, transactional SMS).
 *
 * 2Factor signs nothing, so the secret is the path: `token` is TWO_FACTOR_CALLBACK_TOKEN (at least 32 characters),
 * compared in constant time; a wrong one answers 404 exactly like a route that does not exist, and records nothing.
 * Without a token every path here answers that 404: the route is off.
 * The token never reaches a log line: the request logger writes this path with the token replaced
 * (`redactCallbackToken`), and the logger scrubs its value from every line.
 *
 * The router is mounted before the cross-site guard, the JSON parser and cookie authentication: 2Factor posts a
 * form from its servers (no Origin, no cookie), and nothing here acts for a signed-in user. Any body under
 * CALLBACK_BODY_LIMIT is accepted (form, or JSON if that is what arrives) and answered 200 as soon as it is stored,
 * whatever it says: an unknown session, an unknown status word and a duplicate are all recorded, never refused.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { Router, type RequestHandler } from 'express';
import { AppError } from '../http/appError.js';
import { parseDeliveryCallback } from '../providers/twoFactor/deliveryCallback.js';
import type { DeliveryReports } from '../sms/deliveryReports.js';

/** 2Factor's forms are a few hundred bytes. */
export const CALLBACK_BODY_LIMIT = '4kb';

export interface TwoFactorCallbackDeps {
  /** Undefined: callbacks are off. */
  token: string | undefined;
  reports: Pick<DeliveryReports, 'receive'>;
}

export function createTwoFactorCallbackRouter(deps: TwoFactorCallbackDeps): Router {
  const router = Router();
  const expected = deps.token === undefined ? undefined : sha256(deps.token);

  // Hashing both sides gives equal lengths, so the comparison takes the same time whatever was sent.
  const requireToken: RequestHandler = (req, _res, next) => {
    const given = sha256(String(req.params.token ?? ''));
    next(
      expected !== undefined && timingSafeEqual(given, expected)
        ? undefined
        : new AppError('not_found', 'No such API route.'),
    );
  };

  router.post(
    '/2factor/:token',
    requireToken,
    express.text({ type: () => true, limit: CALLBACK_BODY_LIMIT }),
    async (req, res) => {
      const fields = fieldsOf(typeof req.body === 'string' ? req.body : '', req.get('content-type'));
      await deps.reports.receive(parseDeliveryCallback(fields));
      res.json({ received: true });
    },
  );
  // Anything else under /2factor (another method, a missing token) is as unknown as a wrong token.
  router.use('/2factor', (_req, _res, next) => next(new AppError('not_found', 'No such API route.')));

  return router;
}

/** `/api/sms/callbacks/2factor/<token>…` → `/api/sms/callbacks/2factor/[REDACTED]…`, for request log lines. */
export function redactCallbackToken(path: string): string {
  return path.replace(/(\/callbacks\/2factor\/)[^/?#]+/i, '$1[REDACTED]');
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * The posted fields as name → value: a form (2Factor's way), or a flat JSON object. A name given twice keeps its
 * first value. A body that is neither is kept whole under `_unparsed`, so nothing posted is lost.
 */
function fieldsOf(body: string, contentType: string | undefined): Record<string, string> {
  if (body.trim() === '') return {};
  if (contentType && /\bjson\b/i.test(contentType)) {
    try {
      const parsed: unknown = JSON.parse(body);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
        return Object.fromEntries(
          Object.entries(parsed).map(([name, value]) => [
            name,
            typeof value === 'string' ? value : JSON.stringify(value),
          ]),
        );
      }
    } catch {
      // Not JSON after all: kept as is below.
    }
    return { _unparsed: body };
  }
  const fields = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(body)) {
    if (!fields.has(name)) fields.set(name, value);
  }
  return Object.fromEntries(fields);
}
