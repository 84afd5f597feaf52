/**
 * The OTP service's session rules with fakes and an injected clock: expiry, the wrong-code cap, single use,
 * refunds when the provider could not check, and the newest code winning. (The same rules run end to end,
 * on real databases and the simulator, in test/integration/sms*.test.ts.)
 */
import pino from 'pino';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { PublicUser } from '../../common/api/auth.js';
import type { NewOtpSession, OtpSession, OtpSessionsRepository } from '../db/otpSessionsRepository.js';
import type { OtpLogEntry } from '../db/otpLogsRepository.js';
import { AppError } from '../http/appError.js';
import { createLatencySampler } from './latencySampler.js';
import { createOtpHasher } from './otpCodes.js';
import { createOtpService, type OtpRules, type OtpServiceDeps } from './otpService.js';
import type { EffectiveSmsSettings } from './smsSettings.js';
import { ProviderError, type SmsOtpProvider, type VerifyOutcome } from './smsProvider.js';

const PHONE = '+919876543210';
const OWNER: PublicUser = { id: '00000000-0000-4000-8000-000000000001', email: 'staff@example.com', role: 'staff' };
const ADMIN: PublicUser = { id: '00000000-0000-4000-8000-000000000002', email: 'admin@example.com', role: 'admin' };
const RULES: OtpRules = { ttlSeconds: 300, maxVerifyAttempts: 3, resendCooldownSeconds: 30 };

/** otp_sessions in memory, with the repository's documented semantics. */
function memorySessions(): OtpSessionsRepository & { rows: Map<string, OtpSession & { createdAt: Date }> } {
  const rows = new Map<string, OtpSession & { createdAt: Date }>();
  return {
    rows,
    async create(session: NewOtpSession) {
      for (const row of rows.values()) {
        if (row.phone === session.phone && row.purpose === session.purpose && !row.verifiedAt && row.expiresAt > session.createdAt) {
          row.expiresAt = session.createdAt;
        }
      }
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
    async deleteExpiredBefore() {
      return 0;
    },
  };
}

/** A provider that texts a known code per session and checks it, or fails as told. */
function fakeProvider() {
  const codes = new Map<string, string>();
  const state = { verifyCalls: 0, sendCalls: 0, nextCode: '123456', failVerify: undefined as ProviderError | undefined, forcedOutcome: undefined as VerifyOutcome | undefined, sentTexts: [] as string[][] };
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
      const outcome: VerifyOutcome = state.forcedOutcome ?? (codes.get(providerSessionId) === otp ? 'matched' : 'mismatch');
      return { value: { outcome }, responseTimeMs: 30, details: outcome };
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
  const settings: EffectiveSmsSettings = { apiKey: 'k', baseUrl: 'http://x', senderId: 'TFCTOR', templateName: 'OTP1', mode, sandbox: false };
  const startSession = vi.fn(async (user: PublicUser) => ({ token: 't', login: { user, redirect: '/staff/home' } }));
  const service = createOtpService({
    sessions,
    users: {
      findByPhone: async (phone) => (phone === PHONE ? OWNER : undefined),
      confirmPhone: async (id, phone) => (id === OWNER.id && phone === PHONE ? OWNER : undefined),
    },
    auth: { startSession },
    logs: { write: async (row) => void logRows.push(row), drain: async () => undefined },
    providers: { resolve: async () => ({ provider, settings, sandbox: undefined }) },
    hasher: createOtpHasher('otp-service-test-secret-0123456789abcd'),
    rules: RULES,
    sendLatency: createLatencySampler(),
    verifyLatency: createLatencySampler(),
    now: clock.now,
    sleep: async () => undefined,
    logger: pino({ level: 'silent' }),
    ...overrides,
  });
  return { service, clock, sessions, state, logRows, startSession };
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
        logs: { write: async (row) => void (await storing, logged.push(row)), drain: async () => undefined },
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
          settings: { apiKey: 'k', baseUrl: 'http://x', senderId: 'TFCTOR', templateName: 'OTP1', mode: 'autogen', sandbox: false },
          sandbox: undefined,
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
    expect([refused.code, refused.headers['Retry-After']]).toEqual(['shutting_down', '2']);
    await expect(t.service.verifyOtp({ sessionId: 'any', otp: '123456' })).rejects.toMatchObject({ code: 'shutting_down' });
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
    expect(error.body.verified).toBe(false);
    expect(t.state.verifyCalls).toBe(0);
  });

  it('counts wrong codes down to 0, then the session is dead even for the right code', async () => {
    const { session_id } = await t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    for (const left of [2, 1, 0]) {
      const error = await appError(t.service.verifyOtp({ sessionId: session_id, otp: '999999' }));
      expect(error.code).toBe('otp_mismatch');
      expect(error.body).toMatchObject({ verified: false, attempts_left: left });
    }
    const dead = await appError(t.service.verifyOtp({ sessionId: session_id, otp: '123456' }));
    expect(dead.code).toBe('too_many_attempts');
    expect(dead.body).toMatchObject({ verified: false, attempts_left: 0 });
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
    expect(again.body.verified).toBe(false);
    expect(t.startSession).toHaveBeenCalledTimes(1);
  });

  it('answers session_not_found for an unknown session', async () => {
    const error = await appError(t.service.verifyOtp({ sessionId: '00000000-0000-4000-8000-00000000ffff', otp: '123456' }));
    expect(error.code).toBe('session_not_found');
  });

  it('gives the attempt back when the provider could not check the code', async () => {
    const { session_id } = await t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    t.state.failVerify = new ProviderError('unavailable', 'down', 'timeout after 5000 ms', 5000);
    for (let i = 0; i < 5; i++) {
      const error = await appError(t.service.verifyOtp({ sessionId: session_id, otp: '999999' }));
      expect(error.code).toBe('provider_unavailable');
      expect(error.body.verified).toBe(false);
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

  it('lets only the newest code of a phone and purpose count: a resend ends the earlier session', async () => {
    const first = await t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    t.clock.advance(31_000);
    const second = await t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    expect((await appError(t.service.verifyOtp({ sessionId: first.session_id, otp: '123456' }))).code).toBe('otp_expired');
    expect((await t.service.verifyOtp({ sessionId: second.session_id, otp: '123456' })).response.verified).toBe(true);
  });

  it('never logs anyone in from a test session, even for the owner of the phone', async () => {
    const { session_id } = await t.service.sendOtp({ phone: PHONE, purpose: 'test' }, ADMIN);
    const { response, login } = await t.service.verifyOtp({ sessionId: session_id, otp: '123456' });
    expect(response).toEqual({ verified: true, status: 'verified', message: 'Code verified.', response_time_ms: 30 });
    expect(login).toBeUndefined();
    expect(t.startSession).not.toHaveBeenCalled();
  });

  it('makes an unregistered number\'s session unverifiable, with attempts counted like a real one', async () => {
    const { session_id } = await t.service.sendOtp({ phone: '+919000000999', purpose: 'login' }, undefined);
    expect(t.state.sendCalls).toBe(0);
    for (const left of [2, 1, 0]) {
      expect((await appError(t.service.verifyOtp({ sessionId: session_id, otp: '123456' }))).body.attempts_left).toBe(left);
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

    const wrong = await appError(t.service.verifyOtp({ sessionId: session_id, otp: code === '000000' ? '111111' : '000000' }));
    expect(wrong.body.attempts_left).toBe(2);
    const { response } = await t.service.verifyOtp({ sessionId: session_id, otp: code! });
    expect(response.verified).toBe(true);
    expect(t.state.verifyCalls).toBe(0);
    expect(t.logRows.map((row) => `${row.type}:${row.status}`)).toEqual(['template:sent', 'verify:otp_mismatch', 'verify:verified']);
  });

  it('applies the same expiry and cap to the server-made code', async () => {
    const t = setup('template');
    const { session_id } = await t.service.sendOtp({ phone: PHONE, purpose: 'login' }, undefined);
    const [code] = t.state.sentTexts[0]!;
    t.clock.advance(RULES.ttlSeconds * 1000);
    expect((await appError(t.service.verifyOtp({ sessionId: session_id, otp: code! }))).code).toBe('otp_expired');
  });
});
