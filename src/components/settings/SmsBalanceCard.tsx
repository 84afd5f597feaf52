import { useId } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { AccountBalance, BalanceAccount, SmsBalanceResponse } from '../../../common/api/sms.js';
import type { ApiError } from '@/api/client';
import { getSmsBalance } from '@/api/sms/getSmsBalance';
import { BalanceSparkline } from '@/components/settings/BalanceSparkline';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Skeleton } from '@/components/ui/skeleton';
import { balanceTrend, describeDaysLeft } from '@/lib/balanceTrend';
import { SMS_BALANCE_QUERY_KEY } from '@/lib/queryClient';
import { cn } from '@/lib/utils';

/** The server polls every 10 minutes; the page looks a little more often than that. */
const REFRESH_MS = 5 * 60_000;
/** What the server's poll interval is said to be until its answer tells (its default). */
const DEFAULT_POLL_INTERVAL_MINUTES = 10;

const ACCOUNT_LABELS: Record<BalanceAccount, string> = { otp_sms: 'OTP SMS', transactional_sms: 'Transactional SMS' };
const ACCOUNT_SPENT_BY: Record<BalanceAccount, string> = {
  otp_sms: 'autogen sends',
  transactional_sms: 'template sends',
};

const count = new Intl.NumberFormat('en-IN', { maximumFractionDigits: 2 });
const signed = new Intl.NumberFormat('en-IN', { maximumFractionDigits: 2, signDisplay: 'exceptZero' });
const time = new Intl.DateTimeFormat('en-IN', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Kolkata' });

/** Settings → SMS & OTP: 2Factor's balances as the server last polled them, with their trend. */
export function SmsBalanceCard() {
  const titleId = useId();
  const balance = useQuery<SmsBalanceResponse, ApiError>({
    queryKey: SMS_BALANCE_QUERY_KEY,
    queryFn: ({ signal }) => getSmsBalance(signal),
    refetchInterval: REFRESH_MS,
  });
  const minutes = balance.data ? Math.round(balance.data.poll_interval_s / 60) : DEFAULT_POLL_INTERVAL_MINUTES;

  return (
    <Card role="region" aria-labelledby={titleId} className="min-w-0">
      <CardHeader>
        <CardTitle id={titleId}>SMS balance</CardTitle>
        <CardDescription>{`2Factor's credits, checked every ${minutes} minutes by one server. The mode in use spends one of the two.`}</CardDescription>
      </CardHeader>
      <CardContent>
        {balance.isPending ? (
          <Skeleton className="h-24 w-full" aria-label="Loading the SMS balance" />
        ) : balance.isError ? (
          <Alert variant="destructive">
            <AlertTitle>The balance is not available</AlertTitle>
            <AlertDescription>{balance.error.message}</AlertDescription>
          </Alert>
        ) : (
          <Balances data={balance.data} />
        )}
      </CardContent>
    </Card>
  );
}

function Balances({ data }: { data: SmsBalanceResponse }) {
  // The account in use first: it is the one the alert watches and the sends spend.
  const accounts = [...data.accounts].sort(
    (a, b) => Number(b.account === data.in_use) - Number(a.account === data.in_use),
  );
  const inUse = accounts[0];
  const low = inUse?.balance != null && data.alert_below > 0 && inUse.balance < data.alert_below;
  return (
    <div className="grid gap-4">
      {low ? (
        <Alert variant="destructive">
          <AlertTitle>Balance low</AlertTitle>
          <AlertDescription>
            {`${ACCOUNT_LABELS[data.in_use]} has ${count.format(inUse.balance!)} credits left, under the alert threshold of ${count.format(data.alert_below)} (SMS_BALANCE_ALERT_BELOW). Top up the 2Factor account before sends start failing.`}
          </AlertDescription>
        </Alert>
      ) : null}
      <div className="grid gap-4 sm:grid-cols-2">
        {accounts.map((account) => (
          <AccountPanel
            key={account.account}
            account={account}
            inUse={account.account === data.in_use}
            alertBelow={data.alert_below}
          />
        ))}
      </div>
    </div>
  );
}

function AccountPanel({ account, inUse, alertBelow }: { account: AccountBalance; inUse: boolean; alertBelow: number }) {
  const headingId = useId();
  const trend = balanceTrend(account.history);
  const low = inUse && account.balance !== null && alertBelow > 0 && account.balance < alertBelow;
  return (
    <section
      aria-labelledby={headingId}
      className={cn('grid content-start gap-2 rounded-lg border p-3', !inUse && 'bg-muted/20')}
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 id={headingId} className="text-sm font-medium">
          {ACCOUNT_LABELS[account.account]}
        </h3>
        {inUse ? (
          <Badge variant="secondary">In use</Badge>
        ) : (
          <span className="text-xs text-muted-foreground">{`for ${ACCOUNT_SPENT_BY[account.account]}`}</span>
        )}
      </div>
      {account.balance === null ? (
        <p className="text-sm text-muted-foreground">
          Not read yet. The first check follows within minutes once an API key (or the sandbox) is in place.
        </p>
      ) : (
        <>
          <p className="text-sm">
            <span className={cn('text-2xl font-semibold tabular-nums', low && 'text-destructive')}>
              {count.format(account.balance)}
            </span>{' '}
            <span className="text-muted-foreground">credits left</span>
          </p>
          {trend ? (
            <p className="text-sm text-muted-foreground">
              <span className="font-medium text-foreground tabular-nums">{signed.format(trend.change)}</span>
              {` in the last ${trend.hours} ${trend.hours === 1 ? 'hour' : 'hours'}`}
              {trend.daysLeft !== undefined ? `, ${describeDaysLeft(trend.daysLeft)}` : ''}.
            </p>
          ) : null}
          <BalanceSparkline history={account.history} alertBelow={inUse ? alertBelow : undefined} low={low} />
          {account.fetched_at ? (
            <p className="text-xs text-muted-foreground">{`Checked ${time.format(new Date(account.fetched_at))} IST.`}</p>
          ) : null}
        </>
      )}
    </section>
  );
}
