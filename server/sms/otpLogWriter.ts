/**
 * Writes otp_logs rows in batches, and keeps the row of every provider call even while the database is down.
 *
 * `write(entry)` resolves once the row's batch is committed, and requests await it before they answer. Rows
 * written while a batch is in flight are grouped into the next one (db/batcher.ts, docs/batching.md), so under
 * load many requests share one INSERT and one round trip instead of one each. A batch that fails for a bad row is
 * retried row by row, and only that row's write fails.
 *
 * When the database is unreachable, the SMS has usually already gone out: its row must not be lost. The row is
 * then held in memory (`write` resolves: the row is in our hands) and written when the database is back, retried
 * with a growing pause. Held rows are bounded: at most `maxHeldRows`, none older than `maxHeldMs`; past that the
 * oldest are dropped and the loss is logged as an error with its count. `drain` (on SIGTERM) tries the held rows
 * once more for up to `drainTimeoutMs`. Every row carries its own `callId`, and the insert skips ids already
 * stored, so a batch whose commit was acknowledged by nobody (a connection killed mid-insert) is not written twice.
 */
import type { Logger } from 'pino';
import { createWriteBatcher, DEFAULT_MAX_BATCH_SIZE } from '../db/batcher.js';
import { isDatabaseUnavailableError } from '../db/db.js';
import type { OtpLogEntry, OtpLogsRepository } from '../db/otpLogsRepository.js';

/** Held rows at most while the database is down: bounds memory (a row is well under 1 kB). */
const DEFAULT_MAX_HELD_ROWS = 50_000;
/** Held rows older than this are dropped: an outage that long needs a person, not a longer queue. */
const DEFAULT_MAX_HELD_MS = 3_600_000;
const DEFAULT_FIRST_RETRY_DELAY_MS = 500;
const DEFAULT_MAX_RETRY_DELAY_MS = 10_000;
/** What a stop waits for held rows; stays under the server's shutdown grace. */
const DEFAULT_DRAIN_TIMEOUT_MS = 5_000;
/** While draining, held rows are tried again this often. */
const DRAIN_RETRY_PAUSE_MS = 250;

export interface OtpLogWriter {
  write(entry: OtpLogEntry): Promise<void>;
  /** Resolves once every row written so far is committed, held rows included (or `drainTimeoutMs` passed). */
  drain(): Promise<void>;
  /** Rows held in memory until the database is back. */
  heldRows(): number;
}

export interface OtpLogWriterOptions {
  maxBatchSize?: number;
  maxHeldRows?: number;
  maxHeldMs?: number;
  /** First pause before trying held rows again; it doubles up to `maxRetryDelayMs`. */
  firstRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  drainTimeoutMs?: number;
  logger?: Pick<Logger, 'warn' | 'error' | 'info'>;
  now?: () => number;
}

export function createOtpLogWriter(
  repository: Pick<OtpLogsRepository, 'insertMany'>,
  options: OtpLogWriterOptions = {},
): OtpLogWriter {
  const maxHeldRows = options.maxHeldRows ?? DEFAULT_MAX_HELD_ROWS;
  const maxHeldMs = options.maxHeldMs ?? DEFAULT_MAX_HELD_MS;
  const firstRetryDelayMs = options.firstRetryDelayMs ?? DEFAULT_FIRST_RETRY_DELAY_MS;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS;
  const maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
  const now = options.now ?? Date.now;
  const batcher = createWriteBatcher((entries: readonly OtpLogEntry[]) => repository.insertMany(entries), {
    maxBatchSize,
  });
  /** Writes not settled yet, for drain. */
  const inFlight = new Set<Promise<unknown>>();

  let held: Array<{ entry: OtpLogEntry; heldAtMs: number }> = [];
  let retryTimer: NodeJS.Timeout | undefined;
  let retryDelayMs = firstRetryDelayMs;
  let retrying: Promise<void> | undefined;

  const dropExcess = () => {
    const cutoff = now() - maxHeldMs;
    let drop = Math.max(0, held.length - maxHeldRows);
    while (drop < held.length && held[drop]!.heldAtMs < cutoff) drop += 1;
    if (drop === 0) return;
    held = held.slice(drop);
    options.logger?.error(
      { lostRows: drop },
      `otp_logs: ${drop} log rows lost; the database was unreachable for too long`,
    );
  };

  const hold = (entry: OtpLogEntry) => {
    if (held.length === 0)
      options.logger?.warn('otp_logs: the database is unreachable; keeping log rows in memory until it is back');
    held.push({ entry, heldAtMs: now() });
    dropExcess();
    scheduleRetry();
  };

  const scheduleRetry = () => {
    if (retryTimer || retrying) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      retrying = retryHeld().finally(() => {
        retrying = undefined;
        if (held.length > 0) scheduleRetry();
      });
    }, retryDelayMs);
    retryTimer.unref();
  };

  /**
   * Writes the held rows, oldest first, through the same batcher, up to a batch at a time; stops at the first sign
   * the database is still down. A row the database refuses (a bad row, not an outage) is dropped and logged.
   */
  const retryHeld = async (): Promise<void> => {
    while (held.length > 0) {
      const part = held.slice(0, maxBatchSize);
      const outcomes = await Promise.all(
        part.map(({ entry }) =>
          batcher.load(entry).then(
            () => undefined,
            (error: unknown) => error,
          ),
        ),
      );
      const stillDown = outcomes.some(isDatabaseUnavailableError);
      for (const error of outcomes) {
        if (error !== undefined && !isDatabaseUnavailableError(error)) {
          options.logger?.error({ err: error }, 'otp_logs: a held log row was refused by the database and dropped');
        }
      }
      const done = new Set(part.filter((_, i) => !isDatabaseUnavailableError(outcomes[i])));
      held = held.filter((item) => !done.has(item));
      if (stillDown) {
        retryDelayMs = Math.min(retryDelayMs * 2, maxRetryDelayMs);
        return;
      }
    }
    retryDelayMs = firstRetryDelayMs;
    options.logger?.info('otp_logs: the database is back; the held log rows are written');
  };

  return {
    async write(entry) {
      const written = batcher.load(entry);
      inFlight.add(written);
      try {
        await written;
      } catch (error) {
        if (!isDatabaseUnavailableError(error)) throw error;
        hold(entry);
      } finally {
        inFlight.delete(written);
      }
    },

    async drain() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      if (held.length === 0 && !retrying) return;
      clearTimeout(retryTimer);
      retryTimer = undefined;
      const deadline = now() + (options.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS);
      while ((held.length > 0 || retrying) && now() < deadline) {
        await (retrying ?? (retrying = retryHeld().finally(() => (retrying = undefined))));
        if (held.length > 0)
          await new Promise((resolve) =>
            setTimeout(resolve, Math.min(DRAIN_RETRY_PAUSE_MS, Math.max(0, deadline - now()))),
          );
      }
      if (held.length > 0)
        options.logger?.error(
          { lostRows: held.length },
          `otp_logs: ${held.length} log rows could not be written before shutdown`,
        );
    },

    heldRows: () => held.length,
  };
}
