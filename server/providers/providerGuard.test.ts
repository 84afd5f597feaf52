import { describe, expect, it, vi } from 'vitest';
import { memoryCeiling, type Acquired, type ProviderCeiling } from './providerCeiling.js';
import { createProviderGuard, type ProviderGuardOptions } from './providerGuard.js';
import { ProviderError, type SmsOtpProvider } from './smsProvider.js';

type Behaviour = 'ok' | 'unavailable' | 'rejected';

/** An inner provider whose every call does what `behaviour` says, counting calls. */
function fakeProvider() {
  const state = { behaviour: 'ok' as Behaviour, calls: 0 };
  const answer = async <T>(value: T) => {
    state.calls += 1;
    if (state.behaviour === 'unavailable')
      throw new ProviderError('unavailable', '2Factor sendOtp unavailable: HTTP 500', 'HTTP 500 from provider', 12);
    if (state.behaviour === 'rejected')
      throw new ProviderError('rejected', '2Factor sendOtp rejected: Invalid API Key', 'Invalid API Key', 9);
    return { value, responseTimeMs: 7, details: 'ok' };
  };
  const provider: SmsOtpProvider = {
    sendOtp: () => answer({ providerSessionId: 'p-1' }),
    verifyOtp: () => answer({ outcome: 'matched' as const }),
    sendGivenOtp: () => answer({ providerSessionId: 'g-1' }),
    sendTemplateSms: () => answer({ providerSessionId: 't-1' }),
    getBalance: () => answer({ balance: '500' }),
  };
  return { provider, state };
}

/** A ceiling that answers what `answer` says, counting what it was asked. */
function scriptedCeiling(answer: () => Promise<Acquired> = async () => ({ lease: 'l' })) {
  const asked = { acquired: 0, released: 0 };
  const ceiling: ProviderCeiling = {
    maxPerSecond: 1_000,
    acquire: () => ((asked.acquired += 1), answer()),
    release: async () => void (asked.released += 1),
  };
  return { ceiling, asked };
}

function guardWith(options: Partial<ProviderGuardOptions> = {}) {
  const guard = createProviderGuard({
    ceiling: scriptedCeiling().ceiling,
    maxWaitMs: 0,
    failuresToOpen: 3,
    halfOpenAfterMs: 60_000,
    ...options,
  });
  const inner = fakeProvider();
  return { guard, inner, provider: guard.wrap(inner.provider) };
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

/** The breaker times its pause on the wall clock: move the wall clock instead of waiting. */
function pause(ms: number) {
  if (vi.isFakeTimers()) vi.setSystemTime(Date.now() + ms);
  else vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + ms });
}

describe('createProviderGuard: circuit breaker', () => {
  it('passes answers and refusals through unchanged while closed', async () => {
    const { provider, inner, guard } = guardWith();
    await expect(provider.sendOtp({ phone: '+919876543210' })).resolves.toEqual({
      value: { providerSessionId: 'p-1' },
      responseTimeMs: 7,
      details: 'ok',
    });
    inner.state.behaviour = 'rejected';
    const refused = await failure(provider.verifyOtp({ providerSessionId: 'p-1', otp: '123456' }));
    expect(refused).toMatchObject({ kind: 'rejected', details: 'Invalid API Key', called: true });
    expect(guard.state()).toBe('closed');
  });

  it('opens after N consecutive unavailable failures; then calls fail fast, not called, and the provider is not reached', async () => {
    const { provider, inner, guard } = guardWith({ failuresToOpen: 3, halfOpenAfterMs: 60_000 });
    inner.state.behaviour = 'unavailable';
    for (let i = 0; i < 3; i++) {
      const error = await failure(provider.sendOtp({ phone: '+919876543210' }));
      expect(error).toMatchObject({ kind: 'unavailable', called: true, details: 'HTTP 500 from provider' });
    }
    expect(guard.state()).toBe('open');
    expect(inner.state.calls).toBe(3);

    inner.state.behaviour = 'ok';
    for (const call of [
      () => provider.sendOtp({ phone: '+919876543210' }),
      () => provider.verifyOtp({ providerSessionId: 'p', otp: '123456' }),
      () => provider.sendTemplateSms({ from: 'TFCTOR', to: '+919876543210', templateName: 'T', variables: [] }),
      () => provider.getBalance(),
    ]) {
      const error = await failure(call());
      expect(error.kind).toBe('unavailable');
      expect(error.called).toBe(false);
      expect(error.responseTimeMs).toBe(0);
    }
    expect(inner.state.calls).toBe(3);
  });

  it('counts only consecutive failures: an answer in between starts the count again', async () => {
    const { provider, inner, guard } = guardWith({ failuresToOpen: 3 });
    for (const behaviour of ['unavailable', 'unavailable', 'ok', 'unavailable', 'unavailable'] as const) {
      inner.state.behaviour = behaviour;
      await provider.getBalance().catch(() => undefined);
    }
    expect(guard.state()).toBe('closed');
  });

  it('never opens on refusals (bad key, wrong template): the provider answered', async () => {
    const { provider, inner, guard } = guardWith({ failuresToOpen: 2 });
    inner.state.behaviour = 'rejected';
    for (let i = 0; i < 10; i++) await provider.sendOtp({ phone: '+919876543210' }).catch(() => undefined);
    expect(guard.state()).toBe('closed');
    expect(inner.state.calls).toBe(10);
  });

  it('half-opens after the pause, lets one trial call through and closes after its success', async () => {
    const { provider, inner, guard } = guardWith({ failuresToOpen: 2, halfOpenAfterMs: 60_000 });
    inner.state.behaviour = 'unavailable';
    for (let i = 0; i < 2; i++) await provider.sendOtp({ phone: '+919876543210' }).catch(() => undefined);
    expect(guard.state()).toBe('open');

    inner.state.behaviour = 'ok';
    pause(60_000);
    await expect(provider.sendOtp({ phone: '+919876543210' })).resolves.toMatchObject({
      value: { providerSessionId: 'p-1' },
    });
    expect(guard.state()).toBe('closed');
    expect(inner.state.calls).toBe(3);
    await provider.getBalance();
    expect(inner.state.calls).toBe(4);
  });

  it('opens again when the trial call fails', async () => {
    const { provider, inner, guard } = guardWith({ failuresToOpen: 2, halfOpenAfterMs: 60_000 });
    inner.state.behaviour = 'unavailable';
    for (let i = 0; i < 2; i++) await provider.sendOtp({ phone: '+919876543210' }).catch(() => undefined);
    pause(60_000);
    const trial = await failure(provider.sendOtp({ phone: '+919876543210' }));
    expect(trial.called).toBe(true);
    expect(guard.state()).toBe('open');
    const fast = await failure(provider.sendOtp({ phone: '+919876543210' }));
    expect(fast.called).toBe(false);
    expect(inner.state.calls).toBe(3);
  });

  it('closes on reset() (a new API key was saved)', async () => {
    const { provider, inner, guard } = guardWith({ failuresToOpen: 1, halfOpenAfterMs: 60_000 });
    inner.state.behaviour = 'unavailable';
    await provider.getBalance().catch(() => undefined);
    expect(guard.state()).toBe('open');
    guard.reset();
    expect(guard.state()).toBe('closed');
    inner.state.behaviour = 'ok';
    await expect(provider.getBalance()).resolves.toMatchObject({ value: { balance: '500' } });
  });
});

describe('createProviderGuard: how long the circuit has been open (for the alert)', () => {
  it('keeps the time it first opened while trials fail, and forgets it once closed or reset', async () => {
    let nowMs = 1_000;
    const { provider, inner, guard } = guardWith({ failuresToOpen: 2, halfOpenAfterMs: 60_000, now: () => nowMs });
    expect(guard.openSince()).toBeUndefined();
    inner.state.behaviour = 'unavailable';
    for (let i = 0; i < 2; i++) await provider.getBalance().catch(() => undefined);
    expect(guard.openSince()).toBe(1_000);

    nowMs = 70_000;
    pause(60_000);
    await provider.getBalance().catch(() => undefined); // the trial fails: open again, still since 1 000
    expect(guard.state()).toBe('open');
    expect(guard.openSince()).toBe(1_000);

    inner.state.behaviour = 'ok';
    pause(60_000);
    await provider.getBalance();
    expect(guard.state()).toBe('closed');
    expect(guard.openSince()).toBeUndefined();

    inner.state.behaviour = 'unavailable';
    for (let i = 0; i < 2; i++) await provider.getBalance().catch(() => undefined);
    expect(guard.openSince()).toBe(70_000);
    guard.reset();
    expect(guard.openSince()).toBeUndefined();
  });
});

describe('createProviderGuard: request-rate ceiling', () => {
  it('answers busy, not called, with when to retry, once the ceiling refuses; the provider is not reached', async () => {
    let now = 0;
    const { provider, inner } = guardWith({ ceiling: memoryCeiling(2, 10_000, () => now), maxWaitMs: 0 });
    await provider.sendOtp({ phone: '+919876543210' });
    now = 400;
    await provider.sendOtp({ phone: '+919876543211' });
    const busy = await failure(provider.sendOtp({ phone: '+919876543212' }));
    expect(busy).toMatchObject({ kind: 'busy', called: false, retryAfterMs: 600, responseTimeMs: 0 });
    expect(inner.state.calls).toBe(2);
    now = 1_000;
    await expect(provider.sendOtp({ phone: '+919876543212' })).resolves.toBeDefined();
  });

  it('holds the slot while the call runs and hands it back when it ends, answer or failure', async () => {
    const { ceiling, asked } = scriptedCeiling();
    const { provider, inner } = guardWith({ ceiling });
    await provider.sendOtp({ phone: '+919876543210' });
    inner.state.behaviour = 'rejected';
    expect((await failure(provider.sendOtp({ phone: '+919876543211' }))).kind).toBe('rejected');
    expect(asked).toEqual({ acquired: 2, released: 2 });
  });

  it('waits briefly for a slot that frees within the wait budget, then calls', async () => {
    const { provider, inner } = guardWith({ ceiling: memoryCeiling(1, 10_000), maxWaitMs: 1_500 });
    const first = provider.sendOtp({ phone: '+919876543210' });
    const second = provider.sendOtp({ phone: '+919876543211' });
    await expect(Promise.all([first, second])).resolves.toHaveLength(2);
    expect(inner.state.calls).toBe(2);
  });

  it('serves a crowd first come, first served, and refuses at once those whose turn cannot come within the wait', async () => {
    let now = 0;
    // One slot a second and 1.5 s of patience: the first call goes, the second waits for the next slot, and
    // the line cannot move fast enough for the rest.
    const ceiling = memoryCeiling(1, 10_000, () => now);
    const { provider, inner } = guardWith({ ceiling, maxWaitMs: 1_500 });
    const started = performance.now();
    const settledAfterMs: number[] = [];
    const answers = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => {
        const call = provider.sendOtp({ phone: `+91987654321${i}` });
        if (i === 0) void call.then(() => setTimeout(() => (now = 1_000), 20));
        return call.finally(() => (settledAfterMs[i] = performance.now() - started));
      }),
    );
    expect(answers.map((answer) => answer.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
      'rejected',
    ]);
    for (const refused of answers.slice(2))
      expect((refused as PromiseRejectedResult).reason).toMatchObject({ kind: 'busy', called: false });
    expect(inner.state.calls).toBe(2);
    // The second waited for the next slot; the refusals did not wait for anything.
    expect(settledAfterMs[1]).toBeGreaterThanOrEqual(900);
    for (const ms of settledAfterMs.slice(2)) expect(ms).toBeLessThan(500);
  });

  it('refuses every call, not called, while the ceiling cannot be read (fail closed)', async () => {
    const { ceiling } = scriptedCeiling(async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    });
    const { provider, inner, guard } = guardWith({ ceiling, maxWaitMs: 250 });
    for (let i = 0; i < 3; i++)
      expect(await failure(provider.sendOtp({ phone: '+919876543210' }))).toMatchObject({
        kind: 'busy',
        called: false,
        retryAfterMs: 1_000,
      });
    expect(inner.state.calls).toBe(0);
    expect(guard.state()).toBe('closed');
  });

  it('does not count busy answers as provider failures: the circuit stays closed', async () => {
    const { ceiling } = scriptedCeiling(async () => ({ retryInMs: 5_000 }));
    const { provider, guard, inner } = guardWith({ ceiling, failuresToOpen: 2 });
    for (let i = 0; i < 5; i++) expect((await failure(provider.getBalance())).kind).toBe('busy');
    expect(guard.state()).toBe('closed');
    expect(inner.state.calls).toBe(0);
  });

  it('takes no rate slot while the circuit is open', async () => {
    const { ceiling, asked } = scriptedCeiling();
    const { provider, inner } = guardWith({ ceiling, failuresToOpen: 1, halfOpenAfterMs: 60_000 });
    inner.state.behaviour = 'unavailable';
    await provider.getBalance().catch(() => undefined);
    expect(asked.acquired).toBe(1);
    for (let i = 0; i < 3; i++) await provider.getBalance().catch(() => undefined);
    expect(asked.acquired).toBe(1);
  });

  it('keeps the circuit open when the half-open trial is held back by the ceiling (the provider was not tried)', async () => {
    let grant = true;
    const { ceiling } = scriptedCeiling(async () => (grant ? { lease: 'l' } : { retryInMs: 5_000 }));
    const { provider, inner, guard } = guardWith({ ceiling, failuresToOpen: 1, halfOpenAfterMs: 60_000 });
    inner.state.behaviour = 'unavailable';
    await provider.getBalance().catch(() => undefined);
    expect(guard.state()).toBe('open');

    pause(60_000);
    grant = false;
    expect((await failure(provider.getBalance())).kind).toBe('busy');
    expect(inner.state.calls).toBe(1);
    // Nothing proved 2Factor is back: the next call must not be let through to it as if the circuit were closed.
    expect(guard.state()).toBe('open');

    // The next real trial decides.
    pause(60_000);
    grant = true;
    inner.state.behaviour = 'ok';
    await expect(provider.getBalance()).resolves.toMatchObject({ value: { balance: '500' } });
    expect(guard.state()).toBe('closed');
  });
});

describe('createProviderGuard: observer (metrics)', () => {
  it('is told how long each call waited for its slot, and each refusal', async () => {
    const observed = { granted: [] as number[], refused: 0 };
    const observer = {
      slotGranted: (ms: number) => void observed.granted.push(ms),
      slotRefused: () => void (observed.refused += 1),
    };
    const { provider } = guardWith({ ceiling: memoryCeiling(1, 60_000), observer });
    await provider.getBalance();
    await failure(provider.getBalance());
    expect(observed.granted).toHaveLength(1);
    expect(observed.granted[0]).toBeGreaterThanOrEqual(0);
    expect(observed.refused).toBe(1);
  });
});
