/**
 * Writes otp_logs rows in batches without ever acknowledging a row that is not committed.
 *
 * `write(entry)` resolves only once the row's batch is committed, and requests await it before they
 * answer: an answered request always has its log row. Rows written while a batch is in flight are
 * grouped into the next one (group commit, see db/batcher.ts), so under load many requests share one
 * INSERT and one round trip instead of one each. A batch that fails for a bad row is retried row by row;
 * one that fails because the database is unreachable rejects all its writers (their requests fail with 503).
 */
import { createWriteBatcher } from '../db/batcher.js';
import type { OtpLogEntry, OtpLogsRepository } from '../db/otpLogsRepository.js';

export interface OtpLogWriter {
  write(entry: OtpLogEntry): Promise<void>;
  /** Resolves once every row written so far is committed or has failed (shutdown). */
  drain(): Promise<void>;
}

export function createOtpLogWriter(repository: Pick<OtpLogsRepository, 'insertMany'>, maxBatchSize = 500): OtpLogWriter {
  const batcher = createWriteBatcher((entries: OtpLogEntry[]) => repository.insertMany(entries), { maxBatchSize });
  return { write: (entry) => batcher.submit(entry), drain: () => batcher.drain() };
}
