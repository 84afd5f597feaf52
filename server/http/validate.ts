import type { RequestHandler } from 'express';
import type { z } from 'zod';
import type { ErrorCode } from '../../common/errorCodes.js';
import { AppError } from './appError.js';

/**
 * Which error code a failing field gives. A request whose only problems are in one of these fields answers
 * with that field's code (e.g. `invalid_phone` with the expected format); anything else is `invalid_request`.
 */
const FIELD_ERROR_CODES: Record<string, ErrorCode> = {
  phone: 'invalid_phone',
  to: 'invalid_phone',
  otp: 'invalid_otp',
};

export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const codes = new Set(issues.map((issue) => FIELD_ERROR_CODES[issue.path.split('.')[0] ?? ''] ?? 'invalid_request'));
  const code: ErrorCode = codes.size === 1 ? [...codes][0]! : 'invalid_request';
  const message = code === 'invalid_request' ? describe(issues) : issues[0]!.message;
  throw new AppError(code, message, { body: { issues } });
}

function describe(issues: { path: string; message: string }[]): string {
  const [first] = issues;
  if (!first) return 'The request is invalid.';
  return first.path ? `${first.path}: ${first.message}` : first.message;
}

/**
 * Middleware: parses `req.body` with `schema` (answering 400 with the field's error code on failure) and
 * replaces it with the parsed value, so the limiters and the handler after it see clean, typed input.
 */
export function validateBody<S extends z.ZodType>(schema: S): RequestHandler {
  return (req, _res, next) => {
    req.body = parseOrThrow(schema, req.body);
    next();
  };
}
