/**
 * The 2Factor simulator's control API (`/__simulator/…`, simulator only, never on 2Factor), seen from the
 * tests: what it delivered, and how many API calls reached it. Codes come from here, never from server logs.
 */
import type {
  DeliveryReportSettings,
  DeliveryReportStatus,
  SimulatorMessage,
  SimulatorStats,
} from '../../server/providers/twoFactor/simulator.js';

export type { DeliveryReportSettings, DeliveryReportStatus, SimulatorMessage, SimulatorStats };

/** How long to wait for the server's provider call to show up in the simulator. */
const DELIVERY_TIMEOUT_MS = 20_000;
/** How often the outbox is read while waiting for a delivery. */
const DELIVERY_POLL_MS = 100;
/** One control call; the simulator answers in milliseconds unless it is stuck. */
const CONTROL_CALL_TIMEOUT_MS = 10_000;

export class SimulatorClient {
  constructor(readonly url: string) {}

  private async get<T>(pathAndQuery: string): Promise<T> {
    const response = await fetch(`${this.url}${pathAndQuery}`, {
      signal: AbortSignal.timeout(CONTROL_CALL_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`simulator ${pathAndQuery}: HTTP ${response.status}`);
    return (await response.json()) as T;
  }

  stats(): Promise<SimulatorStats> {
    return this.get('/__simulator/stats');
  }

  /** Delivered messages (newest last), all or for one E.164 phone. */
  outbox(phone?: string): Promise<SimulatorMessage[]> {
    return this.get(`/__simulator/outbox${phone === undefined ? '' : `?phone=${encodeURIComponent(phone)}`}`);
  }

  async lastCode(phone: string): Promise<string | null> {
    const { code } = await this.get<{ code: string | null }>(
      `/__simulator/last-code?phone=${encodeURIComponent(phone)}`,
    );
    return code;
  }

  /** How many OTP messages this phone has received so far; pass it to `codeAfter` to read the next code. */
  async otpCount(phone: string): Promise<number> {
    return (await this.outbox(phone)).filter((message) => message.kind === 'otp').length;
  }

  /**
   * The code of the first OTP message to `phone` after the first `previousCount` ones, waiting for it to arrive.
   * Counting first and reading after the send means a code from an earlier send is never mistaken for this one.
   */
  async codeAfter(phone: string, previousCount: number): Promise<string> {
    const deadline = Date.now() + DELIVERY_TIMEOUT_MS;
    for (;;) {
      const messages = (await this.outbox(phone)).filter((message) => message.kind === 'otp');
      const next = messages[previousCount];
      if (next?.code) {
        const last = await this.lastCode(phone);
        if (messages.length === previousCount + 1 && last !== next.code) {
          throw new Error(`simulator: last-code for ${phone} (${last}) disagrees with its outbox (${next.code})`);
        }
        return next.code;
      }
      if (Date.now() > deadline)
        throw new Error(
          `simulator: no OTP #${previousCount + 1} delivered to ${phone} within ${DELIVERY_TIMEOUT_MS} ms`,
        );
      await new Promise((resolve) => setTimeout(resolve, DELIVERY_POLL_MS));
    }
  }

  /** Delivery report settings (merged in): where reports go, their delay, outcome mix and the voice fault. */
  async setDeliveryReports(settings: Partial<DeliveryReportSettings>): Promise<DeliveryReportStatus> {
    const response = await fetch(`${this.url}/__simulator/delivery-reports`, {
      method: 'POST',
      body: JSON.stringify(settings),
      signal: AbortSignal.timeout(CONTROL_CALL_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`simulator delivery-reports: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as DeliveryReportStatus;
  }

  /** Reports posted, failed and still pending, with the settings in force. */
  deliveryReports(): Promise<DeliveryReportStatus> {
    return this.get('/__simulator/delivery-reports');
  }

  async reset(): Promise<void> {
    const response = await fetch(`${this.url}/__simulator/reset`, {
      method: 'POST',
      signal: AbortSignal.timeout(CONTROL_CALL_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`simulator reset: HTTP ${response.status}`);
  }
}

/** A 6-digit code that is certainly not `code`. */
export function wrongCodeFor(code: string): string {
  return String((Number(code) + 1) % 1_000_000).padStart(6, '0');
}
