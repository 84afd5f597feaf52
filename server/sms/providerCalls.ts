/**
 * One provider call as every send and check takes it (the OTP service's sends, checks and template SMS, and the
 * Supabase hook's sends): each call that reached 2Factor writes one otp_logs row, success or failure, and a failure
 * that sent nothing gives back what the caller booked for it. The guard (circuit breaker, request-rate ceiling) is not applied here:
 * the provider resolver wraps every client in it, so the calls made here already go through it. Nothing went out
 * when the call was held back (circuit open, over the ceiling) or 2Factor refused it; after a timeout or a 5xx the
 * SMS may have gone, so the booking is kept.
 */
import { randomUUID } from 'node:crypto';
import type { OtpLogOrigin, OtpLogType } from '../../common/api/sms.js';
import type { OtpLogWriter } from './otpLogWriter.js';
import { ProviderError, type ProviderCallResult } from '../providers/smsProvider.js';

/** What a call's otp_logs row says besides its outcome. */
export interface LogRow {
  type: OtpLogType;
  origin: OtpLogOrigin;
  userId: string | null;
  phone: string;
  /** Null for a send without a session of ours: its row then carries the 2Factor session id it got. */
  sessionId: string | null;
  providerSessionId?: string | null;
}

export interface LoggedCallOptions<T> {
  /**
   * Gives back what was booked for the send (the booking, and for the hook its request id) when the call failed and
   * sent nothing. None for checks.
   */
  giveBack?: () => Promise<unknown>;
  /** Runs at the same time as the log write after a success (e.g. storing the new session), saving a round trip. */
  alongside?: (result: ProviderCallResult<T>) => Promise<void>;
  /** What to throw for a failed call: the caller's answer, or the provider's error itself for a caller that maps it. */
  failed: FailedCall;
}

/**
 * Makes the error a failed call throws, once its row is written and its booking settled; `released` says whether
 * the booking was given back.
 */
export type FailedCall = (error: ProviderError, released: boolean, row: LogRow) => Error;

export interface ProviderCallsDeps {
  logs: OtpLogWriter;
  now: () => number;
}

export function createProviderCalls(deps: ProviderCallsDeps) {
  const { logs } = deps;

  function writeLog(row: LogRow, status: string, responseTimeMs: number, details: string | null): Promise<void> {
    return logs.write({
      callId: randomUUID(),
      userId: row.userId,
      phone: row.phone,
      sessionId: row.sessionId,
      providerSessionId: row.providerSessionId ?? null,
      type: row.type,
      origin: row.origin,
      status,
      responseTimeMs,
      details,
      createdAt: new Date(deps.now()),
    });
  }

  /** Runs `call` and writes its log row; `statusOf` names a success's status (`sent`, `verified`, …). */
  async function call<T>(
    run: () => Promise<ProviderCallResult<T>>,
    row: LogRow,
    statusOf: (result: ProviderCallResult<T>) => string,
    options: LoggedCallOptions<T>,
  ): Promise<ProviderCallResult<T>> {
    let result: ProviderCallResult<T>;
    try {
      result = await run();
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      const released = options.giveBack !== undefined && sentNothing(error);
      await Promise.all([
        error.called
          ? writeLog(
              row,
              error.kind === 'rejected' ? 'provider_error' : 'provider_unavailable',
              error.responseTimeMs,
              error.details,
            )
          : undefined,
        released ? options.giveBack!() : undefined,
      ]);
      throw options.failed(error, released, row);
    }
    const sentSession = (result.value as { providerSessionId?: string }).providerSessionId;
    // A send without a session of ours (template SMS, the hook's): its row carries the 2Factor session id.
    const logged = {
      ...row,
      sessionId: row.sessionId ?? sentSession ?? null,
      providerSessionId: row.providerSessionId ?? sentSession ?? null,
    };
    await Promise.all([
      writeLog(logged, statusOf(result), result.responseTimeMs, result.details),
      options.alongside?.(result),
    ]);
    return result;
  }

  /** `writeLog` also serves checks made without a provider call (template mode checks the code here). */
  return { call, writeLog };
}

/** True when no SMS can have gone out: the call was held back, or 2Factor answered with a refusal. */
function sentNothing(error: ProviderError): boolean {
  return !error.called || error.kind === 'rejected';
}
