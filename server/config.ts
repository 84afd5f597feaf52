/**
 * The only module that reads the environment. `loadConfig` validates every variable once at boot and
 * returns a frozen, typed object; an invalid environment throws a ConfigError naming every bad variable
 * (never its value, since several are secrets).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { OTP_LENGTH, SMS_MODES, TEMPLATE_NAME_HINT, TEMPLATE_NAME_PATTERN } from '../common/api/sms.js';
import { INDIAN_MOBILE_E164 } from '../common/phone.js';

/** Empty strings count as missing, so `FOO=` in a .env file falls back to the default. */
function env<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), schema);
}

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const boolean = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/**
 * Express `trust proxy`: `false` (default: the socket address is the client), `true`, a hop count,
 * or a comma-separated list of addresses/subnets/names such as `loopback, 10.0.0.0/8`.
 */
const trustProxy = z.string().transform((raw): boolean | number | string[] => {
  const value = raw.trim();
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
});

/** One phone and its fixed code, from SMS_TEST_NUMBERS. */
export interface TestNumberEntry {
  phone: string;
  code: string;
}

const TEST_NUMBERS_HINT = `comma-separated +91 mobile:${OTP_LENGTH}-digit code pairs, each phone once, e.g. +919999900001:123456`;

/**
 * SMS_TEST_NUMBERS: `+919999900001:123456,+919999900002:654321`. Codes have the forms' length, so the login form
 * takes them. Problems are described by position, never by value.
 */
const testNumbers = z.string().transform((raw, ctx): TestNumberEntry[] => {
  const entries = raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const codePattern = new RegExp(`^[0-9]{${OTP_LENGTH}}$`);
  const parsed: TestNumberEntry[] = [];
  for (const entry of entries) {
    const [phone = '', code = '', ...rest] = entry.split(':').map((part) => part.trim());
    if (
      rest.length > 0 ||
      !INDIAN_MOBILE_E164.test(phone) ||
      !codePattern.test(code) ||
      parsed.some((seen) => seen.phone === phone)
    ) {
      ctx.addIssue({ code: 'custom', message: TEST_NUMBERS_HINT });
      return z.NEVER;
    }
    parsed.push({ phone, code });
  }
  return parsed;
});

const SUPABASE_HOOK_SECRETS_HINT = "Supabase's form v1,whsec_<base64>, several separated by | (rotation)";

/**
 * SUPABASE_SMS_HOOK_SECRETS: `v1,whsec_<base64>` as Supabase shows it, several joined by `|` while one is rotated
 * out. Kept as the `whsec_<base64>` part the standardwebhooks package takes.
 */
const supabaseHookSecrets = z.string().transform((raw, ctx): string[] => {
  const secrets = raw
    .split('|')
    .map((part) => part.trim())
    .filter(Boolean);
  const parsed: string[] = [];
  for (const secret of secrets) {
    const match = /^v1,(whsec_([A-Za-z0-9+/]+={0,2}))$/.exec(secret);
    if (!match || Buffer.from(match[2]!, 'base64').length < 16) {
      ctx.addIssue({ code: 'custom', message: SUPABASE_HOOK_SECRETS_HINT });
      return z.NEVER;
    }
    parsed.push(match[1]!);
  }
  return parsed;
});

const webhookUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' });

const postgresUrl = z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL');
const redisUrl = z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL');

/** The resend cooldown defaults, also read raw by crossVariableProblems. */
const DEFAULT_RESEND_COOLDOWN_S = 30;
const DEFAULT_RESEND_COOLDOWN_MAX_S = 600;

const envSchema = z.object({
  NODE_ENV: env(z.enum(['development', 'production', 'test']).default('development')),
  PORT: env(port.default(3000)),
  HOST: env(z.string().optional()),
  DATA_DIR: env(z.string().default('./data')),
  DATABASE_URL: env(postgresUrl.optional()),
  DATABASE_POOL_SIZE: env(positiveInt.max(200).default(10)),
  REDIS_URL: env(redisUrl.optional()),
  APP_SECRET: env(z.string().min(32, 'must be at least 32 characters').optional()),
  TRUST_PROXY: env(trustProxy.default(false)),
  LOG_LEVEL: env(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  SESSION_TTL_HOURS: env(positiveInt.default(12)),
  LOGIN_RATE_LIMIT_PER_15_MIN: env(positiveInt.default(10)),
  DEMO_USERS: env(boolean.optional()),
  WEB_CONCURRENCY: env(positiveInt.max(64).default(1)),

  TWO_FACTOR_API_KEY: env(
    z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, 'letters, digits and dashes only')
      .optional(),
  ),
  TWO_FACTOR_BASE_URL: env(z.url().default('https://2factor.in')),
  TWO_FACTOR_CALLBACK_TOKEN: env(
    z
      .string()
      .min(32, 'must be at least 32 characters')
      .max(256)
      .regex(/^[A-Za-z0-9._~-]+$/, 'letters, digits and . _ ~ - only (it is a URL path segment)')
      .optional(),
  ),
  SMS_SENDER_ID: env(
    z
      .string()
      .regex(/^[A-Z]{6}$/, 'must be 6 capital letters')
      .default('TFCTOR'),
  ),
  SMS_TEMPLATE: env(z.string().trim().max(64).regex(TEMPLATE_NAME_PATTERN, TEMPLATE_NAME_HINT).default('SMSTemplate1')),
  SMS_MODE: env(z.enum(SMS_MODES).default('autogen')),
  SMS_OTP_TTL_S: env(positiveInt.max(3600).default(300)),
  SMS_MAX_VERIFY_ATTEMPTS: env(positiveInt.max(20).default(5)),
  SMS_RATE_LIMIT_PER_MIN: env(positiveInt.default(5)),
  SMS_RESEND_COOLDOWN_S: env(positiveInt.default(DEFAULT_RESEND_COOLDOWN_S)),
  SMS_RESEND_COOLDOWN_MAX_S: env(positiveInt.default(DEFAULT_RESEND_COOLDOWN_MAX_S)),
  SMS_MAX_SENDS_PER_PHONE_PER_DAY: env(positiveInt.default(10)),
  SMS_MAX_SENDS_PER_HOUR: env(positiveInt.default(5)),
  SMS_DAILY_BUDGET: env(positiveInt.default(5000)),
  SMS_VERIFY_LIMIT_PER_MIN: env(positiveInt.default(20)),
  PROVIDER_TIMEOUT_MS: env(positiveInt.max(60_000).default(5000)),
  PROVIDER_MAX_RPS: env(positiveInt.default(200)),
  OTP_LOG_RETENTION_DAYS: env(positiveInt.max(3650).default(180)),

  SMS_TEST_NUMBERS: env(testNumbers.optional()),
  SMS_TEST_NUMBERS_IN_PRODUCTION: env(boolean.default(false)),
  ALERT_WEBHOOK_URL: env(webhookUrl.optional()),
  SMS_BALANCE_ALERT_BELOW: env(z.coerce.number().int().min(0).default(100)),
  METRICS_TOKEN: env(z.string().min(32, 'must be at least 32 characters').optional()),
  PUBLIC_URL: env(webhookUrl.optional()),
  SUPABASE_SMS_HOOK_SECRETS: env(supabaseHookSecrets.optional()),
});

export type Environment = z.infer<typeof envSchema>;

export interface Config {
  nodeEnv: Environment['NODE_ENV'];
  isProduction: boolean;
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  redisUrl: string | undefined;
  appSecret: string;
  trustProxy: boolean | number | string[];
  logLevel: Environment['LOG_LEVEL'];
  sessionTtlHours: number;
  /** Failed email logins allowed per client IP in 15 minutes. */
  failedLoginsPer15Minutes: number;
  /** Demo users are seeded only in development on the embedded database, never in production. */
  seedDemoUsers: boolean;
  webConcurrency: number;
  /** otp_logs rows older than this are deleted by the retention job. */
  otpLogRetentionDays: number;
  sms: SmsConfig;
  alerts: AlertsConfig;
  /** Bearer token that GET /metrics requires; /metrics answers 404 when unset. */
  metricsToken: string | undefined;
  /** Where users and other systems reach this app (`https://app.example.com`), without a trailing slash. */
  publicUrl: string | undefined;
  supabaseHook: SupabaseHookConfig;
}

export interface SupabaseHookConfig {
  /** Secrets of Supabase's Send SMS Hook as `whsec_<base64>`; none: the hook endpoint does not exist (404). */
  secrets: string[];
}

export interface AlertsConfig {
  /** Slack-compatible incoming webhook; alerts are only logged when unset. */
  webhookUrl: string | undefined;
  /** Alert when the balance the current SMS mode spends falls below this many credits (0: never). */
  balanceBelow: number;
}

export interface SmsConfig {
  apiKey: string | undefined;
  baseUrl: string;
  /** The secret path segment of the delivery callback URL; unset: the callback route does not exist. */
  deliveryCallbackToken: string | undefined;
  senderId: string;
  templateName: string;
  mode: Environment['SMS_MODE'];
  otpTtlSeconds: number;
  maxVerifyAttempts: number;
  sendsPerIpPerMinute: number;
  /** The wait after the first unverified send to a phone; it doubles with each further one, up to the max. */
  resendCooldownSeconds: number;
  resendCooldownMaxSeconds: number;
  maxSendsPerPhonePerDay: number;
  /** Sends (test and template) per signed-in user in any hour. */
  maxSendsPerHour: number;
  /** SMS per IST day, all instances together. */
  dailyBudget: number;
  verifiesPerIpPerMinute: number;
  providerTimeoutMs: number;
  providerMaxRps: number;
  /** No API key outside production: the built-in 2Factor simulator stands in for the real API. */
  sandboxAllowed: boolean;
  /** SMS_TEST_NUMBERS: phones that get a fixed code and no SMS. Empty unless set. */
  testNumbers: TestNumberEntry[];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Rules that tie variables together, read from the raw values so they are listed with every other problem. */
function crossVariableProblems(source: NodeJS.ProcessEnv): string[] {
  const given = (name: string) => Boolean(source[name]?.trim());
  const problems: string[] = [];
  if (source.NODE_ENV?.trim() === 'production' && !given('APP_SECRET')) {
    problems.push('APP_SECRET: required when NODE_ENV=production (at least 32 characters)');
  }
  const cooldownS = Number(source.SMS_RESEND_COOLDOWN_S?.trim() || DEFAULT_RESEND_COOLDOWN_S);
  const cooldownMaxS = Number(source.SMS_RESEND_COOLDOWN_MAX_S?.trim() || DEFAULT_RESEND_COOLDOWN_MAX_S);
  if (cooldownMaxS < cooldownS) {
    problems.push('SMS_RESEND_COOLDOWN_MAX_S: must be at least SMS_RESEND_COOLDOWN_S');
  }
  if (
    source.NODE_ENV?.trim() === 'production' &&
    given('SMS_TEST_NUMBERS') &&
    source.SMS_TEST_NUMBERS_IN_PRODUCTION?.trim() !== 'true'
  ) {
    // A test number logs its owner in with a fixed code: in production only on purpose (app store review).
    problems.push('SMS_TEST_NUMBERS: refused when NODE_ENV=production unless SMS_TEST_NUMBERS_IN_PRODUCTION=true');
  }
  if (Number(source.WEB_CONCURRENCY?.trim() || '1') > 1) {
    // Several processes share nothing in memory: storage, limits and the provider ceiling must be shared.
    for (const name of ['DATABASE_URL', 'REDIS_URL']) {
      if (!given(name)) problems.push(`${name}: required when WEB_CONCURRENCY > 1`);
    }
  }
  return problems;
}

export function loadConfig(source: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const parsed = envSchema.safeParse(source);
  // Only the variable name and the rule it broke: values may be secrets.
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${describeIssue(issue)}`)),
    ...crossVariableProblems(source),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError([...new Set(problems)]);
  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';
  const dataDir = path.resolve(e.DATA_DIR);
  const appSecret = e.APP_SECRET ?? readOrCreateDevSecret(dataDir);

  return deepFreeze({
    nodeEnv: e.NODE_ENV,
    isProduction,
    port: e.PORT,
    // Outside production, listen on loopback only: demo users and sandbox codes must not reach the LAN.
    host: e.HOST ?? (isProduction ? '0.0.0.0' : '127.0.0.1'),
    dataDir,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    redisUrl: e.REDIS_URL,
    appSecret,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    sessionTtlHours: e.SESSION_TTL_HOURS,
    failedLoginsPer15Minutes: e.LOGIN_RATE_LIMIT_PER_15_MIN,
    seedDemoUsers: !isProduction && !e.DATABASE_URL && (e.DEMO_USERS ?? e.NODE_ENV === 'development'),
    webConcurrency: e.WEB_CONCURRENCY,
    otpLogRetentionDays: e.OTP_LOG_RETENTION_DAYS,
    sms: {
      apiKey: e.TWO_FACTOR_API_KEY,
      baseUrl: e.TWO_FACTOR_BASE_URL.replace(/\/+$/, ''),
      deliveryCallbackToken: e.TWO_FACTOR_CALLBACK_TOKEN,
      senderId: e.SMS_SENDER_ID,
      templateName: e.SMS_TEMPLATE,
      mode: e.SMS_MODE,
      otpTtlSeconds: e.SMS_OTP_TTL_S,
      maxVerifyAttempts: e.SMS_MAX_VERIFY_ATTEMPTS,
      sendsPerIpPerMinute: e.SMS_RATE_LIMIT_PER_MIN,
      resendCooldownSeconds: e.SMS_RESEND_COOLDOWN_S,
      resendCooldownMaxSeconds: e.SMS_RESEND_COOLDOWN_MAX_S,
      maxSendsPerPhonePerDay: e.SMS_MAX_SENDS_PER_PHONE_PER_DAY,
      maxSendsPerHour: e.SMS_MAX_SENDS_PER_HOUR,
      dailyBudget: e.SMS_DAILY_BUDGET,
      verifiesPerIpPerMinute: e.SMS_VERIFY_LIMIT_PER_MIN,
      providerTimeoutMs: e.PROVIDER_TIMEOUT_MS,
      providerMaxRps: e.PROVIDER_MAX_RPS,
      // The sandbox simulator lives inside one process; with several workers a code sent by one could not be checked by another.
      sandboxAllowed: !isProduction && e.WEB_CONCURRENCY === 1,
      testNumbers: e.SMS_TEST_NUMBERS ?? [],
    },
    alerts: {
      webhookUrl: e.ALERT_WEBHOOK_URL,
      balanceBelow: e.SMS_BALANCE_ALERT_BELOW,
    },
    metricsToken: e.METRICS_TOKEN,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    supabaseHook: { secrets: e.SUPABASE_SMS_HOOK_SECRETS ?? [] },
  });
}

/**
 * A warning for production when TRUST_PROXY believes any peer: `true` or a hop count takes the client address
 * from X-Forwarded-For, which any client that reaches the port directly can forge (a new IP per request defeats
 * every per-IP limit). A list of the proxies' addresses or CIDRs cannot be forged.
 */
export function trustProxyWarning(config: Pick<Config, 'isProduction' | 'trustProxy'>): string | undefined {
  if (!config.isProduction) return undefined;
  if (config.trustProxy !== true && typeof config.trustProxy !== 'number') return undefined;
  return `TRUST_PROXY=${String(config.trustProxy)} trusts X-Forwarded-For from any peer: a client that reaches this port directly can forge its address and escape the per-IP limits. Set TRUST_PROXY to your proxies' addresses or CIDRs instead (e.g. "10.0.0.0/8" or "loopback").`;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_value') return `must be one of ${issue.values.join(', ')}`;
  if (issue.code === 'invalid_type') return `expected ${issue.expected}`;
  if (issue.code === 'too_small' || issue.code === 'too_big' || issue.code === 'invalid_format') return issue.message;
  return issue.message;
}

/** Development convenience: a random secret generated once and kept in DATA_DIR, so sessions survive restarts. */
function readOrCreateDevSecret(dataDir: string): string {
  const file = path.join(dataDir, 'app-secret');
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch {
    // Not created yet.
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value)) {
    if (child && typeof child === 'object') deepFreeze(child);
  }
  return Object.freeze(value);
}
