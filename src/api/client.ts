import { isErrorCode, type ErrorBody, type ErrorCode } from '../../common/errorCodes.js';

/**
 * What the UI can branch on: a code from common/errorCodes.ts, or `network_error` when no usable
 * answer arrived (the request failed, or the answer was not JSON, e.g. a proxy's HTML error page).
 */
export type ApiErrorStatus = ErrorCode | 'network_error';

export const NETWORK_ERROR_MESSAGE = 'Could not reach the server. Check your connection and try again.';
export const UNEXPECTED_ANSWER_MESSAGE = 'The server sent an unexpected answer. Please try again.';

export interface ApiErrorInit {
  httpStatus: number;
  status: ApiErrorStatus;
  message: string;
  retry_after_s?: number;
  attempts_left?: number;
  provider_details?: string;
  issues?: ErrorBody['issues'];
}

/** Every failed call rejects with this: never a bare TypeError or a Response. */
export class ApiError extends Error {
  /** The HTTP status, or 0 when no answer arrived at all. */
  readonly httpStatus: number;
  readonly status: ApiErrorStatus;
  /** Seconds to wait before trying again (429, some 503): from the body, else the Retry-After header. */
  readonly retry_after_s: number | undefined;
  readonly attempts_left: number | undefined;
  /** What the SMS provider itself said (`Invalid API Key`); only admins' calls carry it. */
  readonly provider_details: string | undefined;
  readonly issues: ErrorBody['issues'] | undefined;

  constructor(init: ApiErrorInit) {
    super(init.message);
    this.name = 'ApiError';
    this.httpStatus = init.httpStatus;
    this.status = init.status;
    this.retry_after_s = init.retry_after_s;
    this.attempts_left = init.attempts_left;
    this.provider_details = init.provider_details;
    this.issues = init.issues;
  }
}

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiRequestOptions {
  method?: HttpMethod;
  /** JSON-encoded for writes; a write without a body sends `{}` (the server's CSRF check wants JSON). */
  body?: unknown;
  signal?: AbortSignal;
}

/**
 * The one JSON client over fetch. Same-origin cookies, JSON in and out.
 * Resolves with the parsed body (undefined for 204 / an empty body); rejects with ApiError.
 * An abort (the caller's signal) is rethrown untouched so TanStack Query can tell it from a failure.
 */
export async function apiRequest<T>(path: string, options: ApiRequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const isWrite = method !== 'GET';
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (isWrite) headers['Content-Type'] = 'application/json';

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: isWrite ? JSON.stringify(options.body ?? {}) : undefined,
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiError({ httpStatus: 0, status: 'network_error', message: NETWORK_ERROR_MESSAGE });
  }

  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiError({ httpStatus: response.status, status: 'network_error', message: NETWORK_ERROR_MESSAGE });
  }

  const body = parseJson(text, response.headers.get('Content-Type'));

  if (response.ok) {
    if (text.trim() === '') return undefined as T;
    if (body === NOT_JSON) {
      throw new ApiError({ httpStatus: response.status, status: 'network_error', message: UNEXPECTED_ANSWER_MESSAGE });
    }
    return body as T;
  }

  throw toApiError(response, body === NOT_JSON ? undefined : body);
}

const NOT_JSON = Symbol('not JSON');

function parseJson(text: string, contentType: string | null): unknown {
  if (text.trim() === '') return NOT_JSON;
  // An HTML error page from a proxy must not be mistaken for an API answer, whatever it parses as.
  if (contentType !== null && !/\bjson\b/i.test(contentType)) return NOT_JSON;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function toApiError(response: Response, body: unknown): ApiError {
  const record = isRecord(body) ? body : undefined;
  const code = record?.status;
  const message = typeof record?.message === 'string' && record.message.trim() !== '' ? record.message : undefined;
  const retryAfterS = nonNegativeNumber(record?.retry_after_s) ?? parseRetryAfter(response.headers.get('Retry-After'));

  if (record === undefined || !isErrorCode(code)) {
    // No usable error body. A 429 is still a rate limit (a proxy may answer it), so keep the wait.
    const status: ApiErrorStatus = response.status === 429 ? 'rate_limited' : 'network_error';
    return new ApiError({
      httpStatus: response.status,
      status,
      message:
        message ??
        (status === 'rate_limited' ? 'Too many requests. Please wait and try again.' : UNEXPECTED_ANSWER_MESSAGE),
      retry_after_s: retryAfterS,
    });
  }

  return new ApiError({
    httpStatus: response.status,
    status: code,
    message: message ?? UNEXPECTED_ANSWER_MESSAGE,
    retry_after_s: retryAfterS,
    attempts_left: nonNegativeNumber(record.attempts_left),
    provider_details: nonEmptyString(record.provider_details),
    issues: Array.isArray(record.issues) ? (record.issues as ErrorBody['issues']) : undefined,
  });
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(header: string | null, nowMs: number = Date.now()): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  const dateMs = Date.parse(value);
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, Math.ceil((dateMs - nowMs) / 1000));
}

function nonNegativeNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
