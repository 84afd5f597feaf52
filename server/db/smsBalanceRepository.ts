/** sms_balance_samples: 2Factor's balances as polled (server/sms/smsBalance.ts), with their history. */
import type { BalanceAccount } from '../../common/api/sms.js';
import type { Db } from './db.js';

export interface BalanceSample {
  account: BalanceAccount;
  balance: number;
  fetchedAt: Date;
}

export interface SmsBalanceRepository {
  record(samples: readonly BalanceSample[]): Promise<void>;
  /** The newest sample of each account that has one. */
  latest(): Promise<BalanceSample[]>;
  /** The last sample of each hour since `since`, per account, oldest first. */
  hourly(since: Date): Promise<BalanceSample[]>;
  /** Deletes samples older than `before`; returns how many. */
  prune(before: Date): Promise<number>;
}

interface SampleRow {
  account: BalanceAccount;
  balance: number;
  fetched_at: Date | string;
}

const toSample = (row: SampleRow): BalanceSample => ({
  account: row.account,
  balance: Number(row.balance),
  fetchedAt: new Date(row.fetched_at),
});

export function createSmsBalanceRepository(db: Db): SmsBalanceRepository {
  return {
    async record(samples) {
      if (samples.length === 0) return;
      await db.query(
        `insert into public.sms_balance_samples (account, balance, fetched_at)
         select * from unnest($1::text[], $2::float8[], $3::timestamptz[])`,
        [samples.map((s) => s.account), samples.map((s) => s.balance), samples.map((s) => s.fetchedAt.toISOString())],
      );
    },

    async latest() {
      const { rows } = await db.query<SampleRow>(
        `select distinct on (account) account, balance, fetched_at
           from public.sms_balance_samples
          order by account, fetched_at desc`,
      );
      return rows.map(toSample);
    },

    async hourly(since) {
      const { rows } = await db.query<SampleRow>(
        `select account, balance, fetched_at from (
           select distinct on (account, date_trunc('hour', fetched_at)) account, balance, fetched_at
             from public.sms_balance_samples
            where fetched_at >= $1
            order by account, date_trunc('hour', fetched_at), fetched_at desc
         ) as last_of_hour
         order by account, fetched_at`,
        [since],
      );
      return rows.map(toSample);
    },

    async prune(before) {
      return (await db.query('delete from public.sms_balance_samples where fetched_at < $1', [before])).rowCount;
    },
  };
}
