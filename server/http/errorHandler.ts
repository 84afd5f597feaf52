import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { isDatabaseUnavailableError } from '../db/db.js';
import type { ErrorCode } from '../../common/errorCodes.js';
import { AppError } from './appError.js';

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
    const parsed = fromBodyParser(error as { type?: unknown });
    if (parsed) return parsed;
    if (isDatabaseUnavailableError(error)) {
      return new AppError('database_unavailable', 'The service is temporarily unavailable. Please try again shortly.', {}, { 'Retry-After': '5' });
    }
    const status = (error as { status?: unknown; statusCode?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return new AppError('invalid_request', 'The request could not be processed.');
    }
  }
  return new AppError('internal_error', 'Something went wrong on our side. Please try again.');
}

/**
 * 503s the server answers on purpose to shed load (over the provider's ceiling, stopping). They are not
 * failures: the request line records them, and a burst of them must not flood the error log.
 */
const DELIBERATE_REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['provider_busy', 'shutting_down', 'sms_budget_exhausted']);

/** The one place errors become HTTP answers: `{status, message, ...}` with the catalogue's HTTP status. */
export function createErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const appError = toAppError(error);
    if (appError.httpStatus >= 500 && !DELIBERATE_REFUSALS.has(appError.code)) {
      logger.error({ err: error, method: req.method, path: req.path, status: appError.code }, 'request failed');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.set(appError.headers);
    res.status(appError.httpStatus).json(appError.toBody());
  };
}

export const notFoundApiHandler: RequestHandler = (_req, _res, next) => {
  next(new AppError('not_found', 'No such API route.'));
};
