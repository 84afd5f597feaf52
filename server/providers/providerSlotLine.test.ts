import { describe, expect, it } from 'vitest';
import { memoryRateGate, ProviderBusyError, type ProviderRateGate, type SlotAnswer } from './providerRateGate.js';
import { createSlotLine } from './providerSlotLine.js';

/** A clock that only moves when the line sleeps (after everything already due has run). */
function virtualTime() {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      await new Promise((resolve) => setImmediate(resolve));
      now += ms;
    },
  };
}

/** A gate that answers from a script, then grants; counts its calls. */
function scriptedGate(answers: SlotAnswer[]): ProviderRateGate & { calls: number } {
  const gate = {
    calls: 0,
    async tryTake() {
      gate.calls += 1;
      return answers.shift() ?? { granted: true, retryInMs: 0 };
    },
  };
  return gate;
}

/** Counts the calls of any gate. */
function counted(inner: ProviderRateGate): ProviderRateGate & { calls: number } {
  const gate = {
    calls: 0,
    tryTake(leaseMs?: number) {
      gate.calls += 1;
      return inner.tryTake(leaseMs);
    },
  };
  return gate;
}

async function refusal(promise: Promise<unknown>): Promise<ProviderBusyError> {
  const error = await promise.catch((reason: unknown) => reason);
  expect(error).toBeInstanceOf(ProviderBusyError);
  return error as ProviderBusyError;
}

const settle = async () => {
  for (let i = 0; i < 50; i++) await Promise.resolve();
};

describe('createSlotLine', () => {
  it('takes a free slot at once, asking the gate once', async () => {
    const gate = scriptedGate([]);
    const time = virtualTime();
    await createSlotLine(gate, { maxWaitMs: 0, slotSpacingMs: 5, ...time }).take();
    expect(gate.calls).toBe(1);
    expect(time.now()).toBe(0);
  });

  it('waits for the slot the gate announces, then takes it', async () => {
    const gate = scriptedGate([
      { granted: false, retryInMs: 20 },
      { granted: false, retryInMs: 10 },
    ]);
    const time = virtualTime();
    await createSlotLine(gate, { maxWaitMs: 200, slotSpacingMs: 5, ...time }).take();
    expect(gate.calls).toBe(3);
    expect(time.now()).toBeGreaterThanOrEqual(30);
    expect(time.now()).toBeLessThan(40);
  });

  it('refuses at once, with the announced wait, when that wait is past the deadline', async () => {
    const gate = scriptedGate([{ granted: false, retryInMs: 1_000 }]);
    const time = virtualTime();
    const error = await refusal(createSlotLine(gate, { maxWaitMs: 250, slotSpacingMs: 5, ...time }).take());
    expect(error.retryAfterMs).toBe(1_000);
    expect(gate.calls).toBe(1);
    expect(time.now()).toBe(0);
  });

  it('gives up once the next free slot would come after the deadline', async () => {
    const gate = scriptedGate(Array.from({ length: 100 }, () => ({ granted: false, retryInMs: 30 })));
    const time = virtualTime();
    await refusal(createSlotLine(gate, { maxWaitMs: 100, slotSpacingMs: 5, ...time }).take());
    expect(gate.calls).toBeLessThanOrEqual(4);
    expect(time.now()).toBeLessThanOrEqual(100);
  });

  it('serves a crowd first come, first served; only the head asks the gate, and calls whose turn cannot come in time are refused without waiting', async () => {
    const time = virtualTime();
    // 5 calls per 50 ms: a slot every 10 ms.
    const gate = counted(memoryRateGate(5, 50, time.now));
    const line = createSlotLine(gate, { maxWaitMs: 200, slotSpacingMs: 10, ...time });
    const outcomes: Array<{ n: number; at: number; granted: boolean }> = [];
    const crowd = Array.from({ length: 40 }, (_, n) =>
      line.take().then(
        () => void outcomes.push({ n, at: time.now(), granted: true }),
        (error: unknown) => {
          expect(error).toBeInstanceOf(ProviderBusyError);
          outcomes.push({ n, at: time.now(), granted: false });
        },
      ),
    );
    await Promise.all(crowd);

    const granted = outcomes.filter((o) => o.granted);
    const refused = outcomes.filter((o) => !o.granted);
    // The ceiling lets 5 through at once and 5 more every 50 ms; the line keeps only the calls it can serve
    // by their deadline at the ceiling's pace (one every 10 ms).
    expect(granted.length).toBeGreaterThanOrEqual(15);
    expect(granted.length).toBeLessThanOrEqual(25);
    expect(granted.every((o) => o.at <= 200)).toBe(true);
    // In order of arrival.
    expect(granted.map((o) => o.n)).toEqual([...granted.map((o) => o.n)].sort((a, b) => a - b));
    // Hopeless calls were refused as soon as the line knew, at the first refusal of the head (50 ms), not at their deadline.
    expect(refused.every((o) => o.at <= 50)).toBe(true);
    // Each call asked the gate once on arrival; after that only the head asked, once per slot round.
    expect(gate.calls).toBeLessThan(40 + 30);
    expect(line.waiting()).toBe(0);
  });

  it('refuses a call that arrives behind a line too long to reach it in time, without asking the gate', async () => {
    const time = virtualTime();
    const gate = counted(memoryRateGate(1, 200, time.now));
    const line = createSlotLine(gate, { maxWaitMs: 250, slotSpacingMs: 100, ...time });
    await line.take(); // the only slot until 200 ms
    const held = Promise.allSettled([line.take()]); // waits in line for the slot at 200 ms
    await settle();
    const callsBefore = gate.calls;
    const error = await refusal(line.take());
    expect(error.retryAfterMs).toBeGreaterThan(250);
    expect(gate.calls).toBe(callsBefore);
    await held;
  });

  it('refuses everyone in line when the gate cannot be read (Redis down)', async () => {
    const time = virtualTime();
    let down = false;
    const inner = memoryRateGate(1, 100, time.now);
    const gate: ProviderRateGate = {
      tryTake: async (leaseMs) => {
        if (down) throw new Error('Redis unreachable');
        return inner.tryTake(leaseMs);
      },
    };
    const line = createSlotLine(gate, { maxWaitMs: 500, slotSpacingMs: 100, ...time });
    await line.take();
    const waiting = [line.take(), line.take()].map((p) =>
      p.then(
        () => 'granted',
        (error: unknown) => (error as Error).message,
      ),
    );
    down = true;
    expect(await Promise.all(waiting)).toEqual(['Redis unreachable', 'Redis unreachable']);
    expect(line.waiting()).toBe(0);
  });
});
