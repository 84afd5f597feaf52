import { describe, expect, it } from 'vitest';
import { formatDuration } from '@/lib/formatDuration';

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [850, '850 ms'],
    [1_000, '1 s'],
    [2_350, '2.4 s'],
    [59_940, '59.9 s'],
    [60_000, '1 min'],
    [75_000, '1 min 15 s'],
    [3_600_000, '60 min'],
  ])('%d ms reads "%s"', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
