/**
 * Runs the 2Factor simulator as its own process, for the e2e suite, benchmarks and local development:
 *
 *   node dist/server/server/providers/twoFactor/simulatorCli.js --port 4010 [--host 127.0.0.1]
 *        [--latency-ms 300] [--valid-key KEY]... [--otp-ttl-ms 600000]
 *        [--callback-url http://127.0.0.1:3000/api/sms/callbacks/2factor/TOKEN] [--callback-delay-ms 1000]
 *
 * Prints exactly one line once it listens (`2Factor simulator listening on http://…`), which scripts wait
 * for, and stops cleanly on SIGTERM / SIGINT. Tests drive it through its `/__simulator/` control API.
 * With --callback-url it posts a delivery report for every message, as 2Factor does (outcome mix and the
 * voice-instead-of-SMS fault: POST /__simulator/delivery-reports).
 */
import { parseArgs } from 'node:util';
import { MAX_INJECTED_DELAY_MS, startTwoFactorSimulator } from './simulator.js';

/** The port scripts and the e2e suite expect when none is given. */
const DEFAULT_PORT = 4010;
/** The longest code lifetime accepted: a day. */
const MAX_OTP_TTL_MS = 86_400_000;

function integerOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
    throw new Error(`--${name} must be an integer from ${min} to ${max}, got "${value}"`);
  }
  return parsed;
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'latency-ms': { type: 'string' },
      'valid-key': { type: 'string', multiple: true },
      'otp-ttl-ms': { type: 'string' },
      'callback-url': { type: 'string' },
      'callback-delay-ms': { type: 'string' },
    },
    strict: true,
  });
  const simulator = await startTwoFactorSimulator({
    host: values.host ?? '127.0.0.1',
    port: integerOption('port', values.port, 0, 65_535) ?? DEFAULT_PORT,
    latencyMs: integerOption('latency-ms', values['latency-ms'], 0, MAX_INJECTED_DELAY_MS) ?? 0,
    otpTtlMs: integerOption('otp-ttl-ms', values['otp-ttl-ms'], 1, MAX_OTP_TTL_MS),
    ...(values['valid-key'] ? { validApiKeys: values['valid-key'] } : {}),
    deliveryReports: {
      callbackUrl: values['callback-url'] ?? null,
      ...(values['callback-delay-ms'] === undefined
        ? {}
        : { delayMs: integerOption('callback-delay-ms', values['callback-delay-ms'], 0, MAX_INJECTED_DELAY_MS) }),
    },
  });
  console.log(`2Factor simulator listening on ${simulator.url}`);

  const stop = () => {
    simulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(`2Factor simulator failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
