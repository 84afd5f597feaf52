/**
 * Group commit for one kind of statement. Items submitted while a batch is in flight go together in the
 * next one, so under load many requests share one round trip instead of paying one each; when idle, an item
 * starts a batch at once (after the current tick, so the items of that tick join it). There is no timer:
 * nobody waits for a batch to fill.
 *
 * `run` gets the items in submission order and returns one result per item, in that order. `submit`
 * resolves with the item's result once its batch has run: for a write, once it is committed.
 */
import { isDatabaseUnavailableError } from './db.js';

export interface Batcher<In, Out> {
  submit(item: In): Promise<Out>;
  /** Resolves once every item submitted so far has run or failed (shutdown). */
  drain(): Promise<void>;
}

export interface BatcherOptions<In> {
  maxBatchSize?: number;
  /**
   * Items with the same key never share a batch: a later one waits for the next batch, after the earlier
   * has run. For statements whose rows must see each other (the newest session of a phone ends the older).
   */
  conflictKey?: (item: In) => string;
  /**
   * When a batch of several items fails with an error this accepts (a bad row, not a lost connection),
   * each item runs again on its own, so one bad item fails only its own caller.
   */
  retryAlone?: (error: unknown) => boolean;
}

interface Pending<In, Out> {
  item: In;
  resolve: (result: Out) => void;
  reject: (error: unknown) => void;
}

export function createBatcher<In, Out>(run: (items: In[]) => Promise<Out[]>, options: BatcherOptions<In> = {}): Batcher<In, Out> {
  const maxBatchSize = options.maxBatchSize ?? 500;
  let queue: Pending<In, Out>[] = [];
  let inFlight: Promise<void> | undefined;

  /** The next batch: the oldest items, up to maxBatchSize, skipping (and keeping queued) conflicting ones. */
  const takeBatch = (): Pending<In, Out>[] => {
    const keys = new Set<string>();
    const batch: Pending<In, Out>[] = [];
    const rest: Pending<In, Out>[] = [];
    for (const pending of queue) {
      const key = options.conflictKey?.(pending.item);
      if (batch.length < maxBatchSize && (key === undefined || !keys.has(key))) {
        if (key !== undefined) keys.add(key);
        batch.push(pending);
      } else {
        rest.push(pending);
      }
    }
    queue = rest;
    return batch;
  };

  const settle = async (batch: Pending<In, Out>[]): Promise<void> => {
    try {
      const results = await run(batch.map((pending) => pending.item));
      batch.forEach((pending, index) => pending.resolve(results[index] as Out));
    } catch (error) {
      if (batch.length > 1 && options.retryAlone?.(error)) {
        for (const pending of batch) await settle([pending]);
      } else {
        for (const pending of batch) pending.reject(error);
      }
    }
  };

  const flush = async (): Promise<void> => {
    while (queue.length > 0) await settle(takeBatch());
  };

  const startFlush = () => {
    if (inFlight) return;
    inFlight = flush().finally(() => {
      inFlight = undefined;
      if (queue.length > 0) startFlush();
    });
  };

  return {
    submit(item) {
      return new Promise<Out>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        // Let the rest of this tick's items join the batch before starting it.
        if (!inFlight) queueMicrotask(startFlush);
      });
    },
    async drain() {
      while (inFlight || queue.length > 0) {
        if (!inFlight) startFlush();
        await inFlight;
      }
    },
  };
}

/**
 * A batcher for writes: `write` stores the items in one statement, and each caller learns when its item is
 * committed. A batch that fails on a bad row is retried row by row, so only that row's caller fails; one that
 * fails because the database is unreachable fails at once.
 */
export function createWriteBatcher<In>(
  write: (items: In[]) => Promise<void>,
  options: Omit<BatcherOptions<In>, 'retryAlone'> = {},
): Batcher<In, void> {
  return createBatcher(
    async (items: In[]) => {
      await write(items);
      return items.map(() => undefined);
    },
    { ...options, retryAlone: (error) => !isDatabaseUnavailableError(error) },
  );
}
