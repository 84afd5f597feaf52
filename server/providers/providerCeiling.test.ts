import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { deleteRedisKeys, redisTestUrl, testRedisClient, uniqueRedisPrefix } from '../../test/support/testRedis.js';
import { memoryCeiling, redisCeiling, type Acquired } from './providerCeiling.js';

function manualClock(startMs = 1_000_000) {
  let now = startMs;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

const leaseOf = (answer: Acquired) => ('lease' in answer ? answer.lease : undefined);

describe('memoryCeiling', () => {
  it('leases N calls at once, refuses the next while they run, and frees a slot one second after its call ends', async () => {
    const clock = manualClock();
    const ceiling = memoryCeiling(3, 10_000, clock.now);
    const leases = [];
    for (let i = 0; i < 3; i++) {
      leases.push(leaseOf(await ceiling.acquire()));
      clock.advance(100);
    }
    // All three still running: none frees sooner than a second after it ends.
    expect(await ceiling.acquire()).toEqual({ retryInMs: 1_000 });
    await ceiling.release(leases[0]!);
    clock.advance(999);
    expect(await ceiling.acquire()).toEqual({ retryInMs: 1 });
    clock.advance(1);
    expect(leaseOf(await ceiling.acquire())).toBeDefined();
    expect(await ceiling.acquire()).toEqual({ retryInMs: 1_000 });
  });

  it('frees the slot of a call never released once its lease and a second have passed (a crash)', async () => {
    const clock = manualClock();
    const ceiling = memoryCeiling(1, 5_000, clock.now);
    expect(leaseOf(await ceiling.acquire())).toBeDefined();
    clock.advance(5_999);
    expect('retryInMs' in (await ceiling.acquire())).toBe(true);
    clock.advance(1);
    expect(leaseOf(await ceiling.acquire())).toBeDefined();
  });

  it('keeps at most N calls in any second, wherever between its start and its end each reached 2Factor (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.array(
          fc.record({ advance: fc.integer({ min: 0, max: 400 }), durationMs: fc.integer({ min: 0, max: 1_500 }) }),
          { minLength: 1, maxLength: 80 },
        ),
        async (limit, steps) => {
          const clock = manualClock();
          const ceiling = memoryCeiling(limit, 10_000, clock.now);
          const calls: Array<{ start: number; end: number; lease: string | undefined }> = [];
          for (const step of steps) {
            clock.advance(step.advance);
            for (const call of calls.filter((c) => c.end <= clock.now() && c.lease !== undefined)) {
              await ceiling.release(call.lease!);
              call.lease = undefined;
            }
            const lease = leaseOf(await ceiling.acquire());
            if (lease !== undefined) calls.push({ start: clock.now(), end: clock.now() + step.durationMs, lease });
          }
          // At any call's start, the calls not yet a second past their end are at most `limit`.
          for (const call of calls) {
            const overlapping = calls.filter((other) => other.start <= call.start && other.end + 1_000 > call.start);
            expect(overlapping.length).toBeLessThanOrEqual(limit);
          }
        },
      ),
    );
  });
});

const redisUrl = redisTestUrl();

describe.runIf(redisUrl)('redisCeiling (TEST_REDIS_URL)', () => {
  const clients: Redis[] = [];
  let prefix = '';

  /** Two instances' clients sharing this test's keys. */
  function twoClients(): [Redis, Redis] {
    prefix = uniqueRedisPrefix('ceiling');
    const pair: [Redis, Redis] = [
      testRedisClient(redisUrl!, { keyPrefix: prefix }),
      testRedisClient(redisUrl!, { keyPrefix: prefix }),
    ];
    clients.push(...pair);
    return pair;
  }

  afterEach(async () => {
    const admin = testRedisClient(redisUrl!);
    await deleteRedisKeys(admin, `${prefix}*`);
    await admin.quit();
    await Promise.all(clients.splice(0).map((client) => client.quit()));
  });

  it('holds one ceiling shared by two instances', async () => {
    const [first, second] = twoClients();
    const ceilings = [redisCeiling(first, 3, 60_000), redisCeiling(second, 3, 60_000)];
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => ceilings[i % 2]!.acquire()));
    expect(answers.filter((answer) => 'lease' in answer)).toHaveLength(3);
    for (const refused of answers.filter((answer) => 'retryInMs' in answer)) {
      expect(refused).toEqual({ retryInMs: expect.any(Number) });
      expect((refused as { retryInMs: number }).retryInMs).toBeLessThanOrEqual(1_000);
    }
  });

  it('holds a slot for both instances while its call runs, and for a second after it is released', async () => {
    const [first, second] = twoClients();
    const [a, b] = [redisCeiling(first, 1, 60_000), redisCeiling(second, 1, 60_000)];
    const lease = leaseOf(await a.acquire());
    expect(lease).toBeDefined();
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect('retryInMs' in (await b.acquire())).toBe(true); // still running after a second
    const releasedAt = performance.now();
    await a.release(lease!);
    const refused = await b.acquire();
    const sinceReleaseMs = performance.now() - releasedAt;
    // Refused for what is left of the second after the release, however long the round trips took (Redis counts
    // whole milliseconds, hence the small slack).
    expect('retryInMs' in refused && refused.retryInMs).toBeGreaterThanOrEqual(1_000 - sinceReleaseMs - 2);
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    expect(leaseOf(await b.acquire())).toBeDefined();
  });

  it('frees the slot of a call never released once its lease and a second have passed', async () => {
    const [first, second] = twoClients();
    expect(leaseOf(await redisCeiling(first, 1, 50).acquire())).toBeDefined();
    const other = redisCeiling(second, 1, 50);
    expect('retryInMs' in (await other.acquire())).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(leaseOf(await other.acquire())).toBeDefined();
  });

  it('rejects when Redis cannot be reached, so the guard can refuse the call', async () => {
    const offline = testRedisClient('redis://127.0.0.1:1', {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      lazyConnect: true,
    });
    await expect(redisCeiling(offline, 1, 1_000).acquire()).rejects.toThrow();
    offline.disconnect();
  });
});
