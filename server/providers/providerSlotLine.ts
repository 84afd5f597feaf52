/**
 * Waiting for a rate slot in line (one line per process), so that waiting stays cheap and refusals fast
 * when more calls arrive than the ceiling lets through:
 * - a call that finds nobody waiting asks the gate at once;
 * - otherwise it queues; only the front of the line asks the gate (when the gate says a slot frees), the
 *   others wait without asking, so a crowd of waiters does not poll Redis;
 * - a call whose turn cannot come within `maxWaitMs` is refused with ProviderBusyError at once (at best the
 *   line moves one call every `slotSpacingMs`, the ceiling's pace) instead of waiting to fail.
 * Across instances the gate still decides: each instance's head competes for the shared slots.
 */
import { ProviderBusyError, type ProviderRateGate } from './providerRateGate.js';

export interface SlotLineOptions {
  /** Longest a call may wait for its slot. */
  maxWaitMs: number;
  /** Lease asked of the gate (see ProviderRateGate.tryTake). */
  leaseMs?: number;
  /** The ceiling's pace: windowMs / maxPerWindow (5 ms at 200 calls a second). */
  slotSpacingMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface SlotLine {
  /** Resolves with the slot (a lease to release, or undefined), or rejects with ProviderBusyError. */
  take(): Promise<string | undefined>;
  /** Calls waiting now. */
  readonly waiting: () => number;
}

interface Waiter {
  deadline: number;
  resolve: (slot: string | undefined) => void;
  reject: (error: unknown) => void;
}

/** The most calls the line asks the gate for in one round. */
const MAX_ASKS_AT_ONCE = 32;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createSlotLine(gate: ProviderRateGate, options: SlotLineOptions): SlotLine {
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? defaultSleep;
  const line: Waiter[] = [];
  let serving = false;
  /** When the head of the line asks the gate next. */
  let nextTryAt = 0;

  const busy = (retryInMs: number) => new ProviderBusyError(Math.max(1, Math.ceil(retryInMs)));
  /** The earliest a waiter at `position` (0: the head) can get a slot. */
  const turnAt = (position: number) => Math.max(nextTryAt, now()) + position * options.slotSpacingMs;

  /** Refuses, from the back, every waiter whose turn cannot come before its deadline. */
  const refuseHopeless = () => {
    for (let position = line.length - 1; position >= 0; position -= 1) {
      const waiter = line[position]!;
      const at = turnAt(position);
      if (at > waiter.deadline) {
        line.splice(position, 1);
        waiter.reject(busy(at - now()));
      }
    }
  };

  /**
   * The front of the line asks the gate until the line is empty. One caller asks first; while every ask is
   * granted the next round asks for twice as many at once (up to MAX_ASKS_AT_ONCE), so a burst of freed
   * slots is taken in a few round trips, and a refused round goes back to one ask after its wait.
   */
  const serve = async () => {
    if (serving) return;
    serving = true;
    let asks = 1;
    try {
      while (line.length > 0) {
        refuseHopeless();
        if (line.length === 0) break;
        if (nextTryAt > now()) await sleep(nextTryAt - now());
        const count = Math.min(asks, line.length);
        const answers = await Promise.allSettled(Array.from({ length: count }, () => gate.tryTake(options.leaseMs)));
        let retryInMs = Infinity;
        let failure: PromiseRejectedResult | undefined;
        for (const answer of answers) {
          if (answer.status === 'rejected') failure = answer;
          else if (answer.value.granted) line.shift()!.resolve(answer.value.slot);
          else retryInMs = Math.min(retryInMs, answer.value.retryInMs);
        }
        if (failure) {
          // The gate cannot be read (Redis down): nobody in line can get a slot now.
          for (const waiter of line.splice(0)) waiter.reject(failure.reason);
          return;
        }
        if (retryInMs === Infinity) {
          asks = Math.min(asks * 2, MAX_ASKS_AT_ONCE);
          continue;
        }
        asks = 1;
        // Jitter: the lines of several instances do not all ask again at the same instant.
        nextTryAt = now() + retryInMs + Math.random() * 2;
      }
    } finally {
      serving = false;
    }
  };

  const wait = (arrivedAt: number) =>
    new Promise<string | undefined>((resolve, reject) => {
      line.push({ deadline: arrivedAt + options.maxWaitMs, resolve, reject });
      void serve();
    });

  return {
    async take() {
      const arrivedAt = now();
      if (line.length === 0) {
        const answer = await gate.tryTake(options.leaseMs);
        if (answer.granted) return answer.slot;
        if (answer.retryInMs > options.maxWaitMs) throw busy(answer.retryInMs);
        // Someone may have joined the line meanwhile, behind a head that asks later than this answer says.
        nextTryAt = line.length === 0 ? now() + answer.retryInMs : Math.max(nextTryAt, now() + answer.retryInMs);
        return wait(arrivedAt);
      }
      const at = turnAt(line.length);
      if (at > arrivedAt + options.maxWaitMs) throw busy(at - arrivedAt);
      return wait(arrivedAt);
    },
    waiting: () => line.length,
  };
}
