/**
 * The OTP service: sends and verifies one-time codes with the session rules both modes share, sends
 * template SMS, and writes one otp_logs row per provider call.
 *
 * Session rules: a session belongs to one phone and purpose (and, for login, to the phone's owner), lives
 * `ttlSeconds`, allows `maxVerifyAttempts` wrong codes (then it is dead even for the right code) and can be
 * verified once. Attempts are booked atomically in the database before a code is checked.
 *
 * Modes: `autogen` lets 2Factor make and check the code (AUTOGEN + VERIFY); `template` makes the code here,
 * keeps only its HMAC, texts it with a DLT template (TSMS) and checks it here in constant time.
 *
 * Login sends to a number no user owns answer exactly like real ones (same shape, similar time) but send
 * nothing and can never verify: the endpoint does not reveal who is registered.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { PublicUser } from '../../common/api/auth.js';
import type {
  ConnectionTestResponse,
  OtpLogType,
  OtpPurpose,
  SendOtpResponse,
  SendTemplateResponse,
  VerifyOtpResponse,
} from '../../common/api/sms.js';
import { maskPhone } from '../../common/phone.js';
import type { AuthService, StartedSession } from '../auth/authService.js';
import type { OtpSession, OtpSessionsRepository } from '../db/otpSessionsRepository.js';
import type { UsersRepository } from '../db/usersRepository.js';
import { AppError } from '../http/appError.js';
import { createWorkTracker } from '../lifecycle.js';
import type { LatencySampler } from './latencySampler.js';
import type { OtpLogWriter } from './otpLogWriter.js';
import { generateOtp, type OtpHasher } from './otpCodes.js';
import { toIndianMobile } from './phone.js';
import type { ProviderResolver } from './providerResolver.js';
import { ProviderError, type ProviderCallResult, type VerifyOutcome } from './smsProvider.js';

export interface OtpRules {
  ttlSeconds: number;
  maxVerifyAttempts: number;
  resendCooldownSeconds: number;
}

export interface OtpServiceDeps {
  sessions: OtpSessionsRepository;
  users: Pick<UsersRepository, 'findByPhone' | 'confirmPhone'>;
  auth: Pick<AuthService, 'startSession'>;
  logs: OtpLogWriter;
  providers: Pick<ProviderResolver, 'resolve'>;
  hasher: OtpHasher;
  rules: OtpRules;
  /** Recent provider times, to make answers that skip the provider take as long as real ones. */
  sendLatency: LatencySampler;
  verifyLatency: LatencySampler;
  now: () => number;
  sleep?: (ms: number) => Promise<void>;
  logger: Logger;
}

export interface VerifyResult {
  response: VerifyOtpResponse;
  /** A login session: the caller sets the session cookie from it. */
  login?: StartedSession;
}

const MESSAGES = {
  sessionNotFound: 'This code is no longer valid. Please request a new one.',
  alreadyUsed: 'This code was already used. Please request a new one.',
  expired: 'This code has expired. Please request a new one.',
  tooManyAttempts: 'Too many wrong codes. Please request a new code.',
  providerRejected: 'We could not send or check the code right now. Please try again later.',
  providerUnavailable: 'The SMS service is not responding. Please try again in a minute.',
  providerBusy: 'We are sending a lot of messages right now. Please try again in a moment.',
} as const;

export type OtpService = ReturnType<typeof createOtpService>;

export function createOtpService(deps: OtpServiceDeps) {
  const { sessions, logs, rules } = deps;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const elapsedSince = (startMs: number) => Math.max(0, Math.round(performance.now() - startMs));

  /**
   * Runs a provider call and writes its log row, success or failure; failures become AppErrors. `alongside`
   * (e.g. storing the new session) runs at the same time as the log write after a success, saving a round trip.
   */
  async function callProvider<T>(
    call: () => Promise<ProviderCallResult<T>>,
    row: { type: OtpLogType; userId: string | null; phone: string; sessionId: string | null; providerSessionId?: string | null },
    statusOf: (result: ProviderCallResult<T>) => string,
    alongside?: (result: ProviderCallResult<T>) => Promise<void>,
  ): Promise<ProviderCallResult<T>> {
    let result: ProviderCallResult<T>;
    try {
      result = await call();
    } catch (error) {
      if (!(error instanceof ProviderError)) throw error;
      if (error.called) {
        await writeLog(row, error.kind === 'rejected' ? 'provider_error' : 'provider_unavailable', error.responseTimeMs, error.details);
      }
      deps.logger.warn({ kind: error.kind, details: error.details, type: row.type }, 'provider call failed');
      throw toAppError(error);
    }
    const sentSession = (result.value as { providerSessionId?: string }).providerSessionId;
    // A template SMS has no session of ours: its row carries the 2Factor session id the caller was given.
    const logged = { ...row, sessionId: row.sessionId ?? sentSession ?? null, providerSessionId: row.providerSessionId ?? sentSession ?? null };
    await Promise.all([writeLog(logged, statusOf(result), result.responseTimeMs, result.details), alongside?.(result)]);
    return result;
  }

  function writeLog(
    row: { type: OtpLogType; userId: string | null; phone: string; sessionId: string | null; providerSessionId?: string | null },
    status: string,
    responseTimeMs: number,
    details: string | null,
  ): Promise<void> {
    return logs.write({
      userId: row.userId,
      phone: row.phone,
      sessionId: row.sessionId,
      providerSessionId: row.providerSessionId ?? null,
      type: row.type,
      status,
      responseTimeMs,
      details,
      createdAt: new Date(deps.now()),
    });
  }

  /** Why a session that could not book an attempt is not live. */
  async function notLiveError(sessionId: string, now: number): Promise<AppError> {
    const session = await sessions.findById(sessionId);
    if (!session) return verifyError('session_not_found', MESSAGES.sessionNotFound);
    if (session.verifiedAt) return verifyError('session_not_found', MESSAGES.alreadyUsed);
    if (session.failedAttempts >= session.maxAttempts) return verifyError('too_many_attempts', MESSAGES.tooManyAttempts, { attempts_left: 0 });
    if (session.expiresAt.getTime() <= now) return verifyError('otp_expired', MESSAGES.expired);
    return verifyError('session_not_found', MESSAGES.sessionNotFound);
  }

  /** What the provider (or, in template mode, our HMAC) says about this code. */
  async function checkCode(session: OtpSession, otp: string): Promise<{ outcome: VerifyOutcome; responseTimeMs: number }> {
    const row = { type: 'verify' as const, userId: session.userId, phone: session.phone, sessionId: session.id, providerSessionId: session.providerSessionId };
    const isDecoy = session.purpose === 'login' && session.userId === null;
    if (isDecoy) {
      const responseTimeMs = deps.verifyLatency.sample();
      await sleep(responseTimeMs);
      return { outcome: 'mismatch', responseTimeMs };
    }
    if (session.mode === 'template') {
      const startedAt = performance.now();
      const outcome = session.codeHmac && deps.hasher.matches(session.id, otp, session.codeHmac) ? 'matched' : 'mismatch';
      const responseTimeMs = elapsedSince(startedAt);
      await writeLog(row, outcomeStatus(outcome), responseTimeMs, 'checked by the server (template mode)');
      return { outcome, responseTimeMs };
    }
    const { provider } = await deps.providers.resolve();
    const result = await callProvider(
      () => provider.verifyOtp({ providerSessionId: session.providerSessionId ?? '', otp }),
      row,
      (r) => outcomeStatus(r.value.outcome),
    );
    deps.verifyLatency.record(result.responseTimeMs);
    return { outcome: result.value.outcome, responseTimeMs: result.responseTimeMs };
  }

  const operations = {
    async sendOtp(input: { phone: string; purpose: OtpPurpose }, requester: PublicUser | undefined): Promise<SendOtpResponse> {
      const phone = toIndianMobile(input.phone);
      const { provider, settings, sandbox } = await deps.providers.resolve();
      const owner = input.purpose === 'login' ? await deps.users.findByPhone(phone) : undefined;
      const userId = input.purpose === 'test' ? (requester?.id ?? null) : (owner?.id ?? null);
      const id = randomUUID();
      const nowMs = deps.now();
      const base = {
        id,
        purpose: input.purpose,
        phone,
        userId,
        mode: settings.mode,
        maxAttempts: rules.maxVerifyAttempts,
        expiresAt: new Date(nowMs + rules.ttlSeconds * 1000),
        createdAt: new Date(nowMs),
      };
      const answer = (responseTimeMs: number, sandboxCode?: string): SendOtpResponse => ({
        session_id: id,
        status: 'sent',
        message: `We sent a code to ${maskPhone(phone)}.`,
        response_time_ms: responseTimeMs,
        expires_in_s: rules.ttlSeconds,
        resend_after_s: rules.resendCooldownSeconds,
        ...(sandboxCode ? { sandbox_code: sandboxCode } : {}),
      });

      if (input.purpose === 'login' && !owner) {
        // Unregistered number: look exactly like a send, text nobody.
        const responseTimeMs = deps.sendLatency.sample();
        await sleep(responseTimeMs);
        await sessions.create({ ...base, providerSessionId: null, codeHmac: null });
        return answer(responseTimeMs);
      }

      const row = { userId, phone, sessionId: id };
      if (settings.mode === 'template') {
        const code = generateOtp();
        const result = await callProvider(
          () => provider.sendTemplateSms({ from: settings.senderId, to: phone, templateName: settings.templateName, variables: [code] }),
          { ...row, type: 'template' },
          () => 'sent',
          (sent) => sessions.create({ ...base, providerSessionId: sent.value.providerSessionId, codeHmac: deps.hasher.hash(id, code) }),
        );
        deps.sendLatency.record(result.responseTimeMs);
        return answer(result.responseTimeMs, sandbox && input.purpose === 'test' ? code : undefined);
      }

      const result = await callProvider(
        () => provider.sendOtp({ phone, templateName: settings.templateName }),
        { ...row, type: 'autogen' },
        () => 'sent',
        (sent) => sessions.create({ ...base, providerSessionId: sent.value.providerSessionId, codeHmac: null }),
      );
      deps.sendLatency.record(result.responseTimeMs);
      const providerSessionId = result.value.providerSessionId;
      const sandboxCode = sandbox && input.purpose === 'test' ? sandbox.codeForSession(providerSessionId) : undefined;
      return answer(result.responseTimeMs, sandboxCode);
    },

    async verifyOtp(input: { sessionId: string; otp: string }): Promise<VerifyResult> {
      const nowMs = deps.now();
      const session = await sessions.bookAttempt(input.sessionId, new Date(nowMs));
      if (!session) throw await notLiveError(input.sessionId, nowMs);

      let check: { outcome: VerifyOutcome; responseTimeMs: number };
      try {
        check = await checkCode(session, input.otp);
      } catch (error) {
        await sessions.refundAttempt(session.id); // the code was not checked: not the user's fault
        throw error instanceof AppError ? withVerifiedFalse(error) : error;
      }

      switch (check.outcome) {
        case 'matched':
          return verified(session, check.responseTimeMs);
        case 'mismatch': {
          const attemptsLeft = Math.max(0, session.maxAttempts - session.failedAttempts);
          const message =
            attemptsLeft > 0
              ? `That code is not right. ${attemptsLeft} ${attemptsLeft === 1 ? 'attempt' : 'attempts'} left.`
              : 'That code is not right, and no attempts are left. Please request a new code.';
          throw verifyError('otp_mismatch', message, { attempts_left: attemptsLeft });
        }
        case 'expired':
        case 'session_not_found':
          // 2Factor no longer knows the code (expired or purged): our session ends too.
          await sessions.expire(session.id, new Date(nowMs));
          throw verifyError('otp_expired', MESSAGES.expired);
      }
    },

    async sendTemplate(
      input: { to: string; template_name?: string | undefined; var1?: string | undefined; var2?: string | undefined },
      requester: PublicUser,
    ): Promise<SendTemplateResponse> {
      const phone = toIndianMobile(input.to);
      const { provider, settings } = await deps.providers.resolve();
      // Variables are positional (VAR1, VAR2): var2 alone must not move into VAR1's place in the template.
      const variables = input.var2 !== undefined ? [input.var1 ?? '', input.var2] : input.var1 !== undefined ? [input.var1] : [];
      const result = await callProvider(
        () => provider.sendTemplateSms({ from: settings.senderId, to: phone, templateName: input.template_name ?? settings.templateName, variables }),
        { type: 'template', userId: requester.id, phone, sessionId: null },
        () => 'sent',
      );
      return {
        session_id: result.value.providerSessionId,
        status: 'sent',
        message: `2Factor accepted the SMS to ${maskPhone(phone)}. Delivery follows the DLT checks.`,
        response_time_ms: result.responseTimeMs,
      };
    },

    /** Checks the key in force with 2Factor's balance call; sends nothing. */
    async testConnection(): Promise<ConnectionTestResponse> {
      const { provider, sandbox } = await deps.providers.resolve();
      try {
        const { value } = await provider.getBalance();
        const where = sandbox ? ' (sandbox simulator)' : '';
        return { ok: true, balance: value.balance, message: `Connected to 2Factor${where}: ${value.balance} SMS credits left.` };
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        const reason = error.kind === 'rejected' ? `2Factor refused: ${error.details}` : `2Factor is not reachable: ${error.details}`;
        return { ok: false, message: reason };
      }
    },

    /** Deletes sessions that ended more than a day ago. */
    purgeOldSessions(): Promise<number> {
      return sessions.deleteExpiredBefore(new Date(deps.now() - 86_400_000));
    },
  };

  // A handler goes on after its client hangs up: a graceful stop waits for these, log rows included.
  const work = createWorkTracker();
  return {
    sendOtp: work.track(operations.sendOtp),
    verifyOtp: work.track(operations.verifyOtp),
    sendTemplate: work.track(operations.sendTemplate),
    testConnection: work.track(operations.testConnection),
    purgeOldSessions: operations.purgeOldSessions,
    /** Refuses new operations (503 shutting_down) and resolves once those in progress have finished. */
    stop: () => work.close(),
  };

  async function verified(session: OtpSession, responseTimeMs: number): Promise<VerifyResult> {
    const nowMs = deps.now();
    if (!(await sessions.markVerified(session.id, new Date(nowMs)))) {
      throw verifyError('session_not_found', MESSAGES.alreadyUsed);
    }
    const response: VerifyOtpResponse = { verified: true, status: 'verified', message: 'Code verified.', response_time_ms: responseTimeMs };
    if (session.purpose !== 'login' || !session.userId) return { response };
    const user = await deps.users.confirmPhone(session.userId, session.phone, new Date(nowMs));
    if (!user) throw verifyError('session_not_found', MESSAGES.sessionNotFound);
    const login = await deps.auth.startSession(user);
    return { response: { ...response, message: 'Code verified. You are logged in.', ...login.login }, login };
  }
}

function outcomeStatus(outcome: VerifyOutcome): string {
  return outcome === 'matched' ? 'verified' : outcome === 'mismatch' ? 'otp_mismatch' : outcome === 'expired' ? 'otp_expired' : 'session_not_found';
}

function verifyError(code: 'session_not_found' | 'otp_expired' | 'too_many_attempts' | 'otp_mismatch', message: string, extra: { attempts_left?: number } = {}) {
  return new AppError(code, message, { verified: false, ...extra });
}

/** Every failed verify answer carries `verified: false`. */
export function withVerifiedFalse(error: AppError): AppError {
  if (error.body.verified === false) return error;
  return new AppError(error.code, error.message, { ...error.body, verified: false }, error.headers);
}

function toAppError(error: ProviderError): AppError {
  switch (error.kind) {
    case 'rejected':
      return new AppError('provider_error', MESSAGES.providerRejected);
    case 'busy': {
      const retryAfterS = Math.max(1, Math.ceil((error.retryAfterMs ?? 1000) / 1000));
      return new AppError('provider_busy', MESSAGES.providerBusy, { retry_after_s: retryAfterS }, { 'Retry-After': String(retryAfterS) });
    }
    case 'unavailable':
      return new AppError('provider_unavailable', MESSAGES.providerUnavailable, { retry_after_s: 30 }, { 'Retry-After': '30' });
  }
}
