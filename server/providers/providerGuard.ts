/**
 * Wraps any SmsOtpProvider with the two protections every call to 2Factor needs:
 * - a circuit breaker (cockatiel): after `failuresToOpen` calls in a row without a usable answer, calls
 *   fail fast with `unavailable` for `halfOpenAfterMs`, then one trial call decides whether to close it;
 *   refusals (bad key, wrong code…) are answers, not failures, and never open it;
 * - the request-rate ceiling (ProviderRateGate): a call past it gets `busy`, and never reaches 2Factor.
 * The breaker sits outside the gate, so an open circuit does not use up rate slots.
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
import { ProviderError, type SmsOtpProvider } from './smsProvider.js';
import { ProviderBusyError, type ProviderRateGate } from './providerRateGate.js';
import { createSlotLine } from './providerSlotLine.js';

export interface ProviderGuardOptions {
  gate: ProviderRateGate;
  /** How long a call may wait for a rate slot before it is refused as busy. */
  maxSlotWaitMs: number;
  /**
   * The longest a provider call can run (its timeout, and some). When set, a call holds its rate slot until
   * it ends and the window counts from its answer (see providerRateGate.ts); a slot never handed back
   * frees itself after this long.
   */
  slotLeaseMs?: number;
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

export function createProviderGuard(options: ProviderGuardOptions): ProviderGuard {
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
  const slots = createSlotLine(options.gate, { maxWaitMs: options.maxSlotWaitMs, leaseMs: options.slotLeaseMs, slotSpacingMs: options.gate.slotSpacingMs ?? 0 });

  const guarded = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await breaker.execute(async () => {
        let slot: string | undefined;
        const waitStartedAt = performance.now();
        try {
          slot = await slots.take();
        } catch (error) {
          options.observer?.slotRefused();
          const retry = error instanceof ProviderBusyError ? error.retryAfterMs : 1_000;
          throw new ProviderError('busy', 'provider request-rate ceiling reached', `not called: over the request-rate ceiling, retry in ${retry} ms`, 0, {
            cause: error,
            called: false,
            retryAfterMs: retry,
          });
        }
        options.observer?.slotGranted(performance.now() - waitStartedAt);
        if (slot === undefined) return call();
        const leased = slot;
        try {
          return await call();
        } finally {
          // Not awaited: the answer need not wait for it. If it fails, the lease ends by itself.
          options.gate.release?.(leased).catch(() => undefined);
        }
      });
    } catch (error) {
      if (error instanceof BrokenCircuitError || error instanceof IsolatedCircuitError) {
        throw new ProviderError('unavailable', '2Factor circuit open', 'not called: 2Factor failed repeatedly, pausing calls', 0, {
          called: false,
        });
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
