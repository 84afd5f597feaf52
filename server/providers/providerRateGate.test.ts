import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { deleteRedisKeys, redisTestUrl, testRedisClient, uniqueRedisPrefix } from '../../test/support/testRedis.js';
import { memoryRateGate, redisRateGate, type ProviderRateGate } from './providerRateGate.js';
import { createSlotLine } from './providerSlotLine.js';

function manualClock(startMs = 1_000_000) {
  let now = startMs;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('memoryRateGate', () => {
  it('grants N calls at once when idle, refuses the next and says when the oldest slot frees', async () => {
    const clock = manualClock();
    const gate = memoryRateGate(3, 1_000, clock.now);
    for (let i = 0; i < 3; i++) {
      expect(await gate.tryTake()).toEqual({ granted: true, retryInMs: 0 });
      clock.advance(100);
    }
    // Calls at 0, 100, 200; now 300: the first leaves the window at 1000.
    expect(await gate.tryTake()).toEqual({ granted: false, retryInMs: 700 });
    clock.advance(699);
    expect(await gate.tryTake()).toEqual({ granted: false, retryInMs: 1 });
    clock.advance(1);
    expect(await gate.tryTake()).toEqual({ granted: true, retryInMs: 0 });
    // Now 1000 with calls at 100, 200, 1000: the next frees at 1100.
    expect(await gate.tryTake()).toEqual({ granted: false, retryInMs: 100 });
  });

  it('never grants more than N in any window, and refuses only when N are already in it (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 10, max: 1_000 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 120 }),
        async (limit, windowMs, steps) => {
          const clock = manualClock();
          const gate = memoryRateGate(limit, windowMs, clock.now);
          const granted: number[] = [];
          for (const step of steps) {
            clock.advance(step);
            const at = clock.now();
            const inWindow = granted.filter((t) => t > at - windowMs);
            const answer = await gate.tryTake();
            if (answer.granted) {
              expect(inWindow.length).toBeLessThan(limit);
              granted.push(at);
            } else {
              expect(inWindow.length).toBe(limit);
              // The oldest call in the window leaves it after retryInMs.
              expect(answer.retryInMs).toBe(inWindow[0]! + windowMs - at);
              expect(answer.retryInMs).toBeGreaterThan(0);
            }
          }
          for (const t of granted) {
            expect(granted.filter((other) => other >= t && other < t + windowMs).length).toBeLessThanOrEqual(limit);
          }
        },
      ),
    );
  });
});

describe('memoryRateGate with leases (a slot held while the call runs)', () => {
  it('holds a leased slot until release, then counts the window from the release', async () => {
    const clock = manualClock();
    const gate = memoryRateGate(1, 1_000, clock.now);
    const { granted, slot } = await gate.tryTake(5_000);
    expect(granted).toBe(true);
    expect(slot).toBeDefined();
    // The call runs for 1.5 s: its slot stays taken past the window it started in.
    clock.advance(1_500);
    expect(await gate.tryTake(5_000)).toEqual({ granted: false, retryInMs: 1_000 });
    await gate.release!(slot!);
    clock.advance(999);
    expect(await gate.tryTake(5_000)).toEqual({ granted: false, retryInMs: 1 });
    clock.advance(1);
    expect((await gate.tryTake(5_000)).granted).toBe(true);
  });

  it('frees a slot that is never released once its lease and a window have passed', async () => {
    const clock = manualClock();
    const gate = memoryRateGate(1, 1_000, clock.now);
    expect((await gate.tryTake(2_000)).granted).toBe(true);
    clock.advance(2_999);
    expect((await gate.tryTake(2_000)).granted).toBe(false);
    clock.advance(1);
    expect((await gate.tryTake(2_000)).granted).toBe(true);
  });

  it('keeps any two calls that share a slot at least a window apart, from the end of one to the start of the next (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.record({ advance: fc.integer({ min: 0, max: 400 }), durationMs: fc.integer({ min: 0, max: 1_500 }) }), { minLength: 1, maxLength: 80 }),
        async (limit, steps) => {
          const windowMs = 1_000;
          const clock = manualClock();
          const gate = memoryRateGate(limit, windowMs, clock.now);
          const calls: Array<{ start: number; end: number; slot: string }> = [];
          for (const step of steps) {
            clock.advance(step.advance);
            for (const call of calls.filter((c) => c.end <= clock.now() && c.slot !== '')) {
              await gate.release!(call.slot);
              call.slot = '';
            }
            const answer = await gate.tryTake(10_000);
            if (answer.granted) calls.push({ start: clock.now(), end: clock.now() + step.durationMs, slot: answer.slot! });
          }
          // Wherever a call reached 2Factor between its start and end, no window holds more than `limit`:
          // at any moment, calls not yet a window past their end are at most `limit`.
          for (const call of calls) {
            const overlapping = calls.filter((other) => other.start <= call.start && other.end + windowMs > call.start);
            expect(overlapping.length).toBeLessThanOrEqual(limit);
          }
        },
      ),
    );
  });
});

/** Waits (up to `maxWaitMs`) for a slot of `gate`, as the provider guard does. */
const waitForSlot = (gate: ProviderRateGate, maxWaitMs: number, leaseMs?: number) => createSlotLine(gate, { maxWaitMs, leaseMs, slotSpacingMs: 0 }).take();

const redisUrl = redisTestUrl();

describe.runIf(redisUrl)('redisRateGate (TEST_REDIS_URL)', () => {
  let first: Redis;
  let second: Redis;
  let prefix: string;

  beforeAll(() => {
    first = testRedisClient(redisUrl!);
    second = testRedisClient(redisUrl!);
  });
  afterEach(async () => {
    await deleteRedisKeys(first, `${prefix}*`);
  });
  afterAll(async () => {
    await Promise.all([first.quit(), second.quit()]);
  });

  it('holds one ceiling shared by two instances (two Redis clients)', async () => {
    prefix = uniqueRedisPrefix('rate-gate');
    const key = `${prefix}2factor`;
    const gates = [redisRateGate(first, 3, 60_000, key), redisRateGate(second, 3, 60_000, key)];
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => gates[i % 2]!.tryTake()));
    expect(answers.filter((answer) => answer.granted)).toHaveLength(3);
    for (const refused of answers.filter((answer) => !answer.granted)) {
      expect(refused.retryInMs).toBeGreaterThan(0);
      expect(refused.retryInMs).toBeLessThanOrEqual(60_000);
    }
    expect(await first.zcard(key)).toBe(3);
    expect(await first.pttl(key)).toBeGreaterThan(0);
  });

  it('frees a slot when the oldest call leaves the window, for both instances', async () => {
    prefix = uniqueRedisPrefix('rate-gate');
    const key = `${prefix}2factor`;
    const windowMs = 25;
    const [a, b] = [redisRateGate(first, 1, windowMs, key), redisRateGate(second, 1, windowMs, key)];
    expect((await a.tryTake()).granted).toBe(true);
    const refused = await b.tryTake();
    expect(refused.granted).toBe(false);
    expect(refused.retryInMs).toBeLessThanOrEqual(windowMs);
    // Redis keeps its own clock: wait out the (tiny) window it announced.
    await waitForSlot(b, 200);
  });

  it('holds a leased slot for both instances until it is released, then for a window', async () => {
    prefix = uniqueRedisPrefix('rate-gate');
    const key = `${prefix}2factor`;
    const windowMs = 40;
    const [a, b] = [redisRateGate(first, 1, windowMs, key), redisRateGate(second, 1, windowMs, key)];
    const taken = await a.tryTake(60_000);
    expect(taken.granted).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, windowMs * 2));
    // Still running after two windows: the slot is not free.
    const refused = await b.tryTake(60_000);
    expect(refused.granted).toBe(false);
    expect(refused.retryInMs).toBeLessThanOrEqual(windowMs);
    await a.release!(taken.slot!);
    expect((await b.tryTake(60_000)).granted).toBe(false);
    await waitForSlot(b, 500, 60_000);
  });

  it('frees a leased slot that is never released once its lease and a window have passed', async () => {
    prefix = uniqueRedisPrefix('rate-gate');
    const key = `${prefix}2factor`;
    const [a, b] = [redisRateGate(first, 1, 20, key), redisRateGate(second, 1, 20, key)];
    expect((await a.tryTake(30)).granted).toBe(true);
    expect((await b.tryTake(30)).granted).toBe(false);
    await waitForSlot(b, 500, 30);
  });

  it('keeps separate ceilings under separate keys', async () => {
    prefix = uniqueRedisPrefix('rate-gate');
    const gateA = redisRateGate(first, 1, 60_000, `${prefix}a`);
    const gateB = redisRateGate(second, 1, 60_000, `${prefix}b`);
    expect((await gateA.tryTake()).granted).toBe(true);
    expect((await gateB.tryTake()).granted).toBe(true);
    expect((await gateA.tryTake()).granted).toBe(false);
  });
});
