/**
 * Sandbox mode: with no API key outside production, the real 2Factor client talks to the built-in
 * simulator, started in this process on a loopback port. Each sandbox SMS is printed to the server log
 * with its code (the only place codes are ever logged: nothing is really sent), and admins see the code
 * of their test sends on the Settings page.
 *
 * The simulator also reports each sandbox SMS as delivered, after SANDBOX_DELIVERY_DELAY_MS, to the app's own
 * delivery callback route (server/index.ts points it there once the server listens), so the delivery funnel on
 * the Settings page fills as it would with 2Factor. Without TWO_FACTOR_CALLBACK_TOKEN that route uses a random
 * token made here, which nothing outside this process knows.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { maskPhone } from '../../../common/phone.js';
import type { Sandbox } from '../sandbox.js';
import { startTwoFactorSimulator, type TwoFactorSimulator } from './simulator.js';

export const SANDBOX_API_KEY = 'sandbox-0000-0000-0000-000000000000';
/** From a sandbox SMS to its delivery report: long enough to see "awaiting a report" on the page first. */
export const SANDBOX_DELIVERY_DELAY_MS = 1_500;

export function sandboxFromSimulator(simulator: TwoFactorSimulator): Sandbox {
  return {
    baseUrl: simulator.url,
    apiKey: SANDBOX_API_KEY,
    codeForSession: (providerSessionId) => simulator.codeForSession(providerSessionId),
    callbackToken: randomBytes(32).toString('base64url'),
    reportDeliveriesTo: (app, token) =>
      simulator.setDeliveryReports({ callbackUrl: appCallbackUrl(app.host, app.port, token) }),
    close: () => simulator.close(),
  };
}

/** The app's own delivery callback route; an app listening on every interface is reached on loopback. */
function appCallbackUrl(host: string, port: number, token: string): string {
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const urlHost = reachable.includes(':') ? `[${reachable}]` : reachable;
  return `http://${urlHost}:${port}/api/sms/callbacks/2factor/${token}`;
}

export async function startSandbox(logger: Logger): Promise<Sandbox> {
  const simulator = await startTwoFactorSimulator({
    host: '127.0.0.1',
    port: 0,
    onMessage: (message) => {
      const code = message.code ?? message.variables?.[0] ?? '';
      logger.info(`sandbox SMS to ${maskPhone(message.phone)}: code ${code} (simulated, not sent)`);
    },
    deliveryReports: { delayMs: SANDBOX_DELIVERY_DELAY_MS, mix: { delivered: 1, failed: 0, rejected: 0 } },
  });
  return sandboxFromSimulator(simulator);
}
