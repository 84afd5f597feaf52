import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, trustProxyWarning } from './config.js';

const SECRET = 'a-production-secret-of-at-least-32-chars';
const tempDirs: string[] = [];

/** A fresh DATA_DIR, so a development config never writes its secret into the repository. */
function tempDataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'config-test-'));
  tempDirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('runs with no variables at all: development on the embedded database, loopback, port 3000', () => {
    const dataDir = tempDataDir();
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(config).toMatchObject({
      nodeEnv: 'development',
      isProduction: false,
      port: 3000,
      host: '127.0.0.1',
      dataDir,
      databaseUrl: undefined,
      databasePoolSize: 10,
      redisUrl: undefined,
      trustProxy: false,
      logLevel: 'info',
      sessionTtlHours: 12,
      failedLoginsPer15Minutes: 10,
      seedDemoUsers: true,
      webConcurrency: 1,
      otpLogRetentionDays: 180,
    });
    expect(config.sms).toEqual({
      apiKey: undefined,
      baseUrl: 'https://2factor.in',
      deliveryCallbackToken: undefined,
      senderId: 'TFCTOR',
      templateName: 'SMSTemplate1',
      mode: 'autogen',
      otpTtlSeconds: 300,
      maxVerifyAttempts: 5,
      sendsPerIpPerMinute: 5,
      resendCooldownSeconds: 30,
      resendCooldownMaxSeconds: 600,
      maxSendsPerPhonePerDay: 10,
      maxSendsPerHour: 5,
      dailyBudget: 5000,
      verifiesPerIpPerMinute: 20,
      providerTimeoutMs: 5000,
      providerMaxRps: 200,
      sandboxAllowed: true,
      testNumbers: [],
    });
    expect(config.alerts).toEqual({ webhookUrl: undefined, balanceBelow: 100 });
    expect(config.metricsToken).toBeUndefined();
  });

  it('resolves DATA_DIR to an absolute path (default ./data)', () => {
    expect(loadConfig({ APP_SECRET: SECRET }).dataDir).toBe(path.resolve('data'));
  });

  it('returns a frozen object', () => {
    const config = loadConfig({ APP_SECRET: SECRET });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.sms)).toBe(true);
  });

  it('treats empty and blank strings as missing, so `FOO=` in a .env file falls back to the default', () => {
    const config = loadConfig({
      DATA_DIR: tempDataDir(),
      NODE_ENV: '',
      PORT: '',
      HOST: '  ',
      DATABASE_URL: '',
      REDIS_URL: ' ',
      APP_SECRET: '',
      TRUST_PROXY: '',
      SMS_SENDER_ID: '',
    });
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      redisUrl: undefined,
      trustProxy: false,
    });
    expect(config.sms.senderId).toBe('TFCTOR');
  });

  it('lists every invalid variable at once, by name, without its value', () => {
    const env = {
      APP_SECRET: SECRET,
      PORT: 'eighty',
      DATABASE_URL: 'mysql://app:hunter2-db-password@db.internal/app',
      REDIS_URL: 'http://cache.internal:6379',
      LOG_LEVEL: 'loud',
      SESSION_TTL_HOURS: '-3',
      TWO_FACTOR_API_KEY: 'key with spaces/and-slashes',
      SMS_SENDER_ID: 'toolongsender',
    };
    const error = configError(env);
    const names = error.problems.map((problem) => problem.split(':')[0]);
    expect(names.sort()).toEqual(
      [
        'DATABASE_URL',
        'LOG_LEVEL',
        'PORT',
        'REDIS_URL',
        'SESSION_TTL_HOURS',
        'SMS_SENDER_ID',
        'TWO_FACTOR_API_KEY',
      ].sort(),
    );
    for (const [name, value] of Object.entries(env)) {
      if (name === 'APP_SECRET') continue;
      expect(error.message).not.toContain(value);
    }
    expect(error.message).not.toContain('hunter2');
    expect(error.message).toMatch(/^Invalid configuration:\n {2}- /);
  });

  it('says what a bad enum value should be', () => {
    expect(configError({ APP_SECRET: SECRET, NODE_ENV: 'staging' }).problems).toEqual([
      'NODE_ENV: must be one of development, production, test',
    ]);
  });

  describe('APP_SECRET', () => {
    it('is required in production', () => {
      expect(configError({ NODE_ENV: 'production' }).problems).toEqual([
        'APP_SECRET: required when NODE_ENV=production (at least 32 characters)',
      ]);
    });

    it('must be at least 32 characters, and a short one is not shown', () => {
      const error = configError({ NODE_ENV: 'production', APP_SECRET: 'short-secret-value' });
      expect(error.problems).toEqual(['APP_SECRET: must be at least 32 characters']);
      expect(error.message).not.toContain('short-secret-value');
    });

    it('is taken from the environment when set', () => {
      expect(loadConfig({ NODE_ENV: 'production', APP_SECRET: SECRET }).appSecret).toBe(SECRET);
    });

    it('in development is generated once into DATA_DIR/app-secret (owner-only) and reused', () => {
      const dataDir = tempDataDir();
      const first = loadConfig({ DATA_DIR: dataDir }).appSecret;
      const file = path.join(dataDir, 'app-secret');
      expect(first.length).toBeGreaterThanOrEqual(32);
      expect(readFileSync(file, 'utf8').trim()).toBe(first);
      expect(statSync(file).mode & 0o777).toBe(0o600);

      expect(loadConfig({ DATA_DIR: dataDir }).appSecret).toBe(first);
      expect(loadConfig({ DATA_DIR: tempDataDir() }).appSecret).not.toBe(first);
    });

    it('in development creates DATA_DIR if it does not exist yet', () => {
      const dataDir = path.join(tempDataDir(), 'nested', 'data');
      const secret = loadConfig({ DATA_DIR: dataDir }).appSecret;
      expect(readFileSync(path.join(dataDir, 'app-secret'), 'utf8').trim()).toBe(secret);
    });
  });

  describe('TRUST_PROXY', () => {
    it.each([
      ['true', true],
      ['false', false],
      ['1', 1],
      ['2', 2],
      ['loopback', ['loopback']],
      ['loopback, 10.0.0.0/8 ,uniquelocal', ['loopback', '10.0.0.0/8', 'uniquelocal']],
    ])('%j becomes %j', (raw, expected) => {
      expect(loadConfig({ APP_SECRET: SECRET, TRUST_PROXY: raw }).trustProxy).toEqual(expected);
    });

    it('defaults to false: the socket address is the client', () => {
      expect(loadConfig({ APP_SECRET: SECRET }).trustProxy).toBe(false);
    });

    it.each(['true', '1', '2'])('warns in production that TRUST_PROXY=%s lets any client forge its address', (raw) => {
      const config = loadConfig({ NODE_ENV: 'production', APP_SECRET: SECRET, TRUST_PROXY: raw });
      expect(trustProxyWarning(config)).toMatch(/can forge its address.*addresses or CIDRs/);
    });

    it.each([
      ['production', 'loopback, 10.0.0.0/8'],
      ['production', 'false'],
      ['development', 'true'],
    ])('does not warn in %s with TRUST_PROXY=%s', (nodeEnv, raw) => {
      expect(
        trustProxyWarning(loadConfig({ NODE_ENV: nodeEnv, APP_SECRET: SECRET, TRUST_PROXY: raw })),
      ).toBeUndefined();
    });
  });

  describe('send limits', () => {
    it('reads the growing cooldown, the per-phone daily cap, the daily budget and log retention', () => {
      const config = loadConfig({
        APP_SECRET: SECRET,
        SMS_RESEND_COOLDOWN_S: '20',
        SMS_RESEND_COOLDOWN_MAX_S: '300',
        SMS_MAX_SENDS_PER_PHONE_PER_DAY: '8',
        SMS_DAILY_BUDGET: '1200',
        OTP_LOG_RETENTION_DAYS: '30',
      });
      expect(config.sms).toMatchObject({
        resendCooldownSeconds: 20,
        resendCooldownMaxSeconds: 300,
        maxSendsPerPhonePerDay: 8,
        dailyBudget: 1200,
      });
      expect(config.otpLogRetentionDays).toBe(30);
    });

    it('refuses a longest cooldown shorter than the first one', () => {
      expect(() =>
        loadConfig({ APP_SECRET: SECRET, SMS_RESEND_COOLDOWN_S: '60', SMS_RESEND_COOLDOWN_MAX_S: '30' }),
      ).toThrow(/SMS_RESEND_COOLDOWN_MAX_S: must be at least SMS_RESEND_COOLDOWN_S/);
    });
  });

  describe('TWO_FACTOR_CALLBACK_TOKEN', () => {
    const token = 'cb_7Qm2-x9LrT4vW8yZ1aB3cD5eF6gH0jK';

    it('is taken from the environment: the secret path segment of the delivery callback URL', () => {
      expect(loadConfig({ APP_SECRET: SECRET, TWO_FACTOR_CALLBACK_TOKEN: token }).sms.deliveryCallbackToken).toBe(
        token,
      );
    });

    it('must be at least 32 URL-safe characters, and a bad one is not shown', () => {
      for (const bad of [token.slice(0, 31), `${token.slice(0, 31)}/x`, `${token} x`]) {
        const error = configError({ APP_SECRET: SECRET, TWO_FACTOR_CALLBACK_TOKEN: bad });
        expect(error.problems.map((problem) => problem.split(':')[0])).toEqual(['TWO_FACTOR_CALLBACK_TOKEN']);
        expect(error.message).not.toContain(bad);
      }
    });
  });

  describe('SUPABASE_SMS_HOOK_SECRETS and PUBLIC_URL', () => {
    const current = `v1,whsec_${Buffer.from('supabase-hook-secret-current-0001').toString('base64')}`;
    const previous = `v1,whsec_${Buffer.from('supabase-hook-secret-previous-002').toString('base64')}`;

    it("is off without secrets, and takes one or several in Supabase's form, separated by |", () => {
      expect(loadConfig({ APP_SECRET: SECRET }).supabaseHook.secrets).toEqual([]);
      expect(
        loadConfig({ APP_SECRET: SECRET, SUPABASE_SMS_HOOK_SECRETS: ` ${current} | ${previous} ` }).supabaseHook
          .secrets,
      ).toEqual([current.slice(3), previous.slice(3)]);
    });

    it('refuses a secret not in the form v1,whsec_<base64>, and does not show it', () => {
      for (const bad of ['whsec_c2VjcmV0', `v2,${current.slice(3)}`, 'v1,whsec_!!', `${current}|v1,whsec_YQ==`]) {
        const error = configError({ APP_SECRET: SECRET, SUPABASE_SMS_HOOK_SECRETS: bad });
        expect(error.problems.map((problem) => problem.split(':')[0])).toEqual(['SUPABASE_SMS_HOOK_SECRETS']);
        expect(error.message).not.toContain(bad);
      }
    });

    it('keeps PUBLIC_URL without a trailing slash, and refuses what is not an http(s) URL', () => {
      expect(loadConfig({ APP_SECRET: SECRET, PUBLIC_URL: 'https://otp.example.com/' }).publicUrl).toBe(
        'https://otp.example.com',
      );
      expect(
        configError({ APP_SECRET: SECRET, PUBLIC_URL: 'otp.example.com' }).problems.map((p) => p.split(':')[0]),
      ).toEqual(['PUBLIC_URL']);
    });
  });

  describe('HOST', () => {
    it('defaults to loopback outside production', () => {
      expect(loadConfig({ APP_SECRET: SECRET, NODE_ENV: 'development' }).host).toBe('127.0.0.1');
      expect(loadConfig({ APP_SECRET: SECRET, NODE_ENV: 'test' }).host).toBe('127.0.0.1');
    });

    it('defaults to all interfaces in production', () => {
      expect(loadConfig({ APP_SECRET: SECRET, NODE_ENV: 'production' }).host).toBe('0.0.0.0');
    });

    it('can be set in either', () => {
      expect(loadConfig({ APP_SECRET: SECRET, HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
      expect(loadConfig({ APP_SECRET: SECRET, NODE_ENV: 'production', HOST: '10.1.2.3' }).host).toBe('10.1.2.3');
    });
  });

  describe('demo users', () => {
    const postgres = 'postgres://app@db.internal:5432/app';

    it('are seeded in development on the embedded database', () => {
      expect(loadConfig({ APP_SECRET: SECRET, NODE_ENV: 'development' }).seedDemoUsers).toBe(true);
    });

    it('are not seeded on PostgreSQL, in tests, or in production, whatever DEMO_USERS says', () => {
      expect(loadConfig({ APP_SECRET: SECRET, DATABASE_URL: postgres }).seedDemoUsers).toBe(false);
      expect(loadConfig({ APP_SECRET: SECRET, NODE_ENV: 'test' }).seedDemoUsers).toBe(false);
      expect(loadConfig({ APP_SECRET: SECRET, NODE_ENV: 'production' }).seedDemoUsers).toBe(false);
      expect(loadConfig({ APP_SECRET: SECRET, NODE_ENV: 'production', DEMO_USERS: 'true' }).seedDemoUsers).toBe(false);
      expect(loadConfig({ APP_SECRET: SECRET, DATABASE_URL: postgres, DEMO_USERS: 'true' }).seedDemoUsers).toBe(false);
    });

    it('can be turned off in development and on in tests with DEMO_USERS', () => {
      expect(loadConfig({ APP_SECRET: SECRET, DEMO_USERS: 'false' }).seedDemoUsers).toBe(false);
      expect(loadConfig({ APP_SECRET: SECRET, NODE_ENV: 'test', DEMO_USERS: '1' }).seedDemoUsers).toBe(true);
    });
  });

  it('accepts postgresql:// and rediss:// URLs', () => {
    const config = loadConfig({ APP_SECRET: SECRET, DATABASE_URL: 'postgresql://u@h/d', REDIS_URL: 'rediss://h:6380' });
    expect(config.databaseUrl).toBe('postgresql://u@h/d');
    expect(config.redisUrl).toBe('rediss://h:6380');
  });

  it('in production has no 2Factor sandbox: a real API key is needed to send SMS', () => {
    expect(loadConfig({ APP_SECRET: SECRET, NODE_ENV: 'production' }).sms.sandboxAllowed).toBe(false);
  });

  describe('WEB_CONCURRENCY', () => {
    it('above 1 needs PostgreSQL and Redis, and has no sandbox', () => {
      const names = configError({ WEB_CONCURRENCY: '2' }).problems.map((problem) => problem.split(':')[0]);
      expect(names).toEqual(['DATABASE_URL', 'REDIS_URL']);
      const config = loadConfig({
        WEB_CONCURRENCY: '2',
        DATABASE_URL: 'postgres://db/app',
        REDIS_URL: 'redis://cache',
        DATA_DIR: tempDataDir(),
      });
      expect(config.webConcurrency).toBe(2);
      expect(config.sms.sandboxAllowed).toBe(false);
    });
  });

  it('lists rules between variables together with every other bad variable', () => {
    const names = configError({
      NODE_ENV: 'production',
      PORT: 'eighty',
      WEB_CONCURRENCY: '2',
      REDIS_URL: 'redis://cache',
    }).problems.map((problem) => problem.split(':')[0]);
    expect(names).toEqual(['PORT', 'APP_SECRET', 'DATABASE_URL']);
  });

  describe('SMS_TEST_NUMBERS', () => {
    it('reads phone:code pairs', () => {
      const config = loadConfig({
        APP_SECRET: SECRET,
        SMS_TEST_NUMBERS: ' +919999900001:123456, +919999900002 : 654321 ,',
      });
      expect(config.sms.testNumbers).toEqual([
        { phone: '+919999900001', code: '123456' },
        { phone: '+919999900002', code: '654321' },
      ]);
    });

    it.each([
      ['a landline', '+911123456789:123456'],
      ['a short code', '+919876512345:1234'],
      ['no code', '+919876512345'],
      ['a phone twice', '+919876512345:123456,+919876512345:654321'],
      ['an extra colon', '+919876512345:123456:1'],
    ])('refuses %s without printing the value', (_what, raw) => {
      const error = configError({ APP_SECRET: SECRET, SMS_TEST_NUMBERS: raw });
      expect(error.problems).toEqual([
        expect.stringMatching(/^SMS_TEST_NUMBERS: comma-separated \+91 mobile:6-digit code pairs/),
      ]);
      expect(error.message).not.toContain('9876512345');
    });

    it('is refused in production unless SMS_TEST_NUMBERS_IN_PRODUCTION=true', () => {
      const production = { NODE_ENV: 'production', APP_SECRET: SECRET, SMS_TEST_NUMBERS: '+919999900001:123456' };
      expect(configError(production).problems).toEqual([
        'SMS_TEST_NUMBERS: refused when NODE_ENV=production unless SMS_TEST_NUMBERS_IN_PRODUCTION=true',
      ]);
      expect(configError({ ...production, SMS_TEST_NUMBERS_IN_PRODUCTION: 'false' }).problems).toHaveLength(1);
      expect(loadConfig({ ...production, SMS_TEST_NUMBERS_IN_PRODUCTION: 'true' }).sms.testNumbers).toHaveLength(1);
      expect(loadConfig({ NODE_ENV: 'production', APP_SECRET: SECRET, SMS_TEST_NUMBERS: '' }).sms.testNumbers).toEqual(
        [],
      );
    });
  });

  describe('alerts and metrics', () => {
    it('reads the webhook, the balance threshold and the metrics token', () => {
      const config = loadConfig({
        APP_SECRET: SECRET,
        ALERT_WEBHOOK_URL: 'https://hooks.slack.com/services/T000/B000/XXXX',
        SMS_BALANCE_ALERT_BELOW: '2500',
        METRICS_TOKEN: 'm'.repeat(32),
      });
      expect(config.alerts).toEqual({
        webhookUrl: 'https://hooks.slack.com/services/T000/B000/XXXX',
        balanceBelow: 2500,
      });
      expect(config.metricsToken).toBe('m'.repeat(32));
    });

    it('refuses a webhook that is not http(s) and a short metrics token, without printing either', () => {
      const error = configError({
        APP_SECRET: SECRET,
        ALERT_WEBHOOK_URL: 'ftp://hooks.example/secret-path',
        METRICS_TOKEN: 'short-token-value',
      });
      expect(error.problems.map((problem) => problem.split(':')[0]).sort()).toEqual([
        'ALERT_WEBHOOK_URL',
        'METRICS_TOKEN',
      ]);
      expect(error.message).not.toContain('secret-path');
      expect(error.message).not.toContain('short-token-value');
    });
  });
});
