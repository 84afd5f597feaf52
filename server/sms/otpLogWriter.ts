/**
 * Writes otp_logs rows in batches without ever acknowledging a row that is not committed.
 *
 * `write(entry)` resolves only once the row's batch is committed, and requests await it before they
 * answer: an answered request always has its log row. Rows written while a batch is in flight are
 * grouped into the next one (group commit), so under load many requests share one INSERT and one round
 * trip instead of one each. A failed batch rejects all its writers (their requests fail with 503).
 */
import type { OtpLogEntry, OtpLogsRepository } from '../db/otpLogsRepository.js';

export interface OtpLogWriter {
  write(entry: OtpLogEntry): Promise<void>;
  /** Resolves once every row written so far is committed or has failed (shutdown). */
  drain(): Promise<void>;
}

interface Pending {
  entry: OtpLogEntry;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export function createOtpLogWriter(repository: Pick<OtpLogsRepository, 'insertMany'>, maxBatchSize = 500): OtpLogWriter {
  let queue: Pending[] = [];
  let inFlight: Promise<void> | undefined;

  const flush = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatchSize);
      queue = queue.slice(batch.length);
      try {
        await repository.insertMany(batch.map((pending) => pending.entry));
        for (const pending of batch) pending.resolve();
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
  };

  const startFlush = () => {
    if (inFlight) return;
    inFlight = flush().finally(() => {
      inFlight = undefined;
      if (queue.length > 0) startFlush();
    });
  };

  return {
    write(entry) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ entry, resolve, reject });
        // Let the rest of this tick's writes join the batch before starting it.
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
