import { ERROR_HTTP_STATUS, type ErrorBody, type ErrorCode } from '../../common/errorCodes.js';

/**
 * The one error type routes and services throw for an expected failure. The error handler turns it into
 * `{status: code, message, ...body}` with the HTTP status the catalogue (common/errorCodes.ts) assigns.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly body: Omit<Partial<ErrorBody>, 'status' | 'message'> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  get httpStatus(): number {
    return ERROR_HTTP_STATUS[this.code];
  }

  toBody(): ErrorBody {
    return { status: this.code, message: this.message, ...this.body };
  }
}
