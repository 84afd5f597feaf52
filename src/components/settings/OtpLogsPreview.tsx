import { Fragment, useId, useState } from 'react';
import { useInfiniteQuery, type InfiniteData } from '@tanstack/react-query';
import { ChevronDownIcon, Loader2Icon, RefreshCwIcon } from 'lucide-react';
import {
  OTP_LOG_TYPES,
  type OtpLogItem,
  type OtpLogOrigin,
  type OtpLogType,
  type OtpLogsResponse,
} from '../../../common/api/sms.js';
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
import { useMediaQuery } from '@/hooks/useMediaQuery';
import { OTP_LOGS_QUERY_KEY } from '@/lib/queryClient';
import { cn } from '@/lib/utils';

const PAGE_SIZE = 20;
const COLUMNS = 7;
/** From this width the seven columns fit the card; below it each entry is a stacked row. */
const TABLE_MEDIA_QUERY = '(min-width: 48rem)';

type TypeFilter = OtpLogType | 'all';

const TYPE_LABELS: Record<OtpLogType, string> = {
  autogen: 'Send (autogen)',
  verify: 'Verify',
  template: 'Send (template)',
};

/** Where a provider call came from: our phone login, an admin's test send or template SMS, or Supabase's Send SMS Hook. */
const ORIGIN_LABELS: Record<OtpLogOrigin, string> = { login: 'Login', test: 'Test', supabase_hook: 'Supabase hook' };

function OriginBadge({ origin }: { origin: OtpLogOrigin }) {
  return (
    <Badge variant="outline" className="font-normal text-muted-foreground">
      <span className="sr-only">from </span>
      {ORIGIN_LABELS[origin]}
    </Badge>
  );
}

/** What an empty list means depends on the filter: "nothing yet" only when nothing is filtered out. */
const EMPTY_MESSAGES: Record<TypeFilter, string> = {
  all: 'No OTP activity yet. Send a test OTP to see it here.',
  autogen: 'No autogen sends yet.',
  template: 'No template sends yet.',
  verify: 'No verifications yet.',
};

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
  const wide = useMediaQuery(TABLE_MEDIA_QUERY, true);

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
          <div className="grid justify-items-start gap-1 text-sm text-muted-foreground">
            <p>{EMPTY_MESSAGES[type]}</p>
            {type !== 'all' ? (
              <Button variant="link" size="sm" className="h-auto px-0" onClick={() => setType('all')}>
                Show all types
              </Button>
            ) : null}
          </div>
        ) : (
          <>
            <OtpLogsChart items={items} />
            {wide ? <LogsTable items={items} /> : <LogsList items={items} />}
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

/** Which entries have their details open: a set of ids, toggled one at a time. */
function useOpenEntries() {
  const [open, setOpen] = useState<ReadonlySet<number>>(() => new Set());
  const toggle = (itemId: number) =>
    setOpen((current) => {
      const next = new Set(current);
      if (!next.delete(itemId)) next.add(itemId);
      return next;
    });
  return { isOpen: (itemId: number) => open.has(itemId), toggle };
}

/**
 * Narrow screens: one stacked row per entry (status, type, origin, response time; masked phone, time), the whole
 * row a button that opens the details (session, the provider's answer) below it.
 */
function LogsList({ items }: { items: readonly OtpLogItem[] }) {
  const id = useId();
  const { isOpen, toggle } = useOpenEntries();

  return (
    <ul aria-label="OTP log entries, newest first" className="divide-y rounded-md border">
      {items.map((item) => {
        const expanded = isOpen(item.id);
        const detailsId = `${id}-details-${item.id}`;
        return (
          <li key={item.id} className={cn(expanded && 'bg-muted/40')}>
            <button
              type="button"
              aria-expanded={expanded}
              aria-controls={detailsId}
              onClick={() => toggle(item.id)}
              className="grid w-full gap-1 rounded-md px-3 py-2.5 text-left text-sm outline-none hover:bg-muted/50 focus-visible:ring-[3px] focus-visible:ring-ring/50"
            >
              <span className="flex items-center justify-between gap-3">
                <span className="flex min-w-0 flex-wrap items-center gap-x-2 gap-y-1">
                  <Badge variant={statusVariant(item.status)} className="font-mono">
                    {item.status}
                  </Badge>
                  <span>{item.type}</span>
                  <OriginBadge origin={item.origin} />
                </span>
                <span className="flex shrink-0 items-center gap-1 text-muted-foreground tabular-nums">
                  {item.response_time_ms} ms
                  <ChevronDownIcon
                    className={cn('size-4 transition-transform', expanded && 'rotate-180')}
                    aria-hidden="true"
                  />
                </span>
              </span>
              <span className="flex items-center justify-between gap-3">
                <span className="min-w-0 truncate font-mono">{item.phone}</span>
                <time dateTime={item.created_at} className="shrink-0 text-xs text-muted-foreground">
                  {timeFormat.format(new Date(item.created_at))}
                </time>
              </span>
            </button>
            <dl id={detailsId} hidden={!expanded} className="grid gap-1 px-3 pb-3 text-xs">
              <dt className="font-medium text-muted-foreground">Session</dt>
              <dd className="font-mono break-all">{item.session_id ?? '—'}</dd>
              <dt className="font-medium text-muted-foreground">Provider answer</dt>
              <dd className="font-mono break-all whitespace-pre-wrap">{item.details ?? '—'}</dd>
            </dl>
          </li>
        );
      })}
    </ul>
  );
}

function LogsTable({ items }: { items: readonly OtpLogItem[] }) {
  const id = useId();
  const { isOpen, toggle } = useOpenEntries();

  return (
    // Shown from TABLE_MEDIA_QUERY up; between that and the full layout it may still scroll a little sideways.
    <Table className="min-w-[46rem]">
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
          const expanded = isOpen(item.id);
          const detailsId = `${id}-details-${item.id}`;
          return (
            <Fragment key={item.id}>
              <TableRow data-state={expanded ? 'selected' : undefined}>
                <TableCell>
                  <time dateTime={item.created_at} title={item.created_at}>
                    {timeFormat.format(new Date(item.created_at))}
                  </time>
                </TableCell>
                <TableCell>
                  <span className="flex items-center gap-2">
                    <span>{item.type}</span>
                    <OriginBadge origin={item.origin} />
                  </span>
                </TableCell>
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
                      <ChevronDownIcon
                        className={cn('transition-transform', expanded && 'rotate-180')}
                        aria-hidden="true"
                      />
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
