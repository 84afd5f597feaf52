/**
 * The bench's rival: phone OTP login with Better Auth's phoneNumber plugin on Express 5, wired as a team
 * would wire it to 2Factor.in. Run like the product's server (plain `node`, NODE_ENV=production, one process).
 *
 *   POST /api/auth/phone-number/send-otp  {"phoneNumber": "+91…"}          Better Auth makes the code and stores it;
 *                                                                          sendOTP texts it with 2Factor's custom-OTP
 *                                                                          route and waits for 2Factor's answer
 *   POST /api/auth/phone-number/verify    {"phoneNumber": "+91…", "code"}  checks it; a match marks the phone
 *                                                                          verified and logs its owner in (cookie)
 *   GET  /api/health                                                      `{"ok": true, "provider_calls": n}`: the calls
 *                                                                          made to 2Factor so far (the bench shares its
 *                                                                          simulator and leaves these out of its no-loss count)
 *
 * PostgreSQL through Better Auth's own Kysely support (it is given a `pg` pool), in a schema of its own
 * (`search_path`), created by Better Auth's migrations at startup. Better Auth's rate limiter is off, as the
 * product's limits are raised in the bench's throughput runs.
 *
 * Environment: PORT, DATABASE_URL, DATABASE_SCHEMA (better_auth), DATABASE_POOL_SIZE (10, the product's default),
 * BETTER_AUTH_SECRET, TWO_FACTOR_BASE_URL, TWO_FACTOR_API_KEY, SMS_TEMPLATE (SMSTemplate1), PROVIDER_TIMEOUT_MS (5000).
 */
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { phoneNumber } from 'better-auth/plugins';
import express from 'express';
import pg from 'pg';

const env = (name, fallback) => {
  const value = process.env[name];
  if (value !== undefined && value !== '') return value;
  if (fallback === undefined) throw new Error(`${name} is required`);
  return fallback;
};

/**
 * The product's defaults (OTP_LENGTH, SMS_OTP_TTL_S, SMS_MAX_VERIFY_ATTEMPTS), so both sides do the same work.
 * This file runs as plain JavaScript and cannot import them.
 */
const OTP_LENGTH = 6;
const OTP_TTL_S = 300;
const MAX_VERIFY_ATTEMPTS = 5;

const port = Number(env('PORT', '4200'));
const schema = env('DATABASE_SCHEMA', 'better_auth');
if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error('DATABASE_SCHEMA must be a plain lower-case identifier');
const twoFactorBase = env('TWO_FACTOR_BASE_URL');
const twoFactorKey = env('TWO_FACTOR_API_KEY');
const template = env('SMS_TEMPLATE', 'SMSTemplate1');
const providerTimeoutMs = Number(env('PROVIDER_TIMEOUT_MS', '5000'));

const pool = new pg.Pool({
  connectionString: env('DATABASE_URL'),
  max: Number(env('DATABASE_POOL_SIZE', '10')),
  application_name: 'bench-better-auth',
  options: `-c search_path=${schema}`,
});

let providerCalls = 0;

/** 2Factor's custom-OTP call: the code is ours (Better Auth's), 2Factor only texts it. */
async function textCode({ phoneNumber: phone, code }) {
  providerCalls += 1;
  const url = `${twoFactorBase}/API/V1/${encodeURIComponent(twoFactorKey)}/SMS/${encodeURIComponent(phone)}/${code}/${encodeURIComponent(template)}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(providerTimeoutMs) });
  const answer = await response.json().catch(() => ({}));
  if (answer.Status !== 'Success')
    throw new Error(`2Factor refused the SMS: ${String(answer.Details ?? response.status)}`);
}

const auth = betterAuth({
  baseURL: `http://127.0.0.1:${port}`,
  secret: env('BETTER_AUTH_SECRET'),
  database: pool,
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  logger: { level: 'error' },
  plugins: [
    phoneNumber({
      otpLength: OTP_LENGTH,
      expiresIn: OTP_TTL_S,
      allowedAttempts: MAX_VERIFY_ATTEMPTS,
      phoneNumberValidator: (phone) => /^\+91[6-9]\d{9}$/.test(phone),
      sendOTP: textCode,
    }),
  ],
});

const client = await pool.connect();
try {
  await client.query(`create schema if not exists ${schema}`);
} finally {
  client.release();
}
const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const app = express();
app.disable('x-powered-by');
// Better Auth reads the body itself: no express.json() in front of it (its Express guide says so).
app.all('/api/auth/*splat', toNodeHandler(auth));
app.get('/api/health', (_req, res) => res.json({ ok: true, provider_calls: providerCalls }));

const server = app.listen(port, '127.0.0.1', () => {
  console.log(`better-auth listening on http://127.0.0.1:${server.address().port}`);
});
const stop = () => server.close(() => pool.end().finally(() => process.exit(0)));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
