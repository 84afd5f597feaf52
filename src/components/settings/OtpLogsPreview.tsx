import { Fragment, useId, useState } from 'react';
import { useInfiniteQuery, type InfiniteData } from '@tanstack/react-query';
import { ChevronDownIcon, Loader2Icon, RefreshCwIcon } from 'lucide-react';
import { OTP_LOG_TYPES, type OtpLogItem, type OtpLogType, type OtpLogsResponse } from '../../../common/api/sms.js';
import type { ApiError } from '@/api/client';
import { getOtpLogs } from '@/api/sms/getOtpLogs';
import { OtpLogsChart } from '@/components/settings/OtpLogsChart';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Label } from '@/components/ui/label';
import { NativeSelect, NativeSelectOption } from '@/components/ui/native-select';
import { Skeleton } from '@/components/ui/skeleton';
import { Table, TableBody, TableCaption, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { OTP_LOGS_QUERY_KEY } from '@/lib/queryClient';
import { cn } from '@/lib/utils';

const PAGE_SIZE = 20;
const COLUMNS = 7;

type TypeFilter = OtpLogType | 'all';

const TYPE_LABELS: Record<OtpLogType, string> = { autogen: 'Send (autogen)', verify: 'Verify', template: 'Send (template)' };

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

function statusVariant(status: string): 'default' | 'secondary' | 'outline' | 'destructive' {
  if (status === 'verified') return 'default';
  if (status === 'sent') return 'secondary';
  if (status.startsWith('provider_')) return 'destructive';
  return 'outline';
}

/** Section 3 of Settings → SMS & OTP: the latest provider calls, a chart of them, and their raw answers on demand. */
export function OtpLogsPreview() {
  const titleId = useId();
  const filterId = useId();
  const [type, setType] = useState<TypeFilter>('all');

  const logs = useInfiniteQuery<
    OtpLogsResponse,
    ApiError,
    InfiniteData<OtpLogsResponse, number | undefined>,
    readonly unknown[],
    number | undefined
  >({
    queryKey: [...OTP_LOGS_QUERY_KEY, { type }],
    queryFn: ({ pageParam, signal }) =>
      getOtpLogs({ limit: PAGE_SIZE, before: pageParam, type: type === 'all' ? undefined : type }, signal),
    initialPageParam: undefined,
    getNextPageParam: (last) => last.next_before ?? undefined,
  });

  const items = logs.data?.pages.flatMap((page) => page.items) ?? [];
  const refreshing = logs.isFetching && !logs.isFetchingNextPage && !logs.isPending;

  return (
    <Card role="region" aria-labelledby={titleId} className="min-w-0">
      <CardHeader>
        <CardTitle>
          <h2 id={titleId}>Logs Preview</h2>
        </CardTitle>
        <CardDescription>The latest OTP sends and checks, newest first. Phone numbers are masked.</CardDescription>
        <CardAction>
          <Button variant="outline" size="sm" onClick={() => void logs.refetch()} disabled={logs.isFetching}>
            <RefreshCwIcon className={cn(refreshing && 'animate-spin')} aria-hidden="true" />
            Refresh
          </Button>
        </CardAction>
      </CardHeader>

      <CardContent className="grid min-w-0 gap-6">
        <div className="grid max-w-xs gap-2">
          <Label htmlFor={filterId}>Type</Label>
          <NativeSelect id={filterId} value={type} onChange={(event) => setType(event.target.value as TypeFilter)}>
            <NativeSelectOption value="all">All types</NativeSelectOption>
            {OTP_LOG_TYPES.map((value) => (
              <NativeSelectOption key={value} value={value}>
                {TYPE_LABELS[value]}
              </NativeSelectOption>
            ))}
          </NativeSelect>
        </div>

        {logs.isPending ? (
          <div className="grid gap-2" aria-busy="true">
            <span role="status" className="sr-only">
              Loading the OTP logs…
            </span>
            <Skeleton className="h-28 w-full" />
            <Skeleton className="h-8 w-full" />
            <Skeleton className="h-8 w-full" />
          </div>
        ) : logs.isError && items.length === 0 ? (
          <Alert variant="destructive">
            <AlertTitle>The OTP logs could not be loaded</AlertTitle>
            <AlertDescription>
              <p>{logs.error.message}</p>
              <Button variant="outline" size="sm" className="mt-2" onClick={() => void logs.refetch()}>
                Try again
              </Button>
            </AlertDescription>
          </Alert>
        ) : items.length === 0 ? (
          <p className="text-sm text-muted-foreground">No OTP activity yet. Send a test OTP to see it here.</p>
        ) : (
          <>
            <OtpLogsChart items={items} />
            <LogsTable items={items} />
            {logs.isError ? (
              <Alert variant="destructive">
                <AlertDescription>{logs.error.message}</AlertDescription>
              </Alert>
            ) : null}
            {logs.hasNextPage ? (
              <Button
                variant="outline"
                className="justify-self-center"
                onClick={() => void logs.fetchNextPage()}
                disabled={logs.isFetchingNextPage}
              >
                {logs.isFetchingNextPage ? <Loader2Icon className="animate-spin" aria-hidden="true" /> : null}
                {logs.isFetchingNextPage ? 'Loading…' : 'Load more'}
              </Button>
            ) : null}
          </>
        )}
        <p role="status" className="sr-only">
          {logs.isPending ? '' : `Showing ${items.length} ${items.length === 1 ? 'entry' : 'entries'}.`}
        </p>
      </CardContent>
    </Card>
  );
}

function LogsTable({ items }: { items: readonly OtpLogItem[] }) {
  const id = useId();
  const [open, setOpen] = useState<ReadonlySet<number>>(() => new Set());

  function toggle(itemId: number) {
    setOpen((current) => {
      const next = new Set(current);
      if (!next.delete(itemId)) next.add(itemId);
      return next;
    });
  }

  return (
    // The table scrolls sideways inside the card on small screens (Table's own container).
    <Table className="min-w-[44rem]">
      <TableCaption className="sr-only">OTP log entries, newest first</TableCaption>
      <TableHeader>
        <TableRow>
          <TableHead scope="col">Time</TableHead>
          <TableHead scope="col">Type</TableHead>
          <TableHead scope="col">Status</TableHead>
          <TableHead scope="col">Phone</TableHead>
          <TableHead scope="col">Session</TableHead>
          <TableHead scope="col" className="text-right">
            Response time
          </TableHead>
          <TableHead scope="col">
            <span className="sr-only">Provider details</span>
          </TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {items.map((item) => {
          const expanded = open.has(item.id);
          const detailsId = `${id}-details-${item.id}`;
          return (
            <Fragment key={item.id}>
              <TableRow data-state={expanded ? 'selected' : undefined}>
                <TableCell>
                  <time dateTime={item.created_at} title={item.created_at}>
                    {timeFormat.format(new Date(item.created_at))}
                  </time>
                </TableCell>
                <TableCell>{item.type}</TableCell>
                <TableCell>
                  <Badge variant={statusVariant(item.status)} className="font-mono">
                    {item.status}
                  </Badge>
                </TableCell>
                <TableCell className="font-mono">{item.phone}</TableCell>
                <TableCell className="font-mono">
                  {item.session_id ? (
                    <span title={item.session_id}>{`${item.session_id.slice(0, 8)}…`}</span>
                  ) : (
                    <span className="text-muted-foreground">—</span>
                  )}
                </TableCell>
                <TableCell className="text-right tabular-nums">{item.response_time_ms} ms</TableCell>
                <TableCell className="text-right">
                  {item.details ? (
                    <Button
                      variant="ghost"
                      size="sm"
                      aria-expanded={expanded}
                      aria-controls={detailsId}
                      onClick={() => toggle(item.id)}
                    >
                      Details
                      <ChevronDownIcon className={cn('transition-transform', expanded && 'rotate-180')} aria-hidden="true" />
                    </Button>
                  ) : (
                    <span className="text-muted-foreground">—</span>
                  )}
                </TableCell>
              </TableRow>
              {item.details ? (
                <TableRow id={detailsId} hidden={!expanded} className="bg-muted/30 hover:bg-muted/30">
                  <TableCell colSpan={COLUMNS} className="whitespace-normal">
                    {/* Sticks to the visible part of the sideways-scrolled table, where the Details button was. */}
                    <div className="sticky left-2 w-fit max-w-[min(40rem,calc(100vw-6rem))]">
                      <p className="mb-1 text-xs font-medium text-muted-foreground">Provider answer</p>
                      <pre className="font-mono text-xs break-all whitespace-pre-wrap">{item.details}</pre>
                    </div>
                  </TableCell>
                </TableRow>
              ) : null}
            </Fragment>
          );
        })}
      </TableBody>
    </Table>
  );
}
