/**
 * What the SMS integration tests share: the 2Factor simulator over real HTTP (one per describe block, reset
 * after each test), an app wired to it, users with phones, signed-in cookies and a few small readers.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import request, { type Response } from 'supertest';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { PublicUser } from '../../common/api/auth.js';
import type { Role } from '../../common/roles.js';
import {
  startTwoFactorSimulator,
  type TwoFactorSimulator,
  type TwoFactorSimulatorOptions,
} from '../../server/providers/twoFactor/simulator.js';
import type { Db } from '../../server/db/db.js';
import { buildTestApp, createFakeClock, type TestApp, type TestAppOptions } from './testApp.js';

/** The key the apps under test hold in TWO_FACTOR_API_KEY (the simulator accepts any key unless told otherwise). */
export const TEST_API_KEY = 'tk-5b2f9c4e-1d7a-4e3b-9a60-c8d1e2f3a4b5';

/** Starts a simulator for the describe block; cleared after each test, closed after the block. */
export function useSimulator(options: TwoFactorSimulatorOptions = {}): () => TwoFactorSimulator {
  let simulator: TwoFactorSimulator | undefined;
  beforeAll(async () => {
    simulator = await startTwoFactorSimulator(options);
  });
  afterEach(() => simulator?.reset());
  afterAll(async () => {
    await simulator?.close();
  });
  return () => simulator!;
}

/** The environment of an app that talks to `simulator` with TEST_API_KEY. */
export function smsEnv(simulator: TwoFactorSimulator, extra: Record<string, string> = {}): Record<string, string> {
  return { TWO_FACTOR_BASE_URL: simulator.url, TWO_FACTOR_API_KEY: TEST_API_KEY, ...extra };
}

export interface SmsTestAppOptions extends TestAppOptions {
  /** Variables added to smsEnv(simulator). */
  env?: Record<string, string>;
}

/**
 * A fresh app wired to the simulator. Answers for unregistered numbers do not wait (instant `holdAnswer`), and the
 * fake clock starts at the real time, as express-rate-limit compares reset times with `Date.now()`.
 */
export function buildSmsApp(db: Db, simulator: TwoFactorSimulator, options: SmsTestAppOptions = {}): TestApp {
  return buildTestApp(db, {
    holdAnswer: async () => undefined,
    clock: createFakeClock(Date.now()),
    ...options,
    env: smsEnv(simulator, options.env),
  });
}

let phoneCounter = 0;

/** A valid Indian mobile number no other call in this process returned. */
export function newPhone(): string {
  phoneCounter += 1;
  const suffix = String((process.pid * 1000 + phoneCounter) % 1_000_000_000).padStart(9, '0');
  return `+919${suffix}`;
}

/** A user of `role`, optionally owning `phone` (no usable password: these tests log in by phone or by cookie). */
export async function addUser(app: TestApp, role: Role, phone?: string): Promise<PublicUser> {
  return app.users.create({
    email: `${role.replace('_', '-')}-${randomBytes(4).toString('hex')}@example.com`,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$not-a-real-hash',
    role,
    phone,
  });
}

/** The Cookie header of a fresh login session for `user`. */
export async function cookieFor(app: TestApp, user: PublicUser): Promise<string> {
  const { token } = await app.auth.startSession(user);
  return `sid=${token}`;
}

/** A signed-in admin (or another role) and their Cookie header. */
export async function signedIn(app: TestApp, role: Role = 'admin'): Promise<{ user: PublicUser; cookie: string }> {
  const user = await addUser(app, role);
  return { user, cookie: await cookieFor(app, user) };
}

/** The code the simulator texted most recently to `phone` (AUTOGEN code or template VAR1). */
export function codeSentTo(simulator: TwoFactorSimulator, phone: string): string {
  const message = simulator.outbox({ phone }).at(-1);
  const code = message?.code ?? message?.variables?.[0];
  expect(code, `no SMS reached ${phone}`).toMatch(/^\d{6}$/);
  return code!;
}

/** A user of `role` who owns a new phone and has logged in with it (one send, one right code). */
export async function loggedInByPhone(app: TestApp, simulator: TwoFactorSimulator, role: Role): Promise<PublicUser> {
  const phone = newPhone();
  const user = await addUser(app, role, phone);
  const sent = await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(200);
  await request(app.app)
    .post('/api/sms/verifyOtp')
    .send({ session_id: sent.body.session_id, otp: codeSentTo(simulator, phone) })
    .expect(200);
  return user;
}

/** A 6-digit code that is not `code`. */
export function wrongCode(code: string): string {
  return code === '000000' ? '111111' : '000000';
}

/** The `sid` cookie a response sets, if any. */
export function sessionCookieOf(res: Response): string | undefined {
  const header = res.headers['set-cookie'] as unknown as string[] | undefined;
  const sid = header?.find((cookie) => cookie.startsWith('sid='));
  return sid?.split(';')[0];
}

/** Every otp_logs row, oldest first, all columns. */
export async function allLogRows(db: Db): Promise<Record<string, unknown>[]> {
  const { rows } = await db.query<Record<string, unknown>>('select * from public.otp_logs order by id');
  return rows;
}

/** Every otp_sessions row, all columns. */
export async function allSessionRows(db: Db): Promise<Record<string, unknown>[]> {
  const { rows } = await db.query<Record<string, unknown>>('select * from public.otp_sessions order by created_at');
  return rows;
}

/** True when `text` holds `code` as a whole number (not inside a longer run of digits or hex). */
export function containsCode(text: string, code: string): boolean {
  return new RegExp(`(?<![0-9a-fA-F])${code}(?![0-9a-fA-F])`).test(text);
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}
