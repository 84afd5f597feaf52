import { useId } from 'react';
import { useQuery } from '@tanstack/react-query';
import type { SmsSettingsChangesResponse, SmsSettingsField } from '../../../common/api/sms.js';
import type { ApiError } from '@/api/client';
import { getSmsSettingsChanges } from '@/api/sms/getSmsSettingsChanges';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Skeleton } from '@/components/ui/skeleton';
import { SMS_SETTINGS_CHANGES_QUERY_KEY } from '@/lib/queryClient';

const FIELD_LABELS: Record<SmsSettingsField, string> = {
  api_key: 'API key',
  template_name: 'Template name',
  mode: 'Mode',
};
const time = new Intl.DateTimeFormat('en-IN', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Kolkata' });

/** Settings → SMS & OTP: the audit trail of the settings above (who, when, which fields; never values). */
export function SmsSettingsChanges() {
  const titleId = useId();
  const changes = useQuery<SmsSettingsChangesResponse, ApiError>({
    queryKey: SMS_SETTINGS_CHANGES_QUERY_KEY,
    queryFn: ({ signal }) => getSmsSettingsChanges(signal),
  });

  return (
    <Card role="region" aria-labelledby={titleId} className="min-w-0">
      <CardHeader>
        <CardTitle id={titleId}>Settings history</CardTitle>
        <CardDescription>
          Who saved which settings, and when. Values are never recorded, so the API key never appears here.
        </CardDescription>
      </CardHeader>
      <CardContent>
        {changes.isPending ? (
          <Skeleton className="h-16 w-full" aria-label="Loading the settings history" />
        ) : changes.isError ? (
          <Alert variant="destructive">
            <AlertTitle>The history is not available</AlertTitle>
            <AlertDescription>{changes.error.message}</AlertDescription>
          </Alert>
        ) : changes.data.items.length === 0 ? (
          <p className="text-sm text-muted-foreground">
            No changes saved yet: the settings in force come from the server&apos;s environment.
          </p>
        ) : (
          <ol aria-labelledby={titleId} className="grid divide-y">
            {changes.data.items.map((change) => (
              <li
                key={change.id}
                className="grid gap-0.5 py-2 first:pt-0 last:pb-0 sm:grid-cols-[1fr_auto] sm:items-baseline sm:gap-4"
              >
                <p className="text-sm">
                  <span className="font-medium">{change.fields.map((field) => FIELD_LABELS[field]).join(', ')}</span>
                  <span className="text-muted-foreground">{` changed by ${change.changed_by?.email ?? 'a deleted user'}`}</span>
                </p>
                <time dateTime={change.changed_at} className="text-xs text-muted-foreground tabular-nums">
                  {`${time.format(new Date(change.changed_at))} IST`}
                </time>
              </li>
            ))}
          </ol>
        )}
      </CardContent>
    </Card>
  );
}
