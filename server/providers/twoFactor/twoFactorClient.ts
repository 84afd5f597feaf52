/**
 * The 2Factor.in implementation of our SmsOtpProvider port.
 *
 * Contract:
 * - One HTTP request per call, never retried: a retried send can text the user twice.
 * - Every call measures `responseTimeMs` (whole milliseconds, for the `otp_logs.response_time_ms` column),
 *   success or failure, and reports the provider's `Details` text (API key redacted) as `details`.
 * - Failures are ProviderError: `rejected` when 2Factor answered and refused, `unavailable` when there was no
 *   usable answer (timeout, network, 5xx, unreadable body). What an answer means lives in classifyAnswer.ts.
 * - The API key is a URL path segment. It never appears in an error message, `details`, a `cause`, or a
 *   URL we build for humans: messages name the operation, never the URL (which also carries the phone and,
 *   for verify, the code).
 * - We use AUTOGEN (2Factor makes and texts the code), never AUTOGEN2: our server must never learn the code.
 * - Every path segment is percent-encoded, and the segments a URL parser would resolve (`''`, `.`, `..`) are
 *   refused before any request, so no input can change the path or add a query.
 * - Calls go through one keep-alive pool per process (httpTransport.ts), which never follows redirects.
 */
import { performance } from 'node:perf_hooks';
import type { BalanceAccount } from '../../../common/api/sms.js';
import { AnswerTooLargeError, undiciTransport, type HttpTransport } from './httpTransport.js';
import {
  GIVEN_OTP_PATTERN,
  ProviderError,
  type ProviderCallOptions,
  type ProviderCallResult,
  type SmsOtpProvider,
} from '../smsProvider.js';
import {
  classifyBalanceAnswer,
  classifySendAnswer,
  classifyVerifyAnswer,
  type AnswerClassification,
} from './classifyAnswer.js';

export interface TwoFactorClientOptions {
  /** `https://2factor.in` in production, the simulator's `url` in tests. No trailing path needed. */
  baseUrl: string;
  apiKey: string;
  /** Covers the whole call: connect, headers and body. */
  timeoutMs: number;
  /** Injected for tests; defaults to undici on a shared keep-alive pool. */
  transport?: HttpTransport;
}

const REDACTED = '[REDACTED]';

/** 2Factor's balance calls: OTP SMS (AUTOGEN) and transactional SMS (TSMS) are separate accounts. */
const BALANCE_PATHS: Record<BalanceAccount, string> = {
  otp_sms: 'BAL/SMS',
  transactional_sms: 'ADDON_SERVICES/BAL/TRANSACTIONAL_SMS',
};
/** Provider texts go to admin logs; a runaway body must not. */
const MAX_DETAILS_LENGTH = 500;

/**
 * Replaces every occurrence of the API key (raw and percent-encoded) in `text` with `[REDACTED]`.
 * Use it on anything that might have seen a URL or a provider echo before it is logged or shown.
 */
export function redactApiKey(text: string, apiKey: string): string {
  if (apiKey === '') return text;
  let out = text.split(apiKey).join(REDACTED);
  const encoded = safeEncode(apiKey);
  if (encoded !== undefined && encoded !== apiKey) out = out.split(encoded).join(REDACTED);
  return out;
}

/** `+919876543210` → `919876543210`: 2Factor takes Indian numbers with the country code and no `+`. */
export function toTwoFactorPhone(e164: string): string {
  return e164.startsWith('+') ? e164.slice(1) : e164;
}

function safeEncode(value: string): string | undefined {
  try {
    return encodeURIComponent(value);
  } catch {
    // Lone surrogates cannot be encoded.
    return undefined;
  }
}

/** Thrown (as a rejected ProviderError) before any request when an input cannot be one path segment. */
class UnsendableSegment extends Error {
  constructor(readonly field: string) {
    super(`${field} cannot be sent as a URL path segment`);
  }
}

/**
 * One path segment, percent-encoded. `''`, `.` and `..` are refused: a URL parser drops or resolves them
 * (even as `%2E`), which would move the request to another path.
 */
function segment(field: string, value: string): string {
  const encoded = safeEncode(value);
  if (encoded === undefined || encoded === '' || encoded === '.' || encoded === '..')
    throw new UnsendableSegment(field);
  return encoded;
}

export function createTwoFactorClient(options: TwoFactorClientOptions): SmsOtpProvider {
  const { apiKey, timeoutMs } = options;
  if (apiKey === '') throw new Error('2Factor client: apiKey is required');
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new Error('2Factor client: timeoutMs must be a positive number');
  const transport = options.transport ?? undiciTransport;
  const root = `${options.baseUrl.replace(/\/+$/, '')}/API/V1/${segment('apiKey', apiKey)}`;
  const redact = (text: string) => redactApiKey(text, apiKey);
  const forHumans = (text: string) => {
    const redacted = redact(text);
    return redacted.length > MAX_DETAILS_LENGTH ? `${redacted.slice(0, MAX_DETAILS_LENGTH)}…` : redacted;
  };

  /**
   * Builds the path, makes the one request, reads the body and classifies it. `path` is a callback so an
   * unsendable input fails here, as a ProviderError, without a request.
   */
  async function call<T>(
    operation: string,
    path: () => string,
    init: { method: 'GET' | 'POST'; body?: URLSearchParams },
    classify: (httpStatus: number, bodyText: string) => AnswerClassification<T>,
    callOptions: ProviderCallOptions = {},
  ): Promise<ProviderCallResult<T>> {
    const startedAt = performance.now();
    const callTimeoutMs = Math.min(timeoutMs, callOptions.timeoutMs ?? timeoutMs);
    const elapsedMs = () => Math.max(0, Math.round(performance.now() - startedAt));

    let url: string;
    try {
      url = `${root}/${path()}`;
    } catch (error) {
      if (error instanceof UnsendableSegment) {
        throw new ProviderError(
          'rejected',
          `2Factor ${operation} not sent: ${error.message}`,
          `invalid request: ${error.message}`,
          elapsedMs(),
        );
      }
      throw error;
    }

    let httpStatus: number;
    let bodyText: string;
    try {
      ({ status: httpStatus, bodyText } = await transport({
        method: init.method,
        url,
        headers: init.body
          ? { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' }
          : { accept: 'application/json' },
        body: init.body?.toString(),
        timeoutMs: callTimeoutMs,
      }));
    } catch (error) {
      const description = describeTransportFailure(error, callTimeoutMs);
      throw new ProviderError(
        'unavailable',
        `2Factor ${operation} unavailable: ${description}`,
        description,
        elapsedMs(),
        {
          // Not the raw error: transport messages can quote the URL (key, phone, code).
          cause: new Error(forHumans(transportErrorText(error).split(url).join('[request URL]'))),
        },
      );
    }

    const responseTimeMs = elapsedMs();
    if (httpStatus >= 300 && httpStatus < 400) {
      throw new ProviderError(
        'unavailable',
        `2Factor ${operation} unavailable: unexpected redirect`,
        `unexpected redirect (HTTP ${httpStatus})`,
        responseTimeMs,
      );
    }
    const result = classify(httpStatus, bodyText);
    const details = forHumans(result.details);
    if (!result.ok) {
      throw new ProviderError(result.kind, `2Factor ${operation} ${result.kind}: ${details}`, details, responseTimeMs);
    }
    return { value: result.value, responseTimeMs, details };
  }

  return {
    sendOtp({ phone, templateName }) {
      return call(
        'sendOtp',
        () => {
          const base = `SMS/${segment('phone', toTwoFactorPhone(phone))}/AUTOGEN`;
          return templateName ? `${base}/${segment('templateName', templateName)}` : base;
        },
        { method: 'GET' },
        classifySendAnswer,
      );
    },

    sendGivenOtp({ phone, otp, templateName }, callOptions) {
      return call(
        'sendGivenOtp',
        () => {
          // Checked here, not only by the caller: a code of another shape would be read as a template or a route.
          if (!GIVEN_OTP_PATTERN.test(otp)) throw new UnsendableSegment('otp (4 to 6 digits)');
          const base = `SMS/${segment('phone', toTwoFactorPhone(phone))}/${segment('otp', otp)}`;
          return templateName ? `${base}/${segment('templateName', templateName)}` : base;
        },
        { method: 'GET' },
        classifySendAnswer,
        callOptions,
      );
    },

    verifyOtp({ providerSessionId, otp }) {
      return call(
        'verifyOtp',
        () => `SMS/VERIFY/${segment('providerSessionId', providerSessionId)}/${segment('otp', otp)}`,
        { method: 'GET' },
        classifyVerifyAnswer,
      );
    },

    sendTemplateSms({ from, to, templateName, variables }, callOptions) {
      const body = new URLSearchParams({
        From: from,
        To: to
          .split(',')
          .map((number) => toTwoFactorPhone(number.trim()))
          .join(','),
        TemplateName: templateName,
      });
      variables.forEach((value, index) => body.append(`VAR${index + 1}`, value));
      return call(
        'sendTemplateSms',
        () => 'ADDON_SERVICES/SEND/TSMS',
        { method: 'POST', body },
        classifySendAnswer,
        callOptions,
      );
    },

    getBalance(account = 'otp_sms') {
      return call('getBalance', () => BALANCE_PATHS[account], { method: 'GET' }, classifyBalanceAnswer);
    },
  };
}

/** A short, URL-free description of why no answer arrived: this becomes `ProviderError.details`. */
function describeTransportFailure(error: unknown, timeoutMs: number): string {
  if (isNamed(error, 'TimeoutError')) return `timeout after ${timeoutMs} ms`;
  if (isNamed(error, 'AbortError')) return 'request aborted';
  if (error instanceof AnswerTooLargeError) return error.message;
  const code = errorCode(error);
  if (code) return `connection failed (${code})`;
  return 'network error';
}

/** The original error's name, message and code, for the `cause` we attach (redacted by the caller). */
function transportErrorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = errorCode(error);
  const inner = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.name}: ${error.message}${inner}${code ? ` (${code})` : ''}`;
}

function isNamed(error: unknown, name: string): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}

/** How many `cause` links are followed: undici nests the system error one or two deep. */
const MAX_CAUSE_DEPTH = 4;

/** undici puts the system error (ECONNREFUSED, ENOTFOUND, ECONNRESET, UND_ERR_SOCKET…) on `cause`. */
function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
