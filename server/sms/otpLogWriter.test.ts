import { describe, expect, it, vi } from 'vitest';
import type { OtpLogEntry } from '../db/otpLogsRepository.js';
import { createOtpLogWriter } from './otpLogWriter.js';

function entry(n: number): OtpLogEntry {
  return {
    callId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    userId: null,
    phone: `+9198765432${String(n).padStart(2, '0')}`,
    sessionId: `s-${n}`,
    providerSessionId: null,
    type: 'autogen',
    origin: 'login',
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
      await letBatchesRun();
      const next = pending.shift();
      if (!next) throw new Error('no batch in flight');
      if (outcome === 'commit') next.resolve();
      else next.reject(outcome);
      await letBatchesRun();
    },
  };
}

/** Lets due batches start and settled ones resolve their writers (a batch starts after the tick it was due in). */
async function letBatchesRun() {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
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
    await letBatchesRun();
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
    await letBatchesRun();
    const later = [2, 3, 4].map((n) => track(writer.write(entry(n))));
    await letBatchesRun();
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
    const writer = createOtpLogWriter(repository, { maxBatchSize: 2 });
    const writes = [1, 2, 3, 4, 5].map((n) => writer.write(entry(n)));
    await repository.settle();
    await repository.settle();
    await repository.settle();
    await Promise.all(writes);
    expect(repository.batches.map((batch) => batch.length)).toEqual([2, 2, 1]);
  });

  it('rejects every writer of a batch the database refused, and later writes still work', async () => {
    const repository = manualRepository();
    const writer = createOtpLogWriter(repository);
    const failed = [1, 2].map((n) => track(writer.write(entry(n))));
    const failure = Object.assign(new Error('value too long for type character varying'), { code: '22001' });
    await repository.settle(failure);
    // A bad row is retried alone, so each writer learns its own fate.
    await repository.settle(failure);
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
    const writer = createOtpLogWriter(repository, { maxBatchSize: 2 });
    const writes = [1, 2, 3].map((n) => track(writer.write(entry(n))));
    const drained = track(writer.drain());
    await letBatchesRun();
    expect(drained.settled).toBe(false);
    await repository.settle();
    expect(drained.settled).toBe(false);
    await repository.settle(new Error('disk full'));
    await letBatchesRun();
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
    await letBatchesRun();
    expect(drained.settled).toBe(true);
    expect(repository.batches).toEqual([[entry(9)]]);
  });
});

describe('createOtpLogWriter while the database is unreachable', () => {
  const unreachable = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

  /** A repository that refuses every insert while `down`, and records what it committed. */
  function flakyRepository() {
    const state = { down: true, committed: [] as OtpLogEntry[], calls: 0 };
    return {
      state,
      async insertMany(entries: readonly OtpLogEntry[]) {
        state.calls += 1;
        if (state.down) throw unreachable();
        state.committed.push(...entries);
      },
    };
  }

  it('keeps the rows in memory (the write resolves) and writes them once the database is back', async () => {
    const repository = flakyRepository();
    const writer = createOtpLogWriter(repository, { firstRetryDelayMs: 5, maxRetryDelayMs: 20 });
    await Promise.all([1, 2, 3].map((n) => writer.write(entry(n))));
    expect(writer.heldRows()).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(repository.state.committed).toEqual([]);
    repository.state.down = false;
    await vi.waitFor(() => expect(repository.state.committed).toEqual([entry(1), entry(2), entry(3)]), {
      timeout: 2000,
    });
    expect(writer.heldRows()).toBe(0);
  });

  it('drops (and logs) a held row the database refuses once it is back, and writes the others', async () => {
    const committed: OtpLogEntry[] = [];
    let down = true;
    const repository = {
      async insertMany(entries: readonly OtpLogEntry[]) {
        if (down) throw unreachable();
        if (entries.some((e) => e.responseTimeMs === 2))
          throw Object.assign(new Error('value out of range'), { code: '22003' });
        committed.push(...entries);
      },
    };
    const errors: unknown[] = [];
    const logger = {
      warn: () => undefined,
      info: () => undefined,
      error: (...args: unknown[]) => void errors.push(args[1]),
    };
    const writer = createOtpLogWriter(repository, { firstRetryDelayMs: 60_000, logger });
    await Promise.all([1, 2, 3].map((n) => writer.write(entry(n))));
    down = false;
    await writer.drain();
    expect(committed).toEqual([entry(1), entry(3)]);
    expect(writer.heldRows()).toBe(0);
    expect(errors).toEqual(['otp_logs: a held log row was refused by the database and dropped']);
  });

  it('writes the held rows on drain (shutdown) when the database is back by then', async () => {
    const repository = flakyRepository();
    const writer = createOtpLogWriter(repository, { firstRetryDelayMs: 60_000 });
    await writer.write(entry(1));
    repository.state.down = false;
    await writer.drain();
    expect(repository.state.committed).toEqual([entry(1)]);
  });

  it('gives up on drain after drainTimeoutMs and logs how many rows were lost', async () => {
    const repository = flakyRepository();
    const errors: unknown[] = [];
    const logger = {
      warn: () => undefined,
      info: () => undefined,
      error: (...args: unknown[]) => void errors.push(args),
    };
    const writer = createOtpLogWriter(repository, { firstRetryDelayMs: 60_000, drainTimeoutMs: 100, logger });
    await writer.write(entry(1));
    await writer.drain();
    expect(errors).toEqual([[{ lostRows: 1 }, 'otp_logs: 1 log rows could not be written before shutdown']]);
  });

  it('holds at most maxHeldRows and none older than maxHeldMs, dropping the oldest and logging the loss', async () => {
    let nowMs = 0;
    const repository = flakyRepository();
    const errors: unknown[] = [];
    const logger = {
      warn: () => undefined,
      info: () => undefined,
      error: (...args: unknown[]) => void errors.push(args[0]),
    };
    const writer = createOtpLogWriter(repository, {
      maxHeldRows: 2,
      maxHeldMs: 1_000,
      firstRetryDelayMs: 60_000,
      logger,
      now: () => nowMs,
    });
    for (const n of [1, 2, 3]) await writer.write(entry(n));
    expect(writer.heldRows()).toBe(2);
    expect(errors).toEqual([{ lostRows: 1 }]);
    nowMs = 2_000;
    await writer.write(entry(4));
    expect(writer.heldRows()).toBe(1);
    repository.state.down = false;
    await writer.drain();
    expect(repository.state.committed).toEqual([entry(4)]);
  });
});
