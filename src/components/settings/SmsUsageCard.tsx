import { useId } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { SmsUsageResponse } from '../../../common/api/sms.js';
import type { ApiError } from '@/api/client';
import { getSmsUsage } from '@/api/sms/getSmsUsage';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Skeleton } from '@/components/ui/skeleton';
import { SMS_USAGE_QUERY_KEY } from '@/lib/queryClient';
import { cn } from '@/lib/utils';

/** From this share of the budget on, the bar turns to a warning. */
const WARNING_SHARE = 0.8;
const REFRESH_MS = 30_000;

const count = new Intl.NumberFormat('en-IN');
const time = new Intl.DateTimeFormat('en-IN', { timeStyle: 'short', timeZone: 'Asia/Kolkata' });

/** Settings → SMS & OTP: today's SMS against SMS_DAILY_BUDGET (all instances together; days are IST days). */
export function SmsUsageCard() {
  const titleId = useId();
  const usage = useQuery<SmsUsageResponse, ApiError>({
    queryKey: SMS_USAGE_QUERY_KEY,
    queryFn: ({ signal }) => getSmsUsage(signal),
    refetchInterval: REFRESH_MS,
  });

  return (
    <Card role="region" aria-labelledby={titleId} className="min-w-0">
      <CardHeader>
        <CardTitle id={titleId}>Today&apos;s SMS</CardTitle>
        <CardDescription>
          Text messages sent today by every instance, against the daily budget (SMS_DAILY_BUDGET).
        </CardDescription>
      </CardHeader>
      <CardContent>
        {usage.isPending ? (
          <Skeleton className="h-10 w-full" aria-label="Loading today's SMS count" />
        ) : usage.isError ? (
          <Alert variant="destructive">
            <AlertTitle>Today&apos;s count is not available</AlertTitle>
            <AlertDescription>{usage.error.message}</AlertDescription>
          </Alert>
        ) : (
          <UsageBar usage={usage.data} />
        )}
      </CardContent>
    </Card>
  );
}

function UsageBar({ usage }: { usage: SmsUsageResponse }) {
  const labelId = useId();
  const share = usage.daily_budget > 0 ? Math.min(1, usage.sent_today / usage.daily_budget) : 1;
  const exhausted = usage.sent_today >= usage.daily_budget;
  const resetsAt = time.format(new Date(usage.resets_at));
  return (
    <div className="grid gap-3">
      <p id={labelId} className="text-sm">
        <span className="text-2xl font-semibold tabular-nums">{count.format(usage.sent_today)}</span>{' '}
        <span className="text-muted-foreground">{`of ${count.format(usage.daily_budget)} sent today`}</span>
      </p>
      <div
        role="progressbar"
        aria-labelledby={labelId}
        aria-valuemin={0}
        aria-valuemax={usage.daily_budget}
        aria-valuenow={Math.min(usage.sent_today, usage.daily_budget)}
        className="h-2 overflow-hidden rounded-full bg-muted"
      >
        <div
          className={cn(
            'h-full rounded-full bg-primary transition-[width]',
            share >= WARNING_SHARE && 'bg-amber-600',
            exhausted && 'bg-destructive',
          )}
          style={{ width: `${share * 100}%` }}
        />
      </div>
      {exhausted ? (
        <Alert variant="destructive">
          <AlertTitle>Daily budget reached</AlertTitle>
          <AlertDescription>
            Every send now answers “sms_budget_exhausted” until the count starts over at {resetsAt} IST. Raise
            SMS_DAILY_BUDGET if this traffic is expected.
          </AlertDescription>
        </Alert>
      ) : (
        <p className="text-sm text-muted-foreground">The count starts over at {resetsAt} IST (midnight in India).</p>
      )}
    </div>
  );
}
