/**
 * The OTP service's session rules with fakes and an injected clock: expiry, the wrong-code cap, single use,
 * refunds when the provider could not check, the newest codes staying live, send bookings taken before the
 * provider call, and answers for numbers nobody owns mirroring real ones. (The same rules run end to end, on real
 * databases and the simulator, in test/integration/sms*.test.ts.)
 */
import pino from 'pino';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { PublicUser } from '../../common/api/auth.js';
import {
  LIVE_CODES_PER_PHONE,
  type NewOtpSession,
  type OtpSession,
  type OtpSessionsRepository,
} from '../db/otpSessionsRepository.js';
import type { OtpLogEntry } from '../db/otpLogsRepository.js';
import { AppError } from '../http/appError.js';
import { createOtpHasher } from './otpCodes.js';
import {
  createOtpService,
  type OtpRules,
  type OtpServiceDeps,
  type SendOutcome,
  type VerifyFailure,
} from './otpService.js';
import { createOutcomeMirror } from './outcomeMirror.js';
import { memorySendBookings } from './sendBookings.js';
import { createSendLimits } from './sendLimits.js';
import type { EffectiveSmsSettings } from './smsSettings.js';
import { ProviderNotConfiguredError } from '../providers/providerResolver.js';
import { ProviderError, type SmsOtpProvider, type VerifyOutcome } from '../providers/smsProvider.js';

const PHONE = '+919876543210';
const OWNER: PublicUser = { id: '00000000-0000-4000-8000-000000000001', email: 'staff@example.com', role: 'staff' };
const ADMIN: PublicUser = { id: '00000000-0000-4000-8000-000000000002', email: 'admin@example.com', role: 'admin' };
const RULES: OtpRules = { ttlSeconds: 300, maxVerifyAttempts: 3 };

/** otp_sessions in memory, with the repository's documented semantics. */
function memorySessions(): OtpSessionsRepository & { rows: Map<string, OtpSession & { createdAt: Date }> } {
  const rows = new Map<string, OtpSession & { createdAt: Date }>();
  return {
    rows,
    async create(session: NewOtpSession) {
      const live = [...rows.values()]
        .filter(
          (row) =>
            row.phone === session.phone &&
            row.purpose === session.purpose &&
            !row.verifiedAt &&
            row.expiresAt > session.createdAt,
        )
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
      for (const row of live.slice(LIVE_CODES_PER_PHONE - 1)) row.expiresAt = session.createdAt;
      rows.set(session.id, { ...session, failedAttempts: 0, verifiedAt: null });
    },
    async findById(id) {
      const row = rows.get(id);
      return row && { ...row };
    },
    async bookAttempt(id, now) {
      const row = rows.get(id);
      if (!row || row.verifiedAt || row.expiresAt <= now || row.failedAttempts >= row.maxAttempts) return undefined;
      row.failedAttempts += 1;
      return { ...row };
    },
    async refundAttempt(id) {
      const row = rows.get(id);
      if (row && !row.verifiedAt) row.failedAttempts = Math.max(0, row.failedAttempts - 1);
    },
    async markVerified(id, now) {
      const row = rows.get(id);
      if (!row || row.verifiedAt) return false;
      row.verifiedAt = now;
      row.failedAttempts = Math.max(0, row.failedAttempts - 1);
      return true;
    },
    async expire(id, now) {
      const row = rows.get(id);
      if (row && row.expiresAt > now) row.expiresAt = now;
    },
  };
}

/** A provider that texts a known code per session and checks it, or fails as told. */
function fakeProvider() {
  const codes = new Map<string, string>();
  const state = {
    verifyCalls: 0,
    sendCalls: 0,
    nextCode: '123456',
    failVerify: undefined as ProviderError | undefined,
    forcedOutcome: undefined as VerifyOutcome | undefined,
    sentTexts: [] as string[][],
  };
  const provider: SmsOtpProvider = {
    async sendOtp() {
      state.sendCalls += 1;
      const id = `p-${state.sendCalls}`;
      codes.set(id, state.nextCode);
      return { value: { providerSessionId: id }, responseTimeMs: 40, details: id };
    },
    async verifyOtp({ providerSessionId, otp }) {
      state.verifyCalls += 1;
      if (state.failVerify) throw state.failVerify;
      const outcome: VerifyOutcome =
        state.forcedOutcome ?? (codes.get(providerSessionId) === otp ? 'matched' : 'mismatch');
      return { value: { outcome }, responseTimeMs: 30, details: outcome };
    },
    async sendGivenOtp() {
      throw new Error('the OTP service never texts a code it was given');
    },
    async sendTemplateSms({ variables }) {
      state.sendCalls += 1;
      state.sentTexts.push([...variables]);
      return { value: { providerSessionId: `t-${state.sendCalls}` }, responseTimeMs: 50, details: 'queued' };
    },
    async getBalance() {
      return { value: { balance: '500' }, responseTimeMs: 5, details: '500' };
    },
  };
  return { provider, state };
}

function setup(mode: 'autogen' | 'template' = 'autogen', overrides: Partial<OtpServiceDeps> = {}) {
  let nowMs = Date.UTC(2026, 0, 1);
  const clock = { now: () => nowMs, advance: (ms: number) => void (nowMs += ms) };
  const sessions = memorySessions();
  const { provider, state } = fakeProvider();
  const logRows: OtpLogEntry[] = [];
  const settings: EffectiveSmsSettings = {
    ...{ apiKey: 'k', baseUrl: 'http://x', senderId: 'TFCTOR', templateName: 'OTP1', mode, sandbox: false },
    ...{ apiKeySource: 'environment', apiKeySourceWithoutSaved: 'environment' },
  };
  const startSession = vi.fn(async (user: PublicUser) => ({
    token: 't',
    login: { user, redirect: '/staff/home' },
    deviceToken: 'd',
  }));
  const bookings = memorySendBookings(
    { cooldownBaseMs: 30_000, cooldownMaxMs: 600_000, phoneDailyCap: 10, userHourlyCap: 5, dailyBudget: 1000 },
    { now: clock.now },
  );
  const logs: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logs.push(line) });
  const service = createOtpService({
    sessions,
    users: {
      findByPhone: async (phone) => (phone === PHONE ? OWNER : undefined),
      confirmPhone: async (id, phone) => (id === OWNER.id && phone === PHONE ? OWNER : undefined),
    },
    auth: { startSession },
    logs: fakeLogWriter(logRows),
    providers: { resolve: async () => ({ provider, settings, sandbox: undefined, circuitOpen: false }) },
    hasher: createOtpHasher('otp-service-test-secret-0123456789abcd'),
    rules: RULES,
    limits: createSendLimits({ store: bookings, dailyBudget: 1000, now: clock.now, logger }),
    sendOutcomes: createOutcomeMirror<SendOutcome>(),
    verifyOutcomes: createOutcomeMirror<VerifyFailure>(),
    now: clock.now,
    holdAnswer: async () => undefined,
    logger,
    ...overrides,
  });
  return { service, clock, sessions, state, logRows, startSession, bookings, logs, settings, provider };
}

function fakeLogWriter(rows: OtpLogEntry[]) {
  return { write: async (row: OtpLogEntry) => void rows.push(row), drain: async () => undefined, heldRows: () => 0 };
}

async function appError(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('OTP service writes', () => {
  it.each(['autogen', 'template'] as const)(
    'stores the new %s session while the log row is being written, and answers only when both are done',
    async (mode) => {
      // The log write finishes only once the session is being stored: sequential writes would never answer.
      let sessionStoreStarted!: () => void;
      const storing = new Promise<void>((resolve) => (sessionStoreStarted = resolve));
      const logged: OtpLogEntry[] = [];
      const sessions = memorySessions();
      const t = setup(mode, {
        sessions: { ...sessions, create: async (session) => (sessionStoreStarted(), sessions.create(session)) },
        logs: { ...fakeLogWriter(logged), write: async (row) => void (await storing, logged.push(row)) },
      });
      const { session_id } = await t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
      expect(logged).toHaveLength(1);
      expect(sessions.rows.has(session_id)).toBe(true);
    },
  );
});

describe('OTP service stop', () => {
  it('waits for sends in progress (their log rows included), then refuses new work with 503 shutting_down', async () => {
    let answerProvider!: () => void;
    const providerAnswers = new Promise<void>((resolve) => (answerProvider = resolve));
    const { provider } = fakeProvider();
    const t = setup('autogen', {
      providers: {
        resolve: async () => ({
          provider: { ...provider, sendOtp: async (input) => (await providerAnswers, provider.sendOtp(input)) },
          settings: {
            ...{
              apiKey: 'k',
              baseUrl: 'http://x',
              senderId: 'TFCTOR',
              templateName: 'OTP1',
              mode: 'autogen',
              sandbox: false,
            },
            ...{ apiKeySource: 'environment', apiKeySourceWithoutSaved: 'environment' },
          },
          sandbox: undefined,
          circuitOpen: false,
        }),
      },
    });
    const inProgress = t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    let stopped = false;
    const stopping = t.service.stop().then(() => (stopped = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped).toBe(false);

    answerProvider();
    await stopping;
    await expect(inProgress).resolves.toMatchObject({ status: 'sent' });
    expect(t.logRows).toHaveLength(1);
    const refused = await appError(t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined));
    expect([refused.code, refused.retryAfterS]).toEqual(['shutting_down', 2]);
    await expect(t.service.verifyOtp({ sessionId: 'any', otp: '123456' })).rejects.toMatchObject({
      code: 'shutting_down',
    });
  });
});

describe('OTP service session rules (injected clock)', () => {
  let t: ReturnType<typeof setup>;
  beforeEach(() => {
    t = setup();
  });

  it('accepts the right code until the last millisecond of SMS_OTP_TTL_S', async () => {
    const { session_id, expires_in_s } = await t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    expect(expires_in_s).toBe(300);
    t.clock.advance(300_000 - 1);
    const { response, login } = await t.service.verifyOtp({ sessionId: session_id, otp: '123456' });
    expect(response).toMatchObject({ verified: true, status: 'verified', redirect: '/staff/home', user: OWNER });
    expect(login?.token).toBe('t');
  });

  it('answers otp_expired once SMS_OTP_TTL_S has passed, even for the right code, without asking the provider', async () => {
    const { session_id } = await t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    t.clock.advance(300_000);
    const error = await appError(t.service.verifyOtp({ sessionId: session_id, otp: '123456' }));
    expect(error.code).toBe('otp_expired');
    expect(t.state.verifyCalls).toBe(0);
  });

  it('counts wrong codes down to 0, then the session is dead even for the right code', async () => {
    const { session_id } = await t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    for (const left of [2, 1, 0]) {
      const error = await appError(t.service.verifyOtp({ sessionId: session_id, otp: '999999' }));
      expect(error.code).toBe('otp_mismatch');
      expect(error.body).toMatchObject({ attempts_left: left });
    }
    const dead = await appError(t.service.verifyOtp({ sessionId: session_id, otp: '123456' }));
    expect(dead.code).toBe('too_many_attempts');
    expect(dead.body).toMatchObject({ attempts_left: 0 });
    expect(t.state.verifyCalls).toBe(3);
    expect(t.startSession).not.toHaveBeenCalled();
  });

  it('lets the right code through after fewer wrong codes than the cap', async () => {
    const { session_id } = await t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    await appError(t.service.verifyOtp({ sessionId: session_id, otp: '999999' }));
    await appError(t.service.verifyOtp({ sessionId: session_id, otp: '999998' }));
    const { response } = await t.service.verifyOtp({ sessionId: session_id, otp: '123456' });
    expect(response.verified).toBe(true);
  });

  it('verifies a session once: a second use is session_not_found', async () => {
    const { session_id } = await t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    await t.service.verifyOtp({ sessionId: session_id, otp: '123456' });
    const again = await appError(t.service.verifyOtp({ sessionId: session_id, otp: '123456' }));
    expect(again.code).toBe('session_not_found');
    expect(t.startSession).toHaveBeenCalledTimes(1);
  });

  it('answers session_not_found for an unknown session', async () => {
    const error = await appError(
      t.service.verifyOtp({ sessionId: '00000000-0000-4000-8000-00000000ffff', otp: '123456' }),
    );
    expect(error.code).toBe('session_not_found');
  });

  it('gives the attempt back when the provider could not check the code', async () => {
    const { session_id } = await t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    t.state.failVerify = new ProviderError('unavailable', 'down', 'timeout after 5000 ms', 5000);
    for (let i = 0; i < 5; i++) {
      const error = await appError(t.service.verifyOtp({ sessionId: session_id, otp: '999999' }));
      expect(error.code).toBe('provider_unavailable');
    }
    t.state.failVerify = undefined;
    const wrong = await appError(t.service.verifyOtp({ sessionId: session_id, otp: '999999' }));
    expect(wrong.body.attempts_left).toBe(2);
  });

  it('ends the session when the provider says the code expired', async () => {
    const { session_id } = await t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    t.state.forcedOutcome = 'expired';
    expect((await appError(t.service.verifyOtp({ sessionId: session_id, otp: '123456' }))).code).toBe('otp_expired');
    t.state.forcedOutcome = undefined;
    expect((await appError(t.service.verifyOtp({ sessionId: session_id, otp: '123456' }))).code).toBe('otp_expired');
    expect(t.state.verifyCalls).toBe(1);
  });

  it.each([
    [LIVE_CODES_PER_PHONE - 1, 'verified'],
    [LIVE_CODES_PER_PHONE, 'otp_expired'],
  ])('after %i later codes to the same phone, the first code answers %s', async (laterCodes, outcome) => {
    const long = setup('autogen', { rules: { ...RULES, ttlSeconds: 3600 } });
    const first = await long.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    for (let i = 0; i < laterCodes; i++) {
      long.clock.advance(600_000); // past the cooldown, within the code's life
      await long.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    }
    const verify = long.service.verifyOtp({ sessionId: first.session_id, otp: '123456' });
    if (outcome === 'verified') expect((await verify).response.verified).toBe(true);
    else expect((await appError(verify)).code).toBe(outcome);
  });

  it("keeps the owner's code working after a stranger asks for another code for the same phone", async () => {
    const owners = await t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    t.clock.advance(31_000);
    await t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    expect((await t.service.verifyOtp({ sessionId: owners.session_id, otp: '123456' })).response.verified).toBe(true);
  });

  it('never logs anyone in from a test session, even for the owner of the phone', async () => {
    const { session_id } = await t.service.sendOtp({ phone: PHONE, purpose: 'test' }, ADMIN);
    const { response, login } = await t.service.verifyOtp({ sessionId: session_id, otp: '123456' });
    expect(response).toEqual({ verified: true, status: 'verified', message: 'Code verified.', response_time_ms: 30 });
    expect(login).toBeUndefined();
    expect(t.startSession).not.toHaveBeenCalled();
  });

  it("makes an unregistered number's session unverifiable, with attempts counted like a real one", async () => {
    const { session_id } = await t.service.sendOtp({ phone: '+919000000999', purpose: 'login' }, undefined);
    expect(t.state.sendCalls).toBe(0);
    for (const left of [2, 1, 0]) {
      expect((await appError(t.service.verifyOtp({ sessionId: session_id, otp: '123456' }))).body.attempts_left).toBe(
        left,
      );
    }
    expect(t.state.verifyCalls).toBe(0);
    expect(t.logRows).toHaveLength(0);
  });
});

describe('OTP service in template mode', () => {
  it('texts a fresh 6-digit code, keeps only its HMAC, and checks it itself', async () => {
    const t = setup('template');
    const { session_id } = await t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    const [code] = t.state.sentTexts[0]!;
    expect(code).toMatch(/^\d{6}$/);
    const stored = t.sessions.rows.get(session_id)!;
    expect(stored.codeHmac).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(code);

    const wrong = await appError(
      t.service.verifyOtp({ sessionId: session_id, otp: code === '000000' ? '111111' : '000000' }),
    );
    expect(wrong.body.attempts_left).toBe(2);
    const { response } = await t.service.verifyOtp({ sessionId: session_id, otp: code! });
    expect(response.verified).toBe(true);
    expect(t.state.verifyCalls).toBe(0);
    expect(t.logRows.map((row) => `${row.type}:${row.status}`)).toEqual([
      'template:sent',
      'verify:otp_mismatch',
      'verify:verified',
    ]);
  });

  it('applies the same expiry and cap to the server-made code', async () => {
    const t = setup('template');
    const { session_id } = await t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    const [code] = t.state.sentTexts[0]!;
    t.clock.advance(RULES.ttlSeconds * 1000);
    expect((await appError(t.service.verifyOtp({ sessionId: session_id, otp: code! }))).code).toBe('otp_expired');
  });
});

describe('OTP service send bookings', () => {
  const STRANGER = '+919000000999';
  const send = (t: ReturnType<typeof setup>, phone = PHONE) =>
    t.service.sendOtp({ phone, purpose: 'login' }, undefined);

  it('books the phone before the provider call: a second send while the first is with the provider is refused', async () => {
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    const { provider, state } = fakeProvider();
    const t = setup('autogen', {
      providers: {
        resolve: async () => ({
          provider: { ...provider, sendOtp: async (input) => (await answered, provider.sendOtp(input)) },
          settings: t.settings,
          sandbox: undefined,
          circuitOpen: false,
        }),
      },
    });
    const first = send(t);
    const second = await appError(send(t));
    expect([second.code, second.retryAfterS]).toEqual(['rate_limited', 30]);
    answer();
    await first;
    expect(state.sendCalls).toBe(1);
  });

  it.each([
    [
      'held back by the request-rate ceiling',
      new ProviderError('busy', 'busy', 'not called', 0, { called: false, retryAfterMs: 200 }),
      'provider_busy',
    ],
    [
      'held back by the open circuit',
      new ProviderError('unavailable', 'open', 'not called', 0, { called: false }),
      'provider_unavailable',
    ],
    ['refused by 2Factor', new ProviderError('rejected', 'refused', 'Invalid Phone Number', 80), 'provider_error'],
  ])('gives the booking back when the send was %s: nothing went out', async (_case, failure, code) => {
    const t = setup();
    t.provider.sendOtp = async () => {
      throw failure;
    };
    expect((await appError(send(t))).code).toBe(code);
    // The booking was given back: the next try is not held by the cooldown.
    expect((await appError(send(t))).code).toBe(code);
    expect(await t.bookings.budgetUsed(t.clock.now())).toBe(0);
  });

  it('keeps the booking after a timeout or an unreadable answer: the SMS may have gone', async () => {
    const t = setup();
    t.provider.sendOtp = async () => {
      throw new ProviderError('unavailable', 'timeout', 'timeout after 5000 ms', 5000);
    };
    expect((await appError(send(t))).code).toBe('provider_unavailable');
    expect((await appError(send(t))).code).toBe('rate_limited');
    expect(await t.bookings.budgetUsed(t.clock.now())).toBe(1);
  });

  it('grows the cooldown with each unverified send (30 s, 1 min, 2 min…) and starts over after a verified code', async () => {
    const t = setup();
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      await send(t);
      const refused = await appError(send(t));
      waits.push(refused.retryAfterS!);
      t.clock.advance(refused.retryAfterS! * 1000);
    }
    expect(waits).toEqual([30, 60, 120]);
    const { session_id } = await send(t);
    expect((await appError(send(t))).retryAfterS).toBe(240);
    await t.service.verifyOtp({ sessionId: session_id, otp: '123456' });
    expect((await appError(send(t))).retryAfterS).toBe(30);
  });

  it('books the same limits for a number nobody owns, without spending the budget', async () => {
    const t = setup();
    await send(t, STRANGER);
    expect((await appError(send(t, STRANGER))).retryAfterS).toBe(30);
    expect(await t.bookings.budgetUsed(t.clock.now())).toBe(0);
  });

  it('answers 503 sms_budget_exhausted past the daily budget, for registered numbers and others alike, until midnight IST', async () => {
    const t = setup('autogen');
    const tight = setup('autogen', {
      limits: createSendLimits({
        store: memorySendBookings(
          { cooldownBaseMs: 30_000, cooldownMaxMs: 600_000, phoneDailyCap: 10, userHourlyCap: 5, dailyBudget: 1 },
          { now: t.clock.now },
        ),
        dailyBudget: 1,
        now: t.clock.now,
        logger: pino({ level: 'silent' }),
      }),
      now: t.clock.now,
    });
    await tight.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    for (const phone of ['+919876543211', STRANGER]) {
      const refused = await appError(tight.service.sendOtp({ phone, purpose: 'login' }, undefined));
      // 2026-01-01T00:00Z is 05:30 IST: the budget starts over 18 h 30 min later.
      expect([refused.code, refused.httpStatus, refused.retryAfterS]).toEqual([
        'sms_budget_exhausted',
        503,
        18.5 * 3600,
      ]);
    }
    t.clock.advance(18.5 * 3600 * 1000);
    await expect(tight.service.sendOtp({ phone: STRANGER, purpose: 'login' }, undefined)).resolves.toMatchObject({
      status: 'sent',
    });
  });
});

describe('OTP service answers for numbers nobody owns', () => {
  const STRANGER = '+919000000999';
  const OTHER_STRANGER = '+919000000998';

  it.each([
    ['times out', new ProviderError('unavailable', 'timeout', 'timeout after 5000 ms', 5000)],
    ['answers 5xx', new ProviderError('unavailable', '5xx', 'HTTP 502', 12)],
    ['is over the ceiling', new ProviderError('busy', 'busy', 'not called', 0, { called: false, retryAfterMs: 1500 })],
  ])('fails like a registered number while 2Factor %s: same code, body and headers', async (_case, failure) => {
    const t = setup();
    t.provider.sendOtp = async () => {
      throw failure;
    };
    const real = await appError(t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined));
    const pretend = await appError(t.service.sendOtp({ phone: STRANGER, purpose: 'login' }, undefined));
    expect([pretend.code, pretend.body, pretend.headers]).toEqual([real.code, real.body, real.headers]);
    // Its booking is kept or given back as the real one's was.
    const realAgain = await appError(t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined));
    const pretendAgain = await appError(t.service.sendOtp({ phone: STRANGER, purpose: 'login' }, undefined));
    expect(pretendAgain.code).toBe(realAgain.code);
  });

  it('fails like a registered number while the circuit is open, even with no recent real send to mirror', async () => {
    const t = setup('autogen', {
      providers: {
        resolve: async () => ({
          provider: fakeProvider().provider,
          settings: t.settings,
          sandbox: undefined,
          circuitOpen: true,
        }),
      },
    });
    const error = await appError(t.service.sendOtp({ phone: STRANGER, purpose: 'login' }, undefined));
    expect([error.code, error.retryAfterS]).toEqual(['provider_unavailable', 30]);
    // Nothing went out, so the booking was given back, as for a real send held back by the circuit.
    expect((await appError(t.service.sendOtp({ phone: STRANGER, purpose: 'login' }, undefined))).code).toBe(
      'provider_unavailable',
    );
  });

  it('sends again like everyone else once 2Factor recovers', async () => {
    const t = setup();
    const working = t.provider.sendOtp;
    t.provider.sendOtp = async () => {
      throw new ProviderError('unavailable', '5xx', 'HTTP 502', 12);
    };
    await appError(t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined));
    t.provider.sendOtp = working;
    t.clock.advance(31_000);
    await t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    const answers = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        t.service.sendOtp({ phone: `+91900000${String(i).padStart(4, '0')}`, purpose: 'login' }, undefined),
      ),
    );
    // Drawn from the two recent real outcomes (one failure, one success): some of each, never anything else.
    const codes = new Set(answers.map((a) => (a.status === 'fulfilled' ? 'sent' : (a.reason as AppError).code)));
    expect([...codes].sort()).toEqual(['provider_unavailable', 'sent']);
  });

  it('waits as long as the real path took, from the point the paths part', async () => {
    const held: number[] = [];
    const t = setup('autogen', { holdAnswer: async (elapsedMs) => void held.push(elapsedMs) });
    const slow = t.provider.sendOtp;
    t.provider.sendOtp = async (input) => (await new Promise((resolve) => setTimeout(resolve, 40)), slow(input));
    await t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    await t.service.sendOtp({ phone: STRANGER, purpose: 'login' }, undefined);
    expect(held).toHaveLength(1);
    expect(held[0]).toBeGreaterThanOrEqual(39);
  });

  it('checks a code like a real wrong code, and fails like a real check while 2Factor fails', async () => {
    // The newest recent outcome is drawn, so each check mirrors the real one just before it.
    const t = setup('autogen', { verifyOutcomes: createOutcomeMirror<VerifyFailure>({ random: () => 0.999 }) });
    const real = await t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    const pretend = await t.service.sendOtp({ phone: STRANGER, purpose: 'login' }, undefined);
    t.state.failVerify = new ProviderError('unavailable', 'down', 'timeout after 5000 ms', 5000);
    const realError = await appError(t.service.verifyOtp({ sessionId: real.session_id, otp: '000000' }));
    const pretendError = await appError(t.service.verifyOtp({ sessionId: pretend.session_id, otp: '000000' }));
    expect([pretendError.code, pretendError.body, pretendError.headers]).toEqual([
      realError.code,
      realError.body,
      realError.headers,
    ]);
    // Attempts were given back on both.
    t.state.failVerify = undefined;
    const wrong = await appError(t.service.verifyOtp({ sessionId: real.session_id, otp: '000000' }));
    const pretendWrong = await appError(t.service.verifyOtp({ sessionId: pretend.session_id, otp: '000000' }));
    expect(pretendWrong.body).toEqual(wrong.body);
  });

  it('says in the sandbox log that no user has the number and no SMS went out', async () => {
    const t = setup('autogen', {
      providers: {
        resolve: async () => ({
          provider: fakeProvider().provider,
          settings: t.settings,
          sandbox: {
            baseUrl: 'http://sandbox',
            apiKey: 'k',
            codeForSession: () => undefined,
            callbackToken: 'sandbox-callback-token-0123456789abcdef',
            reportDeliveriesTo: () => undefined,
            close: async () => undefined,
          },
          circuitOpen: false,
        }),
      },
    });
    await t.service.sendOtp({ phone: OTHER_STRANGER, purpose: 'login' }, undefined);
    expect(t.logs.join('')).toContain('sandbox: no user has the number +91******0998, so no SMS was sent');
  });
});

describe('OTP service errors by audience', () => {
  it("tells admins 2Factor's own words on their sends, and end users only a neutral message", async () => {
    const t = setup();
    t.provider.sendOtp = async () => {
      throw new ProviderError('rejected', 'refused', 'Invalid API Key', 90);
    };
    const admin = await appError(t.service.sendOtp({ phone: '+919876543219', purpose: 'test' }, ADMIN));
    expect(admin.body.provider_details).toBe('Invalid API Key');
    const user = await appError(t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined));
    expect(user.code).toBe('provider_error');
    expect(user.body).not.toHaveProperty('provider_details');
  });

  it('without an API key tells end users phone login is not available, and admins how to set it up', async () => {
    const t = setup('autogen', {
      providers: {
        resolve: async () => {
          throw new ProviderNotConfiguredError();
        },
      },
    });
    const user = await appError(t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined));
    expect(user.message).toBe('Phone login is not available right now. Please log in with your email and password.');
    const admin = await appError(t.service.sendOtp({ phone: PHONE, purpose: 'test' }, ADMIN));
    expect(admin.message).toContain('Settings → SMS & OTP');
  });
});
