/**
 * Sandbox mode: with no API key outside production, the real 2Factor client talks to the built-in
 * simulator, started in this process on a loopback port. Each sandbox SMS is printed to the server log
 * with its code (the only place codes are ever logged: nothing is really sent), and admins see the code
 * of their test sends on the Settings page.
 */
import type { Logger } from 'pino';
import { maskPhone } from '../../common/phone.js';
import { startTwoFactorSimulator, type TwoFactorSimulator } from '../providers/twoFactor/simulator.js';

export interface Sandbox {
  baseUrl: string;
  apiKey: string;
  /** The code the simulator texted for this 2Factor session id. */
  codeForSession(providerSessionId: string): string | undefined;
  close(): Promise<void>;
}

export const SANDBOX_API_KEY = 'sandbox-0000-0000-0000-000000000000';

export function sandboxFromSimulator(simulator: TwoFactorSimulator): Sandbox {
  return {
    baseUrl: simulator.url,
    apiKey: SANDBOX_API_KEY,
    codeForSession(providerSessionId) {
      const message = simulator.outbox().findLast((m) => m.providerSessionId === providerSessionId);
      return message?.code ?? message?.variables?.[0];
    },
    close: () => simulator.close(),
  };
}

export async function startSandbox(logger: Logger): Promise<Sandbox> {
  const simulator = await startTwoFactorSimulator({
    host: '127.0.0.1',
    port: 0,
    onMessage: (message) => {
      const code = message.code ?? message.variables?.[0] ?? '';
      logger.info(`sandbox SMS to ${maskPhone(message.phone)}: code ${code} (simulated, not sent)`);
    },
  });
  return sandboxFromSimulator(simulator);
}
