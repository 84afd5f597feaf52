import { describe, expect, it } from 'vitest';
import { balanceTrend, describeDaysLeft } from '@/lib/balanceTrend';

const at = (hoursAfterStart: number) => new Date(Date.UTC(2026, 11, 1) + hoursAfterStart * 3_600_000).toISOString();

describe('balanceTrend', () => {
  it('compares the latest sample with the earliest of the last 24 hours and projects the days left', () => {
    const history = [
      { at: at(0), balance: 5000 },
      { at: at(10), balance: 1200 },
      { at: at(22), balance: 1100 },
      { at: at(34), balance: 1000 },
    ];
    expect(balanceTrend(history)).toEqual({ change: -200, hours: 24, daysLeft: 5 });
  });

  it('covers the hours there are while the history is younger than a day, and projects nothing for a top-up', () => {
    expect(
      balanceTrend([
        { at: at(0), balance: 100 },
        { at: at(5), balance: 600 },
      ]),
    ).toEqual({ change: 500, hours: 5, daysLeft: undefined });
  });

  it('says nothing with one sample, or samples less than an hour apart', () => {
    expect(balanceTrend([])).toBeUndefined();
    expect(balanceTrend([{ at: at(0), balance: 100 }])).toBeUndefined();
    expect(
      balanceTrend([
        { at: at(0), balance: 100 },
        { at: at(0.5), balance: 90 },
      ]),
    ).toBeUndefined();
  });

  it('words the days left', () => {
    expect(describeDaysLeft(0.4)).toBe('less than a day left at this pace');
    expect(describeDaysLeft(1.2)).toBe('about 1 day left at this pace');
    expect(describeDaysLeft(11.6)).toBe('about 12 days left at this pace');
  });
});
