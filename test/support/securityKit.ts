/**
 * What the hostile-input, authorization and security suites share: the app listening on a loopback port (one
 * server for thousands of requests instead of one per request), a 2Factor simulator that records every
 * request it receives, users of each role with session cookies, and the catalogue checks every error answer
 * must pass.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { PublicUser } from '../../common/api/auth.js';
import { ERROR_HTTP_STATUS, isErrorCode } from '../../common/errorCodes.js';
import type { Role } from '../../common/roles.js';
import {
  startTwoFactorSimulator,
  type SimulatorRequest,
  type TwoFactorSimulator,
  type TwoFactorSimulatorOptions,
} from '../../server/providers/twoFactor/simulator.js';
import type { TestApp } from './testApp.js';

export const SECURITY_API_KEY = 'sk-9d1e7c52-4b0a-4f6e-8a3d-5c2b1f0e9d77';

export interface RecordingSimulator {
  simulator: () => TwoFactorSimulator;
  /** Every API request the simulator received since the last reset, in order. */
  requests: SimulatorRequest[];
}

/** A simulator for the describe block that records every API request; cleared after each test. */
export function useRecordingSimulator(options: TwoFactorSimulatorOptions = {}): RecordingSimulator {
  let simulator: TwoFactorSimulator | undefined;
  const recording: RecordingSimulator = { simulator: () => simulator!, requests: [] };
  beforeAll(async () => {
    simulator = await startTwoFactorSimulator({
      ...options,
      onRequest: (request) => void recording.requests.push(request),
    });
  });
  afterEach(() => {
    simulator?.reset();
    recording.requests.length = 0;
  });
  afterAll(async () => {
    await simulator?.close();
  });
  return recording;
}

/** Environment of an app talking to `simulator` with SECURITY_API_KEY. */
export function simulatorEnv(
  simulator: TwoFactorSimulator,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { TWO_FACTOR_BASE_URL: simulator.url, TWO_FACTOR_API_KEY: SECURITY_API_KEY, ...extra };
}

/** Every abuse limit raised out of the way, for suites that send thousands of requests from one address. */
export const NO_ABUSE_LIMITS: Record<string, string> = {
  SMS_RATE_LIMIT_PER_MIN: '100000000',
  SMS_VERIFY_LIMIT_PER_MIN: '100000000',
  SMS_MAX_SENDS_PER_HOUR: '100000000',
  SMS_MAX_SENDS_PER_PHONE_PER_DAY: '100000000',
  SMS_DAILY_BUDGET: '100000000',
  LOGIN_RATE_LIMIT_PER_15_MIN: '100000000',
};

/** Listens on 127.0.0.1 (random port); close it at the end of the test. */
export async function listen(app: Express): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function addUser(app: TestApp, role: Role, phone?: string): Promise<PublicUser> {
  return app.users.create({
    email: `${role.replace('_', '-')}-${randomBytes(5).toString('hex')}@example.com`,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$bm90LWEtcmVhbC1zYWx0$bm90LWEtcmVhbC1oYXNoLW5vdC1hLXJlYWwtaGFzaA',
    role,
    phone,
  });
}

/** The Cookie header of a fresh login session (development cookie name `sid`). */
export async function cookieFor(app: TestApp, user: PublicUser): Promise<string> {
  const { token } = await app.auth.startSession(user);
  return `sid=${token}`;
}

/** `+9190000` + 5 digits: valid Indian mobiles, distinct per `n`. */
export function testPhone(n: number): string {
  return `+9190000${String(n).padStart(5, '0')}`;
}

/**
 * Problems with an answer under the API's error contract: an error status must carry a JSON body whose
 * `status` is a catalogue code with exactly this HTTP status, and a human `message`.
 */
export function errorContractProblems(httpStatus: number, body: unknown): string[] {
  if (httpStatus < 400) return [];
  if (!body || typeof body !== 'object') return [`${httpStatus} without a JSON body`];
  const { status, message } = body as { status?: unknown; message?: unknown };
  if (!isErrorCode(status)) return [`${httpStatus} with unknown status ${JSON.stringify(status)}`];
  const problems: string[] = [];
  if (ERROR_HTTP_STATUS[status] !== httpStatus)
    problems.push(`${status} answered with HTTP ${httpStatus}, catalogue says ${ERROR_HTTP_STATUS[status]}`);
  if (typeof message !== 'string' || message === '') problems.push(`${status} without a message`);
  return problems;
}
