import { ERROR_HTTP_STATUS, type ErrorBody, type ErrorCode } from '../../common/errorCodes.js';

/** Fields of the error body that depend on the code; `status`, `message` and `retry_after_s` are written for you. */
export type ErrorBodyFields = Omit<Partial<ErrorBody>, 'status' | 'message' | 'retry_after_s'>;

export interface AppErrorOptions {
  /**
   * Seconds to wait before trying again. The error handler sends it twice, as the `Retry-After` header and as
   * `retry_after_s` in the body, so no answer has one without the other.
   */
  retryAfterS?: number;
  /** Fields of the body that depend on the code (attempts_left, provider_details, issues, verified). */
  body?: ErrorBodyFields;
  /** Headers beside Retry-After: the IETF `RateLimit` header naming a limit, `Connection: close`. */
  headers?: Readonly<Record<string, string>>;
}

/**
 * The one error type routes and services throw for an expected failure. The error handler turns it into
 * `{status: code, message, ...body}` with the HTTP status the catalogue (common/errorCodes.ts) assigns.
 * Services say what went wrong and how long to wait; only the error handler writes HTTP.
 */
export class AppError extends Error {
  readonly retryAfterS: number | undefined;
  readonly body: ErrorBodyFields;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.retryAfterS = options.retryAfterS;
    this.body = options.body ?? {};
    this.headers = options.headers ?? {};
  }

  get httpStatus(): number {
    return ERROR_HTTP_STATUS[this.code];
  }

  /** The same error with more body fields (e.g. the verify route's `verified: false`). */
  withBody(fields: ErrorBodyFields): AppError {
    return new AppError(this.code, this.message, {
      retryAfterS: this.retryAfterS,
      body: { ...this.body, ...fields },
      headers: this.headers,
    });
  }

  toBody(): ErrorBody {
    return {
      status: this.code,
      message: this.message,
      ...this.body,
      ...(this.retryAfterS === undefined ? {} : { retry_after_s: this.retryAfterS }),
    };
  }

  /** Every header of the answer, Retry-After included when there is a wait. */
  toHeaders(): Record<string, string> {
    return this.retryAfterS === undefined
      ? { ...this.headers }
      : { ...this.headers, 'Retry-After': String(this.retryAfterS) };
  }
}

/** A wait in milliseconds as whole seconds for Retry-After: rounded up, and never 0 (0 would invite a retry at once). */
export function retryAfterSeconds(waitMs: number): number {
  return Math.max(1, Math.ceil(waitMs / 1000));
}
