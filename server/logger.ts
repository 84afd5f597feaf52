/**
 * pino, with two layers of protection for secrets:
 * 1. `redact` removes known-sensitive fields (cookies, passwords, OTP codes, API keys) wherever they appear;
 * 2. every line is scrubbed of the registered secret values (the 2Factor API key in use), so a key that
 *    slips into a message or an error string (it is a URL path segment) is still never written.
 */
import pino, { type Logger } from 'pino';

export const REDACTED = '[REDACTED]';
/** Shorter values are not scrubbed: they would blank ordinary words and numbers all over the log. */
const MIN_SCRUBBED_SECRET_LENGTH = 6;

/** Secret values (not field names) that must never reach a log line. Registered at runtime. */
export class SecretRegistry {
  private readonly values = new Set<string>();

  add(secret: string | undefined): void {
    if (secret && secret.length >= MIN_SCRUBBED_SECRET_LENGTH) this.values.add(secret);
  }

  scrub(text: string): string {
    let out = text;
    for (const secret of this.values) {
      if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
    }
    return out;
  }
}

const REDACT_PATHS = [
  'password',
  '*.password',
  'otp',
  '*.otp',
  // Supabase's Send SMS Hook payload: { sms: { otp } }, wherever it is nested.
  '*.*.otp',
  // PGlite attaches the bound parameters of a failed query to its error: phones and hashes, not for logs.
  'err.params',
  'apiKey',
  '*.apiKey',
  'api_key',
  '*.api_key',
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'headers.authorization',
];

export interface LoggerOptions {
  level: string;
  secrets: SecretRegistry;
  pretty?: boolean;
  destination?: pino.DestinationStream;
}

export function createLogger({ level, secrets, pretty, destination }: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    level,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    hooks: { streamWrite: (line) => secrets.scrub(line) },
    base: undefined,
  };
  if (destination) return pino(options, destination);
  if (pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } },
    });
  }
  return pino(options);
}
