/**
 * The OTP service: sends and verifies one-time codes with the session rules both modes share, sends
 * template SMS, and writes one otp_logs row per provider call (providerCalls.ts, shared with the Supabase hook).
 *
 * Session rules: a session belongs to one phone and purpose (and, for login, to the phone's owner), lives
 * `ttlSeconds`, allows `maxVerifyAttempts` wrong codes (then it is dead even for the right code) and can be
 * verified once. Attempts are booked atomically in the database before a code is checked.
 *
 * Modes: `autogen` lets 2Factor make and check the code (AUTOGEN + VERIFY); `template` makes the code here,
 * keeps only its HMAC, texts it with a DLT template (TSMS) and checks it here in constant time.
 *
 * Limits: every send is booked (sendLimits.ts: the phone's growing cooldown and daily cap, the user's hourly
 * cap, the daily budget) before the provider call, and given back only when we know no SMS went out: the call
 * was held back (circuit open, over the request-rate ceiling) or 2Factor refused it. Never because the client
 * went away, never after a timeout (the SMS may have gone).
 *
 * Login sends to a number no user owns book the same limits and answer like real ones: the same outcomes as
 * recent real sends (outcomeMirror.ts, so they fail too while 2Factor fails), after about the same time, but
 * send nothing and can never verify. Checks of their codes mirror real wrong-code checks the same way. The
 * endpoints do not reveal who is registered.
 *
 * Test numbers (testNumbers.ts) take their fixed code: no 2Factor call, no booking, no otp_logs row (that table
 * records 2Factor calls); the server log marks each send and check with `testNumber: true`.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { PublicUser } from '../../common/api/auth.js';
import type {
  ConnectionTestResponse,
  OtpPurpose,
  SendOtpResponse,
  SendTemplateResponse,
  VerifyOtpResponse,
} from '../../common/api/sms.js';
import { maskPhone } from '../../common/phone.js';
import type { AuthService, StartedSession } from '../auth/authService.js';
import type { NewOtpSession, OtpSession, OtpSessionsRepository } from '../db/otpSessionsRepository.js';
import type { UsersRepository } from '../db/usersRepository.js';
import { AppError } from '../http/appError.js';
import { createWorkTracker } from '../lifecycle.js';
import type { OtpLogWriter } from './otpLogWriter.js';
import type { MirroredOutcome, OutcomeMirror } from './outcomeMirror.js';
import { generateOtp, type OtpHasher } from './otpCodes.js';
import { toIndianMobile } from './phone.js';
import { createProviderCalls, type FailedCall, type LogRow } from './providerCalls.js';
import { providerFailure, type Audience } from './providerFailure.js';
import type { EffectiveSmsSettings } from './smsSettings.js';
import type { Booking } from './sendBookings.js';
import type { SendLimits } from './sendLimits.js';
import type { TestNumbers } from './testNumbers.js';
import {
  ProviderNotConfiguredError,
  type ProviderResolver,
  type ResolvedProvider,
} from '../providers/providerResolver.js';
import { ProviderError, type ProviderCallResult, type VerifyOutcome } from '../providers/smsProvider.js';

export interface OtpRules {
  ttlSeconds: number;
  maxVerifyAttempts: number;
}

export interface OtpServiceDeps {
  sessions: OtpSessionsRepository;
  users: Pick<UsersRepository, 'findByPhone' | 'confirmPhone'>;
  auth: Pick<AuthService, 'startSession'>;
  logs: OtpLogWriter;
  providers: ProviderResolver<EffectiveSmsSettings>;
  hasher: OtpHasher;
  rules: OtpRules;
  limits: SendLimits;
  /** How recent real sends and wrong-code checks ended, for the answers about numbers nobody owns. */
  sendOutcomes: OutcomeMirror<SendOutcome>;
  verifyOutcomes: OutcomeMirror<VerifyFailure>;
  /** SMS_TEST_NUMBERS; none when omitted. */
  testNumbers?: TestNumbers;
  now: () => number;
  /**
   * Holds a mirrored answer until `elapsedMs` after `startedAtMs` (performance.now() readings); by default exactly
   * that long, never less. Tests pass an instant one and read `elapsedMs`: what the answer was made to last.
   */
  holdAnswer?: (elapsedMs: number, startedAtMs: number) => Promise<void>;
  logger: Logger;
}

/** How a real send ended: its answer time, or the error it failed with and whether its booking was given back. */
export type SendOutcome = { responseTimeMs: number; failure?: undefined } | { failure: AppError; released: boolean };

/** How a real check failed: a wrong code, an expired code, or a provider failure (its attempt given back). */
export type VerifyFailure = { kind: 'mismatch' } | { kind: 'expired' } | { kind: 'provider'; failure: AppError };

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
} as const;

/** No API key in production: admins are told how to set it up, end users only what they can do instead. */
const NOT_CONFIGURED_MESSAGES: Record<Audience, string> = {
  public: 'Phone login is not available right now. Please log in with your email and password.',
  admin: 'SMS is not set up yet: an admin must add the 2Factor API key in Settings → SMS & OTP.',
};

/** Before any real send has been seen: a typical 2Factor answer time. */
const DEFAULT_SEND_MS = 250;

export type OtpService = ReturnType<typeof createOtpService>;

export function createOtpService(deps: OtpServiceDeps) {
  const { sessions, logs, rules, limits } = deps;
  /** Milliseconds since `startMs` (a performance.now() reading), unrounded: mirrored answers wait them exactly. */
  const elapsedSince = (startMs: number) => Math.max(0, performance.now() - startMs);
  const holdAnswer =
    deps.holdAnswer ?? ((elapsedMs: number, startedAtMs: number) => waitUntil(startedAtMs + elapsedMs));

  const { call: callProvider, writeLog } = createProviderCalls({ logs, now: deps.now });
  /** Failed calls become AppErrors for the audience; one function per audience, made once (sends are a hot path). */
  const failedFor: Record<Audience, FailedCall> = {
    public: (error, released, row) => callFailed(error, released, row, 'public'),
    admin: (error, released, row) => callFailed(error, released, row, 'admin'),
  };
  function callFailed(error: ProviderError, released: boolean, row: LogRow, audience: Audience): ProviderCallFailed {
    deps.logger.warn({ kind: error.kind, details: error.details, type: row.type }, 'provider call failed');
    return new ProviderCallFailed(providerFailure(error, audience), released);
  }

  /** The provider for this audience: end users are not told how to configure SMS. */
  async function resolveProvider(audience: Audience): Promise<ResolvedProvider<EffectiveSmsSettings>> {
    try {
      return await deps.providers.resolve();
    } catch (error) {
      if (error instanceof ProviderNotConfiguredError) {
        throw new AppError('provider_not_configured', NOT_CONFIGURED_MESSAGES[audience]);
      }
      throw error;
    }
  }

  /** Why a session that could not book an attempt is not live. */
  async function notLiveError(sessionId: string, now: number): Promise<AppError> {
    const session = await sessions.findById(sessionId);
    if (!session) return verifyError('session_not_found', MESSAGES.sessionNotFound);
    if (session.verifiedAt) return verifyError('session_not_found', MESSAGES.alreadyUsed);
    if (session.failedAttempts >= session.maxAttempts)
      return verifyError('too_many_attempts', MESSAGES.tooManyAttempts, { attempts_left: 0 });
    if (session.expiresAt.getTime() <= now) return verifyError('otp_expired', MESSAGES.expired);
    return verifyError('session_not_found', MESSAGES.sessionNotFound);
  }

  /** What the provider (or, in template mode, our HMAC) says about this code. */
  async function checkCode(
    session: OtpSession,
    otp: string,
  ): Promise<{ outcome: VerifyOutcome; responseTimeMs: number }> {
    const row = {
      type: 'verify' as const,
      origin: session.purpose,
      userId: session.userId,
      phone: session.phone,
      sessionId: session.id,
      providerSessionId: session.providerSessionId,
    };
    if (session.mode === 'template') {
      const startedAt = performance.now();
      const outcome =
        session.codeHmac && deps.hasher.matches(session.id, otp, session.codeHmac) ? 'matched' : 'mismatch';
      const responseTimeMs = Math.round(elapsedSince(startedAt));
      if (isTestNumber(session.phone)) {
        deps.logger.info(
          { testNumber: true, phone: maskPhone(session.phone), outcome },
          'test number: code checked against its fixed code',
        );
      } else {
        await writeLog(row, outcomeStatus(outcome), responseTimeMs, 'checked by the server (template mode)');
      }
      return { outcome, responseTimeMs };
    }
    const { provider } = await resolveProvider(session.purpose === 'test' ? 'admin' : 'public');
    const result = await callProvider(
      () => provider.verifyOtp({ providerSessionId: session.providerSessionId ?? '', otp }),
      row,
      (r) => outcomeStatus(r.value.outcome),
      { failed: failedFor[session.purpose === 'test' ? 'admin' : 'public'] },
    );
    return { outcome: result.value.outcome, responseTimeMs: result.responseTimeMs };
  }

  /**
   * A login send to a number nobody owns: the limits are booked as for a real send (by the caller), then it ends
   * as a recent real send ended, after about as long, sending nothing. Its session can never verify.
   */
  async function pretendSend(
    session: NewOtpSession,
    booking: Booking,
    startedAt: number,
    resolved: ResolvedProvider<EffectiveSmsSettings>,
    answer: (responseTimeMs: number) => SendOtpResponse,
  ): Promise<SendOtpResponse> {
    const outcome: MirroredOutcome<SendOutcome> = resolved.circuitOpen
      ? { result: { failure: circuitOpenError(), released: true }, elapsedMs: 0 }
      : (deps.sendOutcomes.sample() ?? { result: { responseTimeMs: DEFAULT_SEND_MS }, elapsedMs: DEFAULT_SEND_MS });
    const { result } = outcome;
    if (result.failure) {
      if (result.released) await limits.release(booking);
      await holdAnswer(outcome.elapsedMs, startedAt);
      throw copyOf(result.failure);
    }
    await sessions.create({ ...session, providerSessionId: null, codeHmac: null });
    if (resolved.sandbox) {
      deps.logger.info(
        `sandbox: no user has the number ${maskPhone(session.phone)}, so no SMS was sent (the answer still says "sent", as in production)`,
      );
    }
    await holdAnswer(outcome.elapsedMs, startedAt);
    return answer(result.responseTimeMs);
  }

  const isTestNumber = (phone: string) => deps.testNumbers?.codeFor(phone) !== undefined;

  /** A session as a send creates it, before the provider's session id or the code's HMAC is known. */
  function draftSession(
    purpose: OtpPurpose,
    phone: string,
    userId: string | null,
    mode: NewOtpSession['mode'],
  ): NewOtpSession {
    const nowMs = deps.now();
    return {
      id: randomUUID(),
      purpose,
      phone,
      userId,
      mode,
      providerSessionId: null,
      codeHmac: null,
      maxAttempts: rules.maxVerifyAttempts,
      expiresAt: new Date(nowMs + rules.ttlSeconds * 1000),
      createdAt: new Date(nowMs),
    };
  }

  /**
   * A send to a test number: its fixed code is stored as a template-mode session (checked here, by HMAC) and
   * nothing goes to 2Factor. No limit is booked, so the answer has no resend wait.
   */
  async function sendToTestNumber(
    phone: string,
    code: string,
    purpose: OtpPurpose,
    requester: PublicUser | undefined,
  ): Promise<SendOtpResponse> {
    const userId = purpose === 'test' ? (requester?.id ?? null) : ((await deps.users.findByPhone(phone))?.id ?? null);
    const session = draftSession(purpose, phone, userId, 'template');
    await sessions.create({ ...session, codeHmac: deps.hasher.hash(session.id, code) });
    deps.logger.info(
      { testNumber: true, phone: maskPhone(phone), purpose },
      'test number: no SMS sent; its fixed code applies',
    );
    return {
      session_id: session.id,
      status: 'sent',
      message: `We sent a code to ${maskPhone(phone)}.`,
      response_time_ms: 0,
      expires_in_s: rules.ttlSeconds,
      resend_after_s: 0,
    };
  }

  /** A check of a code "sent" to a number nobody owns: it ends as a recent real failed check ended. */
  async function pretendCheck(session: OtpSession, startedAt: number): Promise<never> {
    const outcome = deps.verifyOutcomes.sample() ?? {
      result: { kind: 'mismatch' } as const,
      elapsedMs: DEFAULT_SEND_MS,
    };
    const { result } = outcome;
    if (result.kind === 'provider') await sessions.refundAttempt(session.id);
    if (result.kind === 'expired') await sessions.expire(session.id, new Date(deps.now()));
    await holdAnswer(outcome.elapsedMs, startedAt);
    if (result.kind === 'provider') throw copyOf(result.failure);
    if (result.kind === 'expired') throw verifyError('otp_expired', MESSAGES.expired);
    throw mismatchError(session);
  }

  const operations = {
    sendOtp: async (
      input: { phone: string; purpose: OtpPurpose },
      requester: PublicUser | undefined,
    ): Promise<SendOtpResponse> => {
      const phone = toIndianMobile(input.phone);
      const testCode = deps.testNumbers?.codeFor(phone);
      if (testCode !== undefined) return sendToTestNumber(phone, testCode, input.purpose, requester);
      const isTest = input.purpose === 'test';
      const resolved = await resolveProvider(isTest ? 'admin' : 'public');
      const { provider, settings, sandbox } = resolved;
      const owner = isTest ? undefined : await deps.users.findByPhone(phone);
      const userId = isTest ? (requester?.id ?? null) : (owner?.id ?? null);
      const nobodysNumber = !isTest && !owner;
      const booking = await limits.book({
        phone,
        userId: isTest ? requester?.id : undefined,
        spendsBudget: !nobodysNumber,
      });
      const startedAt = performance.now();

      const session = draftSession(input.purpose, phone, userId, settings.mode);
      const { id } = session;
      const answer = (responseTimeMs: number, sandboxCode?: string): SendOtpResponse => ({
        session_id: id,
        status: 'sent',
        message: `We sent a code to ${maskPhone(phone)}.`,
        response_time_ms: responseTimeMs,
        expires_in_s: rules.ttlSeconds,
        resend_after_s: Math.ceil(booking.cooldownMs / 1000),
        ...(sandboxCode ? { sandbox_code: sandboxCode } : {}),
      });

      if (nobodysNumber) return pretendSend(session, booking, startedAt, resolved, answer);

      const row = { origin: input.purpose, userId, phone, sessionId: id };
      const audience: Audience = isTest ? 'admin' : 'public';
      try {
        let result: ProviderCallResult<{ providerSessionId: string }>;
        let sandboxCode: string | undefined;
        if (settings.mode === 'template') {
          const code = generateOtp();
          result = await callProvider(
            () =>
              provider.sendTemplateSms({
                from: settings.senderId,
                to: phone,
                templateName: settings.templateName,
                variables: [code],
              }),
            { ...row, type: 'template' },
            () => 'sent',
            {
              failed: failedFor[audience],
              giveBack: () => limits.release(booking),
              alongside: (sent) =>
                sessions.create({
                  ...session,
                  providerSessionId: sent.value.providerSessionId,
                  codeHmac: deps.hasher.hash(id, code),
                }),
            },
          );
          sandboxCode = code;
        } else {
          result = await callProvider(
            () => provider.sendOtp({ phone, templateName: settings.templateName }),
            { ...row, type: 'autogen' },
            () => 'sent',
            {
              failed: failedFor[audience],
              giveBack: () => limits.release(booking),
              alongside: (sent) => sessions.create({ ...session, providerSessionId: sent.value.providerSessionId }),
            },
          );
          sandboxCode = sandbox?.codeForSession(result.value.providerSessionId);
        }
        deps.sendOutcomes.record({ responseTimeMs: result.responseTimeMs }, elapsedSince(startedAt));
        return answer(result.responseTimeMs, sandbox && isTest ? sandboxCode : undefined);
      } catch (error) {
        if (!(error instanceof ProviderCallFailed)) throw error;
        // What a login send to this number would have answered (admins' errors carry 2Factor's own words).
        const publicError = isTest ? toPublicError(error.appError) : error.appError;
        deps.sendOutcomes.record({ failure: publicError, released: error.released }, elapsedSince(startedAt));
        throw error.appError;
      }
    },

    verifyOtp: async (input: { sessionId: string; otp: string }): Promise<VerifyResult> => {
      const nowMs = deps.now();
      const session = await sessions.bookAttempt(input.sessionId, new Date(nowMs));
      if (!session) throw await notLiveError(input.sessionId, nowMs);
      const startedAt = performance.now();
      if (session.purpose === 'login' && session.userId === null) return pretendCheck(session, startedAt);

      let check: { outcome: VerifyOutcome; responseTimeMs: number };
      try {
        check = await checkCode(session, input.otp);
      } catch (error) {
        await sessions.refundAttempt(session.id); // the code was not checked: not the user's fault
        if (!(error instanceof ProviderCallFailed)) throw error;
        deps.verifyOutcomes.record(
          { kind: 'provider', failure: toPublicError(error.appError) },
          elapsedSince(startedAt),
        );
        throw error.appError;
      }

      switch (check.outcome) {
        case 'matched':
          return verified(session, check.responseTimeMs);
        case 'mismatch':
          deps.verifyOutcomes.record({ kind: 'mismatch' }, elapsedSince(startedAt));
          throw mismatchError(session);
        case 'expired':
        case 'session_not_found':
          // 2Factor no longer knows the code (expired or purged): our session ends too.
          await sessions.expire(session.id, new Date(nowMs));
          deps.verifyOutcomes.record({ kind: 'expired' }, elapsedSince(startedAt));
          throw verifyError('otp_expired', MESSAGES.expired);
      }
    },

    sendTemplate: async (
      input: { to: string; template_name?: string | undefined; var1?: string | undefined; var2?: string | undefined },
      requester: PublicUser,
    ): Promise<SendTemplateResponse> => {
      const phone = toIndianMobile(input.to);
      if (isTestNumber(phone)) {
        deps.logger.info(
          { testNumber: true, phone: maskPhone(phone), type: 'template' },
          'test number: template SMS not sent',
        );
        return {
          session_id: randomUUID(),
          status: 'sent',
          message: `${maskPhone(phone)} is a test number (SMS_TEST_NUMBERS): nothing was sent to 2Factor.`,
          response_time_ms: 0,
        };
      }
      const { provider, settings } = await resolveProvider('admin');
      const booking = await limits.book({ userId: requester.id, spendsBudget: true });
      // Variables are positional (VAR1, VAR2): var2 alone must not move into VAR1's place in the template.
      const variables =
        input.var2 !== undefined ? [input.var1 ?? '', input.var2] : input.var1 !== undefined ? [input.var1] : [];
      const result = await callProvider(
        () =>
          provider.sendTemplateSms({
            from: settings.senderId,
            to: phone,
            templateName: input.template_name ?? settings.templateName,
            variables,
          }),
        { type: 'template', origin: 'test', userId: requester.id, phone, sessionId: null },
        () => 'sent',
        { failed: failedFor.admin, giveBack: () => limits.release(booking) },
      ).catch(unwrapProviderFailure);
      return {
        session_id: result.value.providerSessionId,
        status: 'sent',
        message: `2Factor accepted the SMS to ${maskPhone(phone)}. Delivery follows the DLT checks.`,
        response_time_ms: result.responseTimeMs,
      };
    },

    /** Checks the key in force with 2Factor's balance call; sends nothing. */
    testConnection: async (): Promise<ConnectionTestResponse> => {
      const { provider, sandbox } = await resolveProvider('admin');
      try {
        const { value } = await provider.getBalance();
        const where = sandbox ? ' (sandbox simulator)' : '';
        return {
          ok: true,
          balance: value.balance,
          message: `Connected to 2Factor${where}: ${value.balance} SMS credits left.`,
        };
      } catch (error) {
        if (!(error instanceof ProviderError)) throw error;
        const reason =
          error.kind === 'rejected'
            ? `2Factor refused: ${error.details}`
            : `2Factor is not reachable: ${error.details}`;
        return { ok: false, message: reason };
      }
    },

    /** Today's SMS count against the daily budget, for the admin page. */
    usage: () => limits.usage(),
  };

  // A handler goes on after its client hangs up: a graceful stop waits for these, log rows included.
  const work = createWorkTracker();
  return {
    sendOtp: work.track(operations.sendOtp),
    verifyOtp: work.track(operations.verifyOtp),
    sendTemplate: work.track(operations.sendTemplate),
    testConnection: work.track(operations.testConnection),
    usage: operations.usage,
    /** Refuses new operations (503 shutting_down) and resolves once those in progress have finished. */
    stop: () => work.close(),
  };

  async function verified(session: OtpSession, responseTimeMs: number): Promise<VerifyResult> {
    const nowMs = deps.now();
    if (!(await sessions.markVerified(session.id, new Date(nowMs)))) {
      throw verifyError('session_not_found', MESSAGES.alreadyUsed);
    }
    await limits.verified(session.phone);
    const response: VerifyOtpResponse = {
      verified: true,
      status: 'verified',
      message: 'Code verified.',
      response_time_ms: responseTimeMs,
    };
    if (session.purpose !== 'login' || !session.userId) return { response };
    const user = await deps.users.confirmPhone(session.userId, session.phone, new Date(nowMs));
    if (!user) throw verifyError('session_not_found', MESSAGES.sessionNotFound);
    const login = await deps.auth.startSession(user);
    return { response: { ...response, message: 'Code verified. You are logged in.', ...login.login }, login };
  }
}

/** A provider call that failed: the answer to give, and whether its booking was given back. */
class ProviderCallFailed extends Error {
  constructor(
    readonly appError: AppError,
    readonly released: boolean,
  ) {
    super(appError.message);
    this.name = 'ProviderCallFailed';
  }
}

function unwrapProviderFailure(error: unknown): never {
  throw error instanceof ProviderCallFailed ? error.appError : error;
}

function outcomeStatus(outcome: VerifyOutcome): string {
  return outcome === 'matched'
    ? 'verified'
    : outcome === 'mismatch'
      ? 'otp_mismatch'
      : outcome === 'expired'
        ? 'otp_expired'
        : 'session_not_found';
}

function verifyError(
  code: 'session_not_found' | 'otp_expired' | 'too_many_attempts' | 'otp_mismatch',
  message: string,
  extra: { attempts_left?: number } = {},
) {
  return new AppError(code, message, { body: extra });
}

function mismatchError(session: OtpSession): AppError {
  const attemptsLeft = Math.max(0, session.maxAttempts - session.failedAttempts);
  const message =
    attemptsLeft > 0
      ? `That code is not right. ${attemptsLeft} ${attemptsLeft === 1 ? 'attempt' : 'attempts'} left.`
      : 'That code is not right, and no attempts are left. Please request a new code.';
  return verifyError('otp_mismatch', message, { attempts_left: attemptsLeft });
}

function copyOf(error: AppError): AppError {
  return error.withBody({});
}

/** The same error as an end user would get it: without 2Factor's own words. */
function toPublicError(error: AppError): AppError {
  const { provider_details: _details, ...body } = error.body;
  return new AppError(error.code, error.message, { retryAfterS: error.retryAfterS, body, headers: error.headers });
}

function circuitOpenError(): AppError {
  return providerFailure(
    new ProviderError('unavailable', '2Factor circuit open', 'not called', 0, { called: false }),
    'public',
  );
}

/**
 * Waits until performance.now() reaches `targetMs`, never earlier. A plain setTimeout may fire up to a millisecond
 * early (libuv measures timers from the event loop's cached, whole-millisecond clock), and that was enough for a
 * threshold on answer times to tell a mirrored wrong-code check from a real one in 69–75 % of probes on a quiet
 * machine (bench scenario 7); the last fraction of a millisecond is waited with setImmediate.
 */
async function waitUntil(targetMs: number): Promise<void> {
  for (let leftMs = targetMs - performance.now(); leftMs > 0; leftMs = targetMs - performance.now()) {
    await new Promise<void>((resolve) => (leftMs >= 1 ? setTimeout(resolve, leftMs) : setImmediate(resolve)));
  }
}
