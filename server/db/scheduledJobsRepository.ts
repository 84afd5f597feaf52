/**
 * Periodic jobs that one instance at a time runs for all (the SMS balance poll): each instance ticks often, and
 * `claimRun` tells it whether the job is due, and if so that this instance runs it.
 *
 * The claim is one short transaction: it takes a PostgreSQL advisory lock (`pg_try_advisory_xact_lock`, so an
 * instance that finds another one claiming moves on without waiting), checks when the job last started on any
 * instance, and records this start. The job itself runs after the commit, so no transaction stays open while
 * it calls out (on PGlite, one connection, that would stall every request).
 */
import type { Db } from './db.js';

export interface ScheduledJobsRepository {
  /**
   * True when `job` has not started within `minIntervalMs` before `at` on any instance: the run is recorded as
   * started at `at` and the caller runs it. False when it is not due, or another instance is claiming it now.
   */
  claimRun(job: string, at: Date, minIntervalMs: number): Promise<boolean>;
}

/** First key of the advisory lock (the second is the job name's hash): only has to differ from other locks. */
export const SCHEDULED_JOB_LOCK_KEY = 2_026_120_104;

export function createScheduledJobsRepository(db: Db): ScheduledJobsRepository {
  return {
    claimRun(job, at, minIntervalMs) {
      return db.transaction(async (tx) => {
        const { rows } = await tx.query<{ locked: boolean }>(
          'select pg_try_advisory_xact_lock($1, hashtext($2)) as locked',
          [SCHEDULED_JOB_LOCK_KEY, job],
        );
        if (!rows[0]?.locked) return false;
        const claimed = await tx.query(
          `insert into public.scheduled_job_runs as runs (job, started_at) values ($1, $2)
           on conflict (job) do update set started_at = excluded.started_at
            where runs.started_at <= $2::timestamptz - make_interval(secs => $3::double precision / 1000)
           returning job`,
          [job, at, minIntervalMs],
        );
        return claimed.rowCount > 0;
      });
    },
  };
}
