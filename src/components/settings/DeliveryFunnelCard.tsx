import { useId, useState } from 'react';
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import { RefreshCwIcon } from 'lucide-react';
import { FUNNEL_PERIODS, type DeliveryFunnelResponse, type FunnelPeriod } from '../../../common/api/delivery.js';
import type { ApiError } from '@/api/client';
import { getDeliveryFunnel } from '@/api/sms/getDeliveryFunnel';
import { DeliveryByHour } from '@/components/settings/DeliveryByHour';
import { DeliveryFunnelFigures } from '@/components/settings/DeliveryFunnelFigures';
import { VoiceInsteadOfSmsAlert } from '@/components/settings/VoiceInsteadOfSmsAlert';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Skeleton } from '@/components/ui/skeleton';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '@/components/ui/tabs';
import { DELIVERY_FUNNEL_QUERY_KEY } from '@/lib/queryClient';
import { cn } from '@/lib/utils';

/** Delivery reports arrive seconds after a send: the card keeps up without a reload. */
const REFRESH_MS = 10_000;

const PERIOD_LABELS: Record<FunnelPeriod, { tab: string; text: string }> = {
  '24h': { tab: 'Last 24 hours', text: 'last 24 hours' },
  '7d': { tab: 'Last 7 days', text: 'last 7 days' },
};

const count = new Intl.NumberFormat('en-IN');

/**
 * Settings → SMS & OTP: what happened after 2Factor said "Success" (queued, not delivered). Of the OTP sends of the
 * last 24 hours or 7 days: how many 2Factor then reported delivered, failed (and why) or not yet, how long delivery
 * took, how many codes were verified, and by hour of the day. Warns when codes went out as voice calls.
 */
export function DeliveryFunnelCard() {
  const titleId = useId();
  const [period, setPeriod] = useState<FunnelPeriod>('24h');
  const funnel = useQuery<DeliveryFunnelResponse, ApiError>({
    queryKey: [...DELIVERY_FUNNEL_QUERY_KEY, period],
    queryFn: ({ signal }) => getDeliveryFunnel(period, signal),
    refetchInterval: REFRESH_MS,
  });
  const refreshing = funnel.isFetching && !funnel.isPending;

  return (
    <Card role="region" aria-labelledby={titleId} className="min-w-0">
      <CardHeader>
        <CardTitle>
          <h2 id={titleId}>Delivery funnel</h2>
        </CardTitle>
        <CardDescription>
          2Factor&apos;s &ldquo;Success&rdquo; means queued. Its delivery reports tell what reached the phone; verified
          codes tell who used it.
        </CardDescription>
        <CardAction>
          <Button variant="outline" size="sm" onClick={() => void funnel.refetch()} disabled={funnel.isFetching}>
            <RefreshCwIcon className={cn(refreshing && 'animate-spin')} aria-hidden="true" />
            Refresh
          </Button>
        </CardAction>
      </CardHeader>

      <CardContent className="grid min-w-0 gap-6">
        {funnel.data ? <VoiceInsteadOfSmsAlert voice={funnel.data.voice_instead_of_sms} /> : null}
        {funnel.data && !funnel.data.reports_enabled ? <ReportsOffNotice /> : null}

        <Tabs value={period} onValueChange={(value) => setPeriod(value as FunnelPeriod)} className="min-w-0 gap-4">
          <TabsList aria-label="Period">
            {FUNNEL_PERIODS.map((value) => (
              <TabsTrigger key={value} value={value}>
                {PERIOD_LABELS[value].tab}
              </TabsTrigger>
            ))}
          </TabsList>
          {FUNNEL_PERIODS.map((value) => (
            <TabsContent key={value} value={value} className="min-w-0">
              {value === period ? <PeriodFunnel query={funnel} periodText={PERIOD_LABELS[value].text} /> : null}
            </TabsContent>
          ))}
        </Tabs>
      </CardContent>
    </Card>
  );
}

function PeriodFunnel({
  query,
  periodText,
}: {
  query: UseQueryResult<DeliveryFunnelResponse, ApiError>;
  periodText: string;
}) {
  if (query.isPending) {
    return (
      <div className="grid gap-3" aria-busy="true">
        <span role="status" className="sr-only">
          Loading the delivery funnel…
        </span>
        <Skeleton className="h-8 w-full" />
        <Skeleton className="h-8 w-full" />
        <Skeleton className="h-8 w-full" />
        <Skeleton className="h-28 w-full" />
      </div>
    );
  }
  if (query.isError) {
    return (
      <Alert variant="destructive">
        <AlertTitle>The delivery funnel could not be loaded</AlertTitle>
        <AlertDescription>
          <p>{query.error.message}</p>
          <Button variant="outline" size="sm" className="mt-2" onClick={() => void query.refetch()}>
            Try again
          </Button>
        </AlertDescription>
      </Alert>
    );
  }
  const funnel = query.data;
  if (funnel.accepted === 0) {
    return <p className="text-sm text-muted-foreground">{`No OTP was sent in the ${periodText}.`}</p>;
  }
  return (
    <div className="grid min-w-0 gap-6">
      <DeliveryFunnelFigures funnel={funnel} />
      <DeliveryByHour hours={funnel.by_hour} periodText={periodText} />
      {funnel.unmatched_reports > 0 ? (
        <p className="text-xs text-muted-foreground">
          {`2Factor also sent ${count.format(funnel.unmatched_reports)} ${funnel.unmatched_reports === 1 ? 'report' : 'reports'} about sends this app did not make in the ${periodText}: another app may share the 2Factor account.`}
        </p>
      ) : null}
    </div>
  );
}

/**
 * Without a callback token the server takes no reports, so nothing is ever counted delivered: say how to turn them on.
 * (No server variable names in the client bundle: the README names the variable.)
 */
function ReportsOffNotice() {
  return (
    <Alert role="status">
      <AlertTitle className="line-clamp-none">Delivery reports are off</AlertTitle>
      <AlertDescription>
        <p>
          Give the server a delivery callback token in its environment (see the README), then enter{' '}
          <code className="break-all">{`${window.location.origin}/api/sms/callbacks/2factor/<token>`}</code> as the
          delivery callback URL in your 2Factor account. Until then no send counts as delivered.
        </p>
      </AlertDescription>
    </Alert>
  );
}
