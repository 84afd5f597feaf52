/**
 * alert_deliveries: who sends an alert, so each kind goes out at most once per interval across every instance.
 *
 * `claim` is one conditional upsert (atomic without a lock: PostgreSQL re-checks the condition on the row it
 * locks): it wins only when the kind was not delivered within `minIntervalMs` and nobody holds a claim younger
 * than `claimTimeoutMs` (an instance that died mid-send leaves a claim that expires).
 */
import type { Db } from './db.js';

export interface AlertDeliveriesRepository {
  claim(kind: string, at: Date, options: { minIntervalMs: number; claimTimeoutMs: number }): Promise<boolean>;
  /** The webhook took it: the interval starts now, and the claim is done. */
  markSent(kind: string, at: Date): Promise<void>;
  /** Every try failed: drop the claim so a later check can try again. */
  release(kind: string): Promise<void>;
}

export function createAlertDeliveriesRepository(db: Db): AlertDeliveriesRepository {
  return {
    async claim(kind, at, { minIntervalMs, claimTimeoutMs }) {
      const { rowCount } = await db.query(
        `insert into public.alert_deliveries as a (kind, claimed_at) values ($1, $2)
         on conflict (kind) do update set claimed_at = excluded.claimed_at
          where (a.sent_at is null or a.sent_at <= $2::timestamptz - make_interval(secs => $3::double precision / 1000))
            and (a.claimed_at is null or a.claimed_at <= $2::timestamptz - make_interval(secs => $4::double precision / 1000))
         returning kind`,
        [kind, at, minIntervalMs, claimTimeoutMs],
      );
      return rowCount > 0;
    },

    async markSent(kind, at) {
      await db.query('update public.alert_deliveries set sent_at = $2, claimed_at = null where kind = $1', [kind, at]);
    },

    async release(kind) {
      await db.query('update public.alert_deliveries set claimed_at = null where kind = $1', [kind]);
    },
  };
}
