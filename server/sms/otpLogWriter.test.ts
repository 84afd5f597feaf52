import { describe, expect, it } from 'vitest';
import type { OtpLogEntry } from '../db/otpLogsRepository.js';
import { createOtpLogWriter } from './otpLogWriter.js';

function entry(n: number): OtpLogEntry {
  return {
    userId: null,
    phone: `+9198765432${String(n).padStart(2, '0')}`,
    sessionId: `s-${n}`,
    providerSessionId: null,
    type: 'autogen',
    status: 'sent',
    responseTimeMs: n,
    details: null,
    createdAt: new Date(0),
  };
}

interface Deferred {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** A repository whose every insertMany waits until the test settles it; records batches and commits. */
function manualRepository() {
  const batches: OtpLogEntry[][] = [];
  const committed: OtpLogEntry[] = [];
  const pending: Deferred[] = [];
  return {
    batches,
    committed,
    insertMany(entries: readonly OtpLogEntry[]) {
      batches.push([...entries]);
      return new Promise<void>((resolve, reject) => {
        pending.push({
          resolve: () => {
            committed.push(...entries);
            resolve();
          },
          reject,
        });
      });
    },
    /** Settles the oldest unsettled batch. */
    async settle(outcome: 'commit' | Error = 'commit') {
      await flushMicrotasks();
      const next = pending.shift();
      if (!next) throw new Error('no batch in flight');
      if (outcome === 'commit') next.resolve();
      else next.reject(outcome);
      await flushMicrotasks();
    },
  };
}

async function flushMicrotasks() {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** Tracks whether a promise has settled, without awaiting it. */
function track(promise: Promise<void>) {
  const state = { settled: false, error: undefined as unknown };
  promise.then(
    () => void (state.settled = true),
    (error: unknown) => {
      state.settled = true;
      state.error = error;
    },
  );
  return state;
}

describe('createOtpLogWriter', () => {
  it('writes the rows of one tick in a single insertMany', async () => {
    const repository = manualRepository();
    const writer = createOtpLogWriter(repository);
    const writes = [1, 2, 3, 4].map((n) => writer.write(entry(n)));
    await repository.settle();
    await Promise.all(writes);
    expect(repository.batches).toEqual([[entry(1), entry(2), entry(3), entry(4)]]);
  });

  it('resolves a write only after its batch committed', async () => {
    const repository = manualRepository();
    const writer = createOtpLogWriter(repository);
    const write = track(writer.write(entry(1)));
    await flushMicrotasks();
    expect(repository.batches).toHaveLength(1);
    expect(write.settled).toBe(false);
    await repository.settle();
    expect(write).toEqual({ settled: true, error: undefined });
    expect(repository.committed).toEqual([entry(1)]);
  });

  it('groups rows written while a batch is in flight into the next batch', async () => {
    const repository = manualRepository();
    const writer = createOtpLogWriter(repository);
    const first = track(writer.write(entry(1)));
    await flushMicrotasks();
    const later = [2, 3, 4].map((n) => track(writer.write(entry(n))));
    await flushMicrotasks();
    expect(repository.batches).toHaveLength(1);
    await repository.settle();
    expect(first.settled).toBe(true);
    expect(later.every((w) => !w.settled)).toBe(true);
    expect(repository.batches).toEqual([[entry(1)], [entry(2), entry(3), entry(4)]]);
    await repository.settle();
    expect(later.every((w) => w.settled && w.error === undefined)).toBe(true);
  });

  it('splits batches at maxBatchSize', async () => {
    const repository = manualRepository();
    const writer = createOtpLogWriter(repository, 2);
    const writes = [1, 2, 3, 4, 5].map((n) => writer.write(entry(n)));
    await repository.settle();
    await repository.settle();
    await repository.settle();
    await Promise.all(writes);
    expect(repository.batches.map((batch) => batch.length)).toEqual([2, 2, 1]);
  });

  it('rejects every writer of a failed batch, and later writes still work', async () => {
    const repository = manualRepository();
    const writer = createOtpLogWriter(repository);
    const failed = [1, 2].map((n) => track(writer.write(entry(n))));
    const failure = new Error('connection terminated');
    await repository.settle(failure);
    expect(failed).toEqual([
      { settled: true, error: failure },
      { settled: true, error: failure },
    ]);

    const next = writer.write(entry(3));
    await repository.settle();
    await expect(next).resolves.toBeUndefined();
    expect(repository.committed).toEqual([entry(3)]);
  });

  it('drain waits until every row written so far is committed or failed', async () => {
    const repository = manualRepository();
    const writer = createOtpLogWriter(repository, 2);
    const writes = [1, 2, 3].map((n) => track(writer.write(entry(n))));
    const drained = track(writer.drain());
    await flushMicrotasks();
    expect(drained.settled).toBe(false);
    await repository.settle();
    expect(drained.settled).toBe(false);
    await repository.settle(new Error('disk full'));
    await flushMicrotasks();
    expect(drained).toEqual({ settled: true, error: undefined });
    expect(writes.map((w) => w.error === undefined)).toEqual([true, true, false]);
    expect(repository.committed).toEqual([entry(1), entry(2)]);
  });

  it('drain resolves at once when nothing was written, and flushes a write made in the same tick', async () => {
    const repository = manualRepository();
    const writer = createOtpLogWriter(repository);
    await writer.drain();
    expect(repository.batches).toHaveLength(0);

    const write = writer.write(entry(9));
    const drained = track(writer.drain());
    await repository.settle();
    await write;
    await flushMicrotasks();
    expect(drained.settled).toBe(true);
    expect(repository.batches).toEqual([[entry(9)]]);
  });
});
