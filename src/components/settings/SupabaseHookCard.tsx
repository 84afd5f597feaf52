import { useEffect, useId, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { Check, Copy } from 'lucide-react';
import {
  SUPABASE_SMS_HOOK_PATH,
  type SupabaseHookResult,
  type SupabaseHookView,
} from '../../../common/api/supabaseHook.js';
import type { ApiError } from '@/api/client';
import { getSupabaseHook } from '@/api/sms/getSupabaseHook';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Skeleton } from '@/components/ui/skeleton';
import { SUPABASE_HOOK_QUERY_KEY } from '@/lib/queryClient';
import { cn } from '@/lib/utils';

/** The last call changes with every Supabase sign-in: look again every half minute. */
const REFRESH_MS = 30_000;
/** How long "Copied" stays before the button reads "Copy" again. */
const COPIED_FOR_MS = 2_000;

const time = new Intl.DateTimeFormat('en-IN', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'Asia/Kolkata' });

/** What each result means to an admin; `bad` ones are shown in the destructive colour. */
const RESULTS: Record<SupabaseHookResult, { label: string; bad: boolean }> = {
  sent: { label: 'SMS sent', bad: false },
  duplicate: { label: 'Repeat of a code already sent: nothing sent', bad: false },
  rate_limited: { label: 'Refused by a send limit', bad: false },
  budget_exhausted: { label: 'Refused: daily SMS budget reached', bad: true },
  invalid_phone: { label: 'Refused: not a phone we can text', bad: false },
  invalid_payload: { label: 'Refused: the request was not a Send SMS Hook call', bad: true },
  provider_error: { label: 'Refused by 2Factor, or no API key set', bad: true },
  otp_length_unsupported: { label: "Refused: set Supabase's SMS OTP length to 6", bad: true },
  provider_unavailable: { label: '2Factor unavailable: Supabase was told to retry', bad: true },
  limiter_unavailable: { label: 'Send limits could not be checked: Supabase was told to retry', bad: true },
  unauthorized: { label: 'Refused: bad or stale signature (check the secret)', bad: true },
};

/**
 * Settings → SMS & OTP: Supabase Auth's Send SMS Hook. Whether this server accepts it
 * (SUPABASE_SMS_HOOK_SECRETS), the URL to paste into Supabase (from PUBLIC_URL) and the last call Supabase made.
 */
export function SupabaseHookCard() {
  const titleId = useId();
  const hook = useQuery<SupabaseHookView, ApiError>({
    queryKey: SUPABASE_HOOK_QUERY_KEY,
    queryFn: ({ signal }) => getSupabaseHook(signal),
    refetchInterval: REFRESH_MS,
  });

  return (
    <Card role="region" aria-labelledby={titleId} className="min-w-0">
      <CardHeader>
        <CardTitle id={titleId}>Supabase Auth hook</CardTitle>
        <CardDescription>
          With Supabase Auth, Supabase makes the sign-in codes and this server texts them through 2Factor (Send SMS
          Hook), with the same limits and logs. Steps: docs/supabase.md.
        </CardDescription>
      </CardHeader>
      <CardContent>
        {hook.isPending ? (
          <Skeleton className="h-24 w-full" aria-label="Loading the Supabase hook status" />
        ) : hook.isError ? (
          <Alert variant="destructive">
            <AlertTitle>The hook status is not available</AlertTitle>
            <AlertDescription>{hook.error.message}</AlertDescription>
          </Alert>
        ) : (
          <HookStatus view={hook.data} />
        )}
      </CardContent>
    </Card>
  );
}

function HookStatus({ view }: { view: SupabaseHookView }) {
  return (
    <div className="grid gap-4">
      <div className="flex flex-wrap items-center gap-2 text-sm">
        {view.enabled ? <Badge>Enabled</Badge> : <Badge variant="outline">Not enabled</Badge>}
        {view.enabled && view.secrets > 1 ? (
          <span className="text-muted-foreground">{`${view.secrets} secrets accepted while one is rotated out`}</span>
        ) : null}
      </div>
      {view.enabled ? null : (
        <p className="text-sm text-muted-foreground">
          Set SUPABASE_SMS_HOOK_SECRETS to the secret Supabase generates for the hook (v1,whsec_…) and restart the
          server. Until then the hook URL answers 404.
        </p>
      )}
      {view.url ? (
        <HookUrl url={view.url} />
      ) : (
        <p className="text-sm text-muted-foreground">{`Set PUBLIC_URL to the address Supabase reaches this server at: the hook URL is PUBLIC_URL + ${SUPABASE_SMS_HOOK_PATH}.`}</p>
      )}
      <LastCall lastCall={view.last_call} />
    </div>
  );
}

function HookUrl({ url }: { url: string }) {
  const inputId = useId();
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (copy !== 'copied') return;
    const timer = setTimeout(() => setCopy('idle'), COPIED_FOR_MS);
    return () => clearTimeout(timer);
  }, [copy]);

  async function copyUrl() {
    try {
      await navigator.clipboard.writeText(url);
      setCopy('copied');
    } catch {
      setCopy('failed');
    }
  }

  return (
    <div className="grid gap-2">
      <Label htmlFor={inputId}>URL to paste into Supabase</Label>
      <div className="flex min-w-0 gap-2">
        <Input
          id={inputId}
          readOnly
          value={url}
          className="min-w-0 flex-1 font-mono text-xs md:text-xs"
          onFocus={(event) => event.currentTarget.select()}
        />
        <Button type="button" variant="outline" onClick={() => void copyUrl()} aria-label="Copy the hook URL">
          {copy === 'copied' ? <Check aria-hidden="true" /> : <Copy aria-hidden="true" />}
          <span className="hidden sm:inline">{copy === 'copied' ? 'Copied' : 'Copy'}</span>
        </Button>
      </div>
      <p role="status" className={cn('text-xs text-muted-foreground', copy === 'failed' && 'text-destructive')}>
        {copy === 'copied'
          ? 'Hook URL copied.'
          : copy === 'failed'
            ? 'The browser refused to copy: select the URL and copy it by hand.'
            : ''}
      </p>
      <p className="text-xs text-muted-foreground">In Supabase: Authentication → Auth Hooks → Send SMS hook → HTTPS.</p>
    </div>
  );
}

function LastCall({ lastCall }: { lastCall: SupabaseHookView['last_call'] }) {
  if (!lastCall) return <p className="text-sm text-muted-foreground">No call from Supabase yet.</p>;
  const result = RESULTS[lastCall.result];
  return (
    <dl className="grid gap-1 text-sm">
      <dt className="font-medium">Last call</dt>
      <dd className="text-muted-foreground">
        <time dateTime={lastCall.at}>{`${time.format(new Date(lastCall.at))} IST`}</time>
      </dd>
      <dd className={cn(result.bad && 'text-destructive')}>{`${result.label} (answered ${lastCall.http_status})`}</dd>
    </dl>
  );
}
