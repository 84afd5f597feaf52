import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { isDatabaseUnavailableError } from '../db/db.js';
import type { ErrorCode } from '../../common/errorCodes.js';
import { AppError } from './appError.js';

/** Retry-After while PostgreSQL is unreachable: a restart or failover usually takes seconds. */
const DATABASE_UNAVAILABLE_RETRY_AFTER_S = 5;

/** Errors body-parser raises for a bad body: client mistakes, never 5xx. */
function fromBodyParser(error: { type?: unknown; status?: unknown }): AppError | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return new AppError('invalid_request', 'The request body is not valid JSON.');
    case 'entity.too.large':
      return new AppError('payload_too_large', 'The request body is too large.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError('unsupported_media_type', 'Send the body as UTF-8 JSON.');
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new AppError('invalid_request', 'The request body could not be read.');
    default:
      return undefined;
  }
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error && typeof error === 'object') {
    const parsed = fromBodyParser(error);
    if (parsed) return parsed;
    if (isDatabaseUnavailableError(error)) {
      return new AppError('database_unavailable', 'The service is temporarily unavailable. Please try again shortly.', {
        retryAfterS: DATABASE_UNAVAILABLE_RETRY_AFTER_S,
      });
    }
    const status = (error as { status?: unknown; statusCode?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return new AppError('invalid_request', 'The request could not be processed.');
    }
  }
  return new AppError('internal_error', 'Something went wrong on our side. Please try again.');
}

/**
 * 503s the server answers on purpose to shed load (over the provider's ceiling, the day's SMS budget spent,
 * stopping). They are not failures: the request line records them, and a burst of them must not flood the log.
 */
const LOAD_SHEDDING: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'provider_busy',
  'shutting_down',
  'sms_budget_exhausted',
]);

/**
 * How an answer is logged beside its request line. Every other 503 is an expected refusal with a known
 * reason (no API key, 2Factor or the limiter store or the database out of reach; the cause is logged where it
 * is known): a warning without a stack. Only unexpected failures (500, 502) are errors, with the stack.
 */
function logLevelOf(appError: AppError): 'error' | 'warn' | undefined {
  if (appError.httpStatus < 500 || LOAD_SHEDDING.has(appError.code)) return undefined;
  return appError.httpStatus === 503 ? 'warn' : 'error';
}

/**
 * The one place errors become HTTP answers: `{status, message, ...}` with the catalogue's HTTP status, and for an
 * error with a wait, both the `Retry-After` header and `retry_after_s`.
 */
export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const appError = toAppError(error);
    const level = logLevelOf(appError);
    if (level === 'error') {
      logger.error({ err: error, method: req.method, path: req.path, status: appError.code }, 'request failed');
    } else if (level === 'warn') {
      // What was wrong underneath (e.g. the database's own message), when the refusal wraps another error.
      const cause = error instanceof AppError ? undefined : error instanceof Error ? error.message : undefined;
      logger.warn({ method: req.method, path: req.path, status: appError.code, cause }, 'request refused');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.set(appError.toHeaders());
    res.status(appError.httpStatus).json(appError.toBody());
  };
}

export const notFoundApiHandler: RequestHandler = (_req, _res, next) => {
  next(new AppError('not_found', 'No such API route.'));
};
