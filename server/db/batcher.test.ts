import { describe, expect, it } from 'vitest';
import { createBatcher, createWriteBatcher } from './batcher.js';

/** A batch function that records its batches and answers each item with `item * 10`, failing on `bad` items. */
function recordingRun(bad: ReadonlySet<number> = new Set()) {
  const batches: number[][] = [];
  const run = async (items: readonly number[]) => {
    batches.push([...items]);
    if (items.some((item) => bad.has(item))) throw new Error(`bad item in ${items.join(',')}`);
    return items.map((item) => item * 10);
  };
  return { batches, run };
}

/** A batch function whose every batch waits until the test lets it finish. */
function gatedRun() {
  const batches: number[][] = [];
  const gates: Array<() => void> = [];
  const run = (items: readonly number[]) => {
    batches.push([...items]);
    return new Promise<number[]>((resolve) => gates.push(() => resolve(items.map((item) => item * 10))));
  };
  return { batches, run, finishOldest: () => gates.shift()?.() };
}

const nextTicks = () => new Promise((resolve) => setImmediate(resolve));

describe('createBatcher', () => {
  it('runs the items of one tick as one batch and gives each caller its own result', async () => {
    const { batches, run } = recordingRun();
    const batcher = createBatcher(run);
    await expect(Promise.all([1, 2, 3].map((n) => batcher.load(n)))).resolves.toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('starts a lone item at once, and groups the items loaded while its batch is in flight into the next batch', async () => {
    const { batches, run, finishOldest } = gatedRun();
    const batcher = createBatcher(run);
    const first = batcher.load(1);
    await nextTicks();
    expect(batches).toEqual([[1]]);
    const later = [2, 3].map((n) => batcher.load(n));
    await nextTicks();
    const last = batcher.load(4);
    await nextTicks();
    expect(batches).toEqual([[1]]);
    finishOldest();
    await expect(first).resolves.toBe(10);
    await nextTicks();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    finishOldest();
    await expect(Promise.all([...later, last])).resolves.toEqual([20, 30, 40]);
  });

  it('splits batches at maxBatchSize', async () => {
    const { batches, run } = recordingRun();
    const batcher = createBatcher(run, { maxBatchSize: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.load(n)));
    expect(batches.map((batch) => batch.length)).toEqual([2, 2, 1]);
  });

  it('fails only the item answered with an Error, and every item of a batch that throws', async () => {
    const batcher = createBatcher(async (items: readonly number[]) =>
      items.map((n) => (n === 2 ? new Error('no 2') : n)),
    );
    const results = await Promise.allSettled([1, 2, 3].map((n) => batcher.load(n)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);

    const { run } = recordingRun(new Set([5]));
    const throwing = createBatcher(run);
    const all = await Promise.allSettled([4, 5, 6].map((n) => throwing.load(n)));
    expect(all.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
  });
});

describe('createWriteBatcher', () => {
  it('a bad row fails alone, an unreachable database fails the whole batch at once', async () => {
    const batches: number[][] = [];
    let failure: Error & { code?: string } = Object.assign(new Error('insert violates foreign key constraint'), {
      code: '23503',
    });
    const writer = createWriteBatcher(async (items: readonly number[]) => {
      batches.push([...items]);
      if (items.includes(2)) throw failure;
    });
    const badRow = await Promise.allSettled([1, 2, 3].map((n) => writer.load(n)));
    expect(badRow.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(badRow[1]).toEqual({ status: 'rejected', reason: failure });
    expect(batches).toEqual([[1, 2, 3], [1], [2], [3]]);

    batches.length = 0;
    failure = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const outage = await Promise.allSettled([1, 2, 3].map((n) => writer.load(n)));
    expect(outage.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(batches).toEqual([[1, 2, 3]]);
  });
});
