/**
 * Wraps any SmsOtpProvider with the two protections every call to 2Factor needs:
 * - a circuit breaker (cockatiel): after `failuresToOpen` calls in a row without a usable answer, calls
 *   fail fast with `unavailable` for `halfOpenAfterMs`, then one trial call decides whether to close it;
 *   refusals (bad key, wrong code…) are answers, not failures, and never open it;
 * - the request-rate ceiling (providerCeiling.ts): a call past it gets `busy`, and never reaches 2Factor.
 *   Bursts are smoothed by one line per process, first come first served: only its head waits for the
 *   ceiling, everyone else waits for their turn, and a call whose turn cannot come within `maxWaitMs` is
 *   refused at once rather than waiting to fail. A ceiling that cannot be read refuses every call (fail closed).
 * The breaker sits outside the ceiling, so an open circuit does not use up rate slots.
 */
import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
  IsolatedCircuitError,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { ProviderCeiling } from './providerCeiling.js';
import { ProviderError, type SmsOtpProvider } from './smsProvider.js';

export interface ProviderGuardOptions {
  ceiling: ProviderCeiling;
  /** How long a call may wait for a rate slot before it is refused as busy. */
  maxWaitMs: number;
  failuresToOpen: number;
  halfOpenAfterMs: number;
  /** Told about rate slots (metrics). */
  observer?: ProviderGuardObserver;
  /** For `openSince`. */
  now?: () => number;
}

export interface ProviderGuardObserver {
  /** A call got its rate slot after waiting `waitedMs` in line. */
  slotGranted(waitedMs: number): void;
  /** A call was refused as busy: its slot could not come in time. */
  slotRefused(): void;
}

export interface ProviderGuard {
  wrap(provider: SmsOtpProvider): SmsOtpProvider;
  /** Closes the circuit, e.g. after an admin saved a new API key. */
  reset(): void;
  readonly state: () => 'closed' | 'open' | 'half-open';
  /** When the circuit opened, while it stays open or half-open (trials failing); undefined once closed. */
  readonly openSince: () => number | undefined;
}

/** A call held back by the ceiling, with when to try again. */
class OverCeiling extends Error {
  constructor(readonly retryInMs: number) {
    super('provider request-rate ceiling reached');
  }
}

interface Waiter {
  deadline: number;
  resolve: (lease: string) => void;
  reject: (error: unknown) => void;
}

/** When the store cannot say when a slot frees (Redis down), the client is told to retry in this long. */
const UNREADABLE_CEILING_RETRY_MS = 1_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createProviderGuard(options: ProviderGuardOptions): ProviderGuard {
  const { ceiling, maxWaitMs } = options;
  const now = options.now ?? Date.now;
  let openSinceMs: number | undefined;
  const watch = (policy: CircuitBreakerPolicy) => {
    policy.onBreak(() => {
      openSinceMs ??= now();
    });
    policy.onReset(() => {
      openSinceMs = undefined;
    });
    return policy;
  };
  let breaker = watch(newBreaker(options));

  // The line moves at best one call per slot the ceiling frees, one every `slotSpacingMs`.
  const slotSpacingMs = 1_000 / ceiling.maxPerSecond;
  const line: Waiter[] = [];
  let serving = false;

  /** The head asks the ceiling until the line is empty; whoever cannot be served before the next slot goes. */
  const serve = async () => {
    if (serving) return;
    serving = true;
    try {
      while (line.length > 0) {
        let answer;
        try {
          answer = await ceiling.acquire();
        } catch (error) {
          for (const waiter of line.splice(0)) waiter.reject(error);
          return;
        }
        if ('lease' in answer) {
          line.shift()!.resolve(answer.lease);
          continue;
        }
        const nextTryAt = performance.now() + answer.retryInMs;
        for (let i = line.length - 1; i >= 0; i -= 1) {
          if (line[i]!.deadline < nextTryAt) line.splice(i, 1)[0]!.reject(new OverCeiling(answer.retryInMs));
        }
        if (line.length > 0) await sleep(answer.retryInMs);
      }
    } finally {
      serving = false;
    }
  };

  const lease = async (): Promise<string> => {
    const arrivedAt = performance.now();
    let soonestMs = 0;
    if (line.length === 0) {
      const answer = await ceiling.acquire();
      if ('lease' in answer) return answer.lease;
      soonestMs = answer.retryInMs;
    }
    // The earliest this call's turn can come: refused now if that is past its wait budget.
    const turnInMs = soonestMs + line.length * slotSpacingMs;
    if (turnInMs > maxWaitMs) throw new OverCeiling(Math.ceil(turnInMs));
    return new Promise<string>((resolve, reject) => {
      line.push({ deadline: arrivedAt + maxWaitMs, resolve, reject });
      void serve();
    });
  };

  const guarded = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await breaker.execute(async () => {
        const waitStartedAt = performance.now();
        let leased: string;
        try {
          leased = await lease();
        } catch (error) {
          options.observer?.slotRefused();
          const retry = error instanceof OverCeiling ? error.retryInMs : UNREADABLE_CEILING_RETRY_MS;
          throw new ProviderError(
            'busy',
            'provider request-rate ceiling reached',
            `not called: over the request-rate ceiling, retry in ${retry} ms`,
            0,
            {
              cause: error,
              called: false,
              retryAfterMs: retry,
            },
          );
        }
        options.observer?.slotGranted(performance.now() - waitStartedAt);
        try {
          return await call();
        } finally {
          // Not awaited: the answer need not wait for it. If it fails, the lease ends by itself.
          ceiling.release(leased).catch(() => undefined);
        }
      });
    } catch (error) {
      if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
        throw new ProviderError(
          'unavailable',
          '2Factor circuit open',
          'not called: 2Factor failed repeatedly, pausing calls',
          0,
          {
            called: false,
          },
        );
      }
      throw error;
    }
  };

  return {
    wrap(provider) {
      return {
        sendOtp: (input) => guarded(() => provider.sendOtp(input)),
        verifyOtp: (input) => guarded(() => provider.verifyOtp(input)),
        sendGivenOtp: (input, callOptions) => guarded(() => provider.sendGivenOtp(input, callOptions)),
        sendTemplateSms: (input, callOptions) => guarded(() => provider.sendTemplateSms(input, callOptions)),
        getBalance: (account) => guarded(() => provider.getBalance(account)),
      };
    },
    reset() {
      breaker = watch(newBreaker(options));
      openSinceMs = undefined;
    },
    state: () => {
      const state = breaker.state;
      return state === CircuitState.Closed ? 'closed' : state === CircuitState.HalfOpen ? 'half-open' : 'open';
    },
    openSince: () => openSinceMs,
  };
}

function newBreaker(options: ProviderGuardOptions): CircuitBreakerPolicy {
  // A half-open trial held back by the rate ceiling never reached 2Factor: cockatiel would read that unhandled
  // error as a successful trial and close the circuit. Counting it as a failed trial keeps the circuit open.
  const policy: CircuitBreakerPolicy = circuitBreaker(
    handleWhen(
      (error) =>
        error instanceof ProviderError &&
        (error.kind === 'unavailable' || (error.kind === 'busy' && policy.state === CircuitState.HalfOpen)),
    ),
    { halfOpenAfter: options.halfOpenAfterMs, breaker: new ConsecutiveBreaker(options.failuresToOpen) },
  );
  return policy;
}
