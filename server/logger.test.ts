import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED, SecretRegistry } from './logger.js';

function captureLogger(secrets = new SecretRegistry()) {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'debug',
    secrets,
    destination: { write: (line: string) => void lines.push(line) },
  });
  return { logger, secrets, text: () => lines.join(''), lines };
}

describe('logger', () => {
  it('redacts passwords, OTP codes, API keys, cookies and failed-query parameters, up to one level deep', () => {
    const { logger, text } = captureLogger();
    logger.info(
      {
        password: 'hunter2-password',
        body: { password: 'nested-password', otp: '482913', apiKey: 'body-api-key' },
        otp: '123456',
        err: { message: 'duplicate key', params: ['bound-value-one', 'bound-value-two'] },
        api_key: 'snake-api-key',
        req: { headers: { cookie: 'sid=session-token-value', authorization: 'Bearer bearer-token-value' } },
        res: { headers: { 'set-cookie': 'sid=new-session-token' } },
        phone: '+919876543210',
      },
      'login attempt',
    );
    const line = JSON.parse(text()) as Record<string, unknown>;
    expect(line).toMatchObject({
      password: REDACTED,
      body: { password: REDACTED, otp: REDACTED, apiKey: REDACTED },
      otp: REDACTED,
      err: { params: REDACTED },
      api_key: REDACTED,
      req: { headers: { cookie: REDACTED, authorization: REDACTED } },
      res: { headers: { 'set-cookie': REDACTED } },
      phone: '+919876543210',
      msg: 'login attempt',
    });
    for (const secret of [
      'hunter2',
      'nested-password',
      '482913',
      'body-api-key',
      '123456',
      'bound-value',
      'snake-api-key',
      'session-token',
      'bearer-token',
    ]) {
      expect(text()).not.toContain(secret);
    }
  });

  it('scrubs a registered secret from any line: message, fields and error strings', () => {
    const apiKey = 'b6f5a1c2-7d3e-11ef-9a8b-0242ac120002';
    const { logger, secrets, text, lines } = captureLogger();
    secrets.add(apiKey);
    logger.info(`GET https://2factor.in/API/V1/${apiKey}/SMS/+919876543210/AUTOGEN`);
    logger.warn({ url: `/API/V1/${apiKey}/BAL/SMS`, attempt: 2 }, 'provider slow');
    logger.error({ err: new Error(`fetch failed for /API/V1/${apiKey}/SMS/VERIFY3`) }, 'provider call failed');

    expect(lines).toHaveLength(3);
    expect(text()).not.toContain(apiKey);
    expect(text().split(REDACTED)).toHaveLength(1 + 1 + 1 + 2); // message, field, error message and its stack
    const errorLine = JSON.parse(lines[2]!) as { err: { message: string; stack: string } };
    expect(errorLine.err.message).toBe(`fetch failed for /API/V1/${REDACTED}/SMS/VERIFY3`);
    expect(errorLine.err.stack).not.toContain(apiKey);
  });

  it('scrubs secrets registered after the logger was created (a key saved in Settings)', () => {
    const { logger, secrets, text } = captureLogger();
    logger.info('before any key');
    secrets.add('late-registered-secret-key');
    logger.info('using late-registered-secret-key now');
    expect(text()).not.toContain('late-registered-secret-key');
    expect(text()).toContain(`using ${REDACTED} now`);
  });

  it('ignores secrets shorter than 6 characters, which would scrub ordinary words', () => {
    const secrets = new SecretRegistry();
    secrets.add('abc');
    secrets.add(undefined);
    secrets.add('');
    expect(secrets.scrub('abc def')).toBe('abc def');
  });
});
