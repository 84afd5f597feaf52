import { describe, expect, it } from 'vitest';
import { createRequestStats } from './simulatorStats.js';

function statsAt(times: number[]) {
  let index = 0;
  const stats = createRequestStats(() => times[index] as number);
  for (index = 0; index < times.length; index++) stats.record('verify');
  return stats.snapshot();
}

describe('simulator request stats', () => {
  it('counts requests by kind', () => {
    const stats = createRequestStats(() => 0);
    for (const kind of ['autogen', 'autogen', 'verify', 'tsms', 'balance', 'other'] as const) stats.record(kind);
    expect(stats.snapshot()).toMatchObject({
      totalRequests: 6,
      byKind: { autogen: 2, verify: 1, tsms: 1, balance: 1, other: 1 },
      sendsAndChecks: 5,
    });
  });

  it('finds a burst that straddles two calendar seconds in the sliding window only', () => {
    // 3 requests late in second 10, 3 early in second 11: at most 3 per calendar second, 6 within 1000 ms.
    const snapshot = statsAt([10_800, 10_850, 10_900, 11_000, 11_050, 11_100]);
    expect(snapshot.maxPerCalendarSecond).toBe(3);
    expect(snapshot.maxInAnySlidingSecond).toBe(6);
    expect(snapshot.perSecond).toEqual([
      { second: 10, count: 3 },
      { second: 11, count: 3 },
    ]);
  });

  it('does not count requests exactly 1000 ms apart in the same sliding second', () => {
    expect(statsAt([0, 1000, 2000]).maxInAnySlidingSecond).toBe(1);
    expect(statsAt([0, 999]).maxInAnySlidingSecond).toBe(2);
  });

  it('keeps the maxima exact over long runs while trimming its window', () => {
    const times = Array.from({ length: 10_000 }, (_, i) => i * 10); // 100 per second, evenly
    const snapshot = statsAt(times);
    expect(snapshot.totalRequests).toBe(10_000);
    expect(snapshot.maxPerCalendarSecond).toBe(100);
    expect(snapshot.maxInAnySlidingSecond).toBe(100);
    expect(snapshot.perSecond).toHaveLength(100);
  });

  it('starts from zero after reset', () => {
    const stats = createRequestStats(() => 5_000);
    stats.record('autogen');
    stats.reset();
    expect(stats.snapshot()).toEqual({
      totalRequests: 0,
      byKind: { autogen: 0, verify: 0, tsms: 0, balance: 0, other: 0 },
      sendsAndChecks: 0,
      maxPerCalendarSecond: 0,
      maxInAnySlidingSecond: 0,
      perSecond: [],
    });
  });
});
