import { describe, expect, it } from 'vitest';
import { createBatcher, createWriteBatcher } from './batcher.js';

/** A batch function that records its batches and answers each item with `item * 10`, failing on `bad` items. */
function recordingRun(bad: ReadonlySet<number> = new Set()) {
  const batches: number[][] = [];
  const run = async (items: number[]) => {
    batches.push([...items]);
    if (items.some((item) => bad.has(item))) throw new Error(`bad item in ${items.join(',')}`);
    return items.map((item) => item * 10);
  };
  return { batches, run };
}

describe('createBatcher', () => {
  it('runs the items of one tick as one batch and gives each caller its own result', async () => {
    const { batches, run } = recordingRun();
    const batcher = createBatcher(run);
    await expect(Promise.all([1, 2, 3].map((n) => batcher.submit(n)))).resolves.toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('keeps items with the same conflict key out of one batch, in submission order', async () => {
    const { batches, run } = recordingRun();
    const batcher = createBatcher(run, { conflictKey: (n) => String(n % 2) });
    await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.submit(n)));
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('retries the items of a failed batch one by one when told to, so only the bad one fails', async () => {
    const { batches, run } = recordingRun(new Set([2]));
    const batcher = createBatcher(run, { retryAlone: () => true });
    const results = await Promise.allSettled([1, 2, 3].map((n) => batcher.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(batches).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  it('rejects every item of a failed batch when the error is not one to retry alone', async () => {
    const { batches, run } = recordingRun(new Set([2]));
    const batcher = createBatcher(run, { retryAlone: () => false });
    const results = await Promise.allSettled([1, 2, 3].map((n) => batcher.submit(n)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('write batches: a bad row fails alone, an unreachable database fails the whole batch at once', async () => {
    const batches: number[][] = [];
    let failure: Error & { code?: string } = Object.assign(new Error('insert violates foreign key constraint'), { code: '23503' });
    const writer = createWriteBatcher(async (items: number[]) => {
      batches.push([...items]);
      if (items.includes(2)) throw failure;
    });
    const badRow = await Promise.allSettled([1, 2, 3].map((n) => writer.submit(n)));
    expect(badRow.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(batches).toEqual([[1, 2, 3], [1], [2], [3]]);

    batches.length = 0;
    failure = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const outage = await Promise.allSettled([1, 2, 3].map((n) => writer.submit(n)));
    expect(outage.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(batches).toEqual([[1, 2, 3]]);
  });
});
