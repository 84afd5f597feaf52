/**
 * Group commit: the one way this server batches statements (docs/batching.md says which, and what each is worth).
 *
 * A batcher is a DataLoader without a cache: `load(item)` resolves with that item's result once its batch has
 * run (for a write: once it is committed). Items loaded while a batch of the same batcher is in flight go together
 * in the next one, so under load many requests share one statement and one round trip instead of paying one each;
 * when idle, an item's batch starts at the end of the current tick (the items of that tick join it). There is no
 * timer: nobody waits for a batch to fill.
 *
 * `run` gets the items in load order and returns one result per item, in that order, or an Error for an item that
 * failed alone; a `run` that throws fails every item of its batch.
 */
import DataLoader from 'dataloader';
import { isDatabaseUnavailableError } from './db.js';

/** Items per statement at most: a bound on one statement's parameters and on what one failure takes down. */
export const DEFAULT_MAX_BATCH_SIZE = 500;

export type Batcher<In, Out> = DataLoader<In, Out, In>;

export interface BatcherOptions {
  /** Items per statement at most; more wait for the next batch (default 500). */
  maxBatchSize?: number;
}

export function createBatcher<In, Out>(
  run: (items: readonly In[]) => Promise<Array<Out | Error>>,
  options: BatcherOptions = {},
): Batcher<In, Out> {
  let inFlight: Promise<unknown> = Promise.resolve();
  return new DataLoader<In, Out, In>(
    (items) => {
      const batch = run(items);
      inFlight = batch.catch(() => undefined);
      return batch;
    },
    {
      cache: false,
      maxBatchSize: options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
      // A new batch is dispatched once the one in flight is done (at once when idle), after the current tick.
      batchScheduleFn: (dispatch) => void inFlight.then(() => process.nextTick(dispatch)),
    },
  );
}

/**
 * A batcher for writes: `write` stores the items in one statement. A batch that fails on a bad row (not a lost
 * connection) is written again item by item, so only the bad item's caller fails; one that fails because the
 * database is unreachable fails every item at once. `write` must therefore be safe to repeat for items it already
 * committed in an earlier part of a failed call.
 */
export function createWriteBatcher<In>(
  write: (items: readonly In[]) => Promise<void>,
  options: BatcherOptions = {},
): Batcher<In, void> {
  return createBatcher<In, void>(async (items) => {
    try {
      await write(items);
      return items.map(() => undefined);
    } catch (error) {
      if (items.length === 1 || isDatabaseUnavailableError(error)) throw error;
    }
    const results: Array<undefined | Error> = [];
    for (const item of items) {
      results.push(await write([item]).then(() => undefined, asError));
    }
    return results;
  }, options);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
