import { useId, useMemo, useState } from 'react';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { CheckCircle2Icon, EyeIcon, EyeOffIcon, InfoIcon, Loader2Icon, PlugZapIcon } from 'lucide-react';
import {
  SMS_MODES,
  updateSmsConfigRequestSchema,
  type ConnectionTestResponse,
  type SmsConfigView,
  type SmsMode,
  type UpdateSmsConfigRequest,
} from '../../../common/api/sms.js';
import type { ApiError } from '@/api/client';
import { getSmsConfig } from '@/api/sms/getSmsConfig';
import { testSmsConnection } from '@/api/sms/testSmsConnection';
import { updateSmsConfig } from '@/api/sms/updateSmsConfig';
import { API_KEY_SOURCE_LABELS, ApiKeyInUse } from '@/components/settings/ApiKeyInUse';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import {
  Card,
  CardAction,
  CardContent,
  CardDescription,
  CardFooter,
  CardHeader,
  CardTitle,
} from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { NativeSelect, NativeSelectOption } from '@/components/ui/native-select';
import { Skeleton } from '@/components/ui/skeleton';
import { SMS_BALANCE_QUERY_KEY, SMS_CONFIG_QUERY_KEY, SMS_SETTINGS_CHANGES_QUERY_KEY } from '@/lib/queryClient';

const FIELDS = ['api_key', 'template_name', 'mode'] as const;
type Field = (typeof FIELDS)[number];

interface FormValues {
  /** Empty means "keep the saved key": the saved key is never in the form, only its masked form as a hint. */
  api_key: string;
  template_name: string;
  mode: SmsMode;
}

const MODE_LABELS: Record<SmsMode, string> = {
  autogen: 'Auto-generated (AUTOGEN)',
  template: 'DLT template',
};

const TEMPLATE_NAME_REQUIRED = 'Enter the template name.';

function formValuesOf(config: SmsConfigView): FormValues {
  return { api_key: '', template_name: config.template_name, mode: config.mode };
}

/** Only what the admin changed; an empty key field means "keep the saved key". */
function changedFields(values: FormValues, config: SmsConfigView): UpdateSmsConfigRequest {
  const changes: UpdateSmsConfigRequest = {};
  if (values.api_key.trim() !== '') changes.api_key = values.api_key;
  if (values.template_name.trim() !== config.template_name) changes.template_name = values.template_name;
  if (values.mode !== config.mode) changes.mode = values.mode;
  return changes;
}

/**
 * The form's validation: the fields the admin changed, checked by the request schema the server uses
 * (common/), so both sides refuse the same values with the same words. Unchanged fields are not checked: a
 * template name saved before a rule tightened must not block saving a new key. The output is the request.
 */
function configFormSchema(config: SmsConfigView) {
  return z
    .object({ api_key: z.string(), template_name: z.string(), mode: z.enum(SMS_MODES) })
    .transform((values) => changedFields(values, config))
    .pipe(updateSmsConfigRequestSchema)
    .superRefine((changes, context) => {
      const mode = changes.mode ?? config.mode;
      if (mode === 'template' && (changes.template_name ?? config.template_name).trim() === '') {
        context.addIssue({ code: 'custom', path: ['template_name'], message: 'Template mode needs a template name.' });
      }
    });
}

/** The request schema's words, except for an emptied template name, which reads better as an instruction. */
const FORM_ERROR_MESSAGES = {
  error: (issue: { code?: string; path?: PropertyKey[] }) =>
    issue.code === 'too_small' && issue.path?.[0] === 'template_name' ? TEMPLATE_NAME_REQUIRED : undefined,
};

/** A server issue's path that names one of this form's fields. */
function isField(path: unknown): path is Field {
  return FIELDS.some((field) => field === path);
}

/** The hint under the API key field: what typing a key there does, given the key in use. */
function apiKeyHint(config: SmsConfigView): string {
  switch (config.api_key_source) {
    case 'saved':
      return `Saved key: ${config.api_key_masked}. Type a new key to replace it, or leave this empty to keep it.`;
    case 'environment':
      return "The server's key is in use. Save a key here to use another one instead.";
    case 'sandbox':
      return 'No API key yet: the sandbox answers and no SMS is sent. Paste the key from your 2Factor.in dashboard.';
    case 'none':
      return 'No API key yet: no SMS can be sent. Paste the key from your 2Factor.in dashboard.';
  }
}

/** Section 1 of Settings → SMS & OTP: the 2Factor API key, sender ID, template and mode, and a connection test. */
export function SmsOtpConfigForm() {
  const titleId = useId();
  const config = useQuery<SmsConfigView, ApiError>({
    queryKey: SMS_CONFIG_QUERY_KEY,
    queryFn: ({ signal }) => getSmsConfig(signal),
  });

  return (
    <Card aria-labelledby={titleId} role="region" className="min-w-0">
      <CardHeader>
        <CardTitle>
          <h2 id={titleId}>API Configuration</h2>
        </CardTitle>
        <CardDescription>The 2Factor.in account this app sends OTPs through.</CardDescription>
        {config.data?.sandbox ? (
          <CardAction>
            <Badge variant="outline" className="border-amber-500/60 text-amber-700 dark:text-amber-400">
              Sandbox
            </Badge>
          </CardAction>
        ) : null}
      </CardHeader>

      {config.isPending ? (
        <CardContent className="grid gap-4" aria-busy="true">
          <span className="sr-only" role="status">
            Loading the SMS settings…
          </span>
          <Skeleton className="h-9 w-full" />
          <Skeleton className="h-9 w-full" />
          <Skeleton className="h-9 w-2/3" />
        </CardContent>
      ) : config.isError ? (
        <CardContent>
          <Alert variant="destructive">
            <AlertTitle>The SMS settings could not be loaded</AlertTitle>
            <AlertDescription>
              <p>{config.error.message}</p>
              <Button variant="outline" size="sm" className="mt-2" onClick={() => void config.refetch()}>
                Try again
              </Button>
            </AlertDescription>
          </Alert>
        </CardContent>
      ) : (
        <ConfigFields config={config.data} />
      )}
    </Card>
  );
}

function ConfigFields({ config }: { config: SmsConfigView }) {
  const id = useId();
  const queryClient = useQueryClient();
  const [showKey, setShowKey] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  const {
    register,
    handleSubmit,
    setError,
    reset,
    formState: { errors },
  } = useForm<FormValues, unknown, UpdateSmsConfigRequest>({
    defaultValues: formValuesOf(config),
    resolver: zodResolver(
      useMemo(() => configFormSchema(config), [config]),
      FORM_ERROR_MESSAGES,
    ),
  });

  const save = useMutation<SmsConfigView, ApiError, UpdateSmsConfigRequest>({
    mutationFn: (request) => updateSmsConfig(request),
  });
  const connection = useMutation<ConnectionTestResponse, ApiError, void>({
    mutationFn: () => testSmsConnection(),
  });

  const onSubmit = handleSubmit(async (changes) => {
    save.reset();
    setNotice(null);
    if (Object.keys(changes).length === 0) {
      setNotice('Nothing to save: no field was changed.');
      return;
    }

    try {
      const saved = await save.mutateAsync(changes);
      queryClient.setQueryData(SMS_CONFIG_QUERY_KEY, saved);
      // The audit trail gained a row, and a new mode spends another balance.
      void queryClient.invalidateQueries({ queryKey: SMS_SETTINGS_CHANGES_QUERY_KEY });
      void queryClient.invalidateQueries({ queryKey: SMS_BALANCE_QUERY_KEY });
      reset(formValuesOf(saved));
      setShowKey(false);
      connection.reset();
      setNotice(changes.api_key !== undefined ? 'Settings saved. The new API key is in use.' : 'Settings saved.');
    } catch (error) {
      const issues = (error as ApiError).issues ?? [];
      issues.forEach((issue, index) => {
        if (isField(issue.path))
          setError(issue.path, { type: 'server', message: issue.message }, { shouldFocus: index === 0 });
      });
    }
  });

  const onKeyRemoved = (view: SmsConfigView) => {
    queryClient.setQueryData(SMS_CONFIG_QUERY_KEY, view);
    reset(formValuesOf(view));
    setShowKey(false);
    save.reset();
    connection.reset();
    setNotice(`Saved key removed. Key in use now: ${API_KEY_SOURCE_LABELS[view.api_key_source]}.`);
  };

  const saveError = save.error;
  const fieldIssuesShown = saveError?.issues?.some((issue) => isField(issue.path)) ?? false;
  const describedBy = (field: Field, hintId: string) =>
    [hintId, errors[field] ? `${id}-${field}-error` : null].filter(Boolean).join(' ');
  const fieldError = (field: Field) =>
    errors[field]?.message ? (
      <p id={`${id}-${field}-error`} role="alert" className="text-sm text-destructive">
        {errors[field].message}
      </p>
    ) : null;

  return (
    <form noValidate onSubmit={(event) => void onSubmit(event)} className="flex flex-col gap-6">
      <CardContent className="@container grid gap-5">
        <ApiKeyInUse config={config} onRemoved={onKeyRemoved} />

        <div className="grid gap-2">
          <Label htmlFor={`${id}-api_key`}>API key</Label>
          <div className="flex gap-2">
            <Input
              id={`${id}-api_key`}
              type={showKey ? 'text' : 'password'}
              autoComplete="off"
              autoCapitalize="none"
              spellCheck={false}
              placeholder={
                config.api_key_source === 'saved' && config.api_key_masked
                  ? config.api_key_masked
                  : 'Paste your 2Factor API key'
              }
              aria-invalid={errors.api_key ? true : undefined}
              aria-describedby={describedBy('api_key', `${id}-api_key-hint`)}
              className="font-mono placeholder:font-sans"
              {...register('api_key')}
            />
            <Button
              type="button"
              variant="outline"
              size="icon"
              aria-label="Show API key"
              aria-pressed={showKey}
              aria-controls={`${id}-api_key`}
              onClick={() => setShowKey((shown) => !shown)}
            >
              {showKey ? <EyeOffIcon aria-hidden="true" /> : <EyeIcon aria-hidden="true" />}
            </Button>
          </div>
          <p id={`${id}-api_key-hint`} className="text-sm text-muted-foreground">
            {apiKeyHint(config)}
          </p>
          {fieldError('api_key')}
        </div>

        <div className="grid gap-2">
          <Label htmlFor={`${id}-sender_id`}>Sender ID</Label>
          <Input
            id={`${id}-sender_id`}
            readOnly
            value={config.sender_id}
            aria-describedby={`${id}-sender_id-hint`}
            className="bg-muted/50 font-mono"
          />
          <p id={`${id}-sender_id-hint`} className="text-sm text-muted-foreground">
            Approved for your account through DLT; set on the server, not here.
          </p>
        </div>

        {/* Side by side only when the card itself is wide (container query): in the two-column page layout the
            card is narrow at any window width, and the Mode select would cut its option text. */}
        <div className="grid gap-4 @lg:grid-cols-2">
          <div className="grid content-start gap-2">
            <Label htmlFor={`${id}-template_name`}>Template name</Label>
            <Input
              id={`${id}-template_name`}
              autoComplete="off"
              spellCheck={false}
              maxLength={64}
              aria-invalid={errors.template_name ? true : undefined}
              aria-describedby={describedBy('template_name', `${id}-template_name-hint`)}
              {...register('template_name')}
            />
            <p id={`${id}-template_name-hint`} className="text-sm text-muted-foreground">
              As registered with 2Factor and DLT.
            </p>
            {fieldError('template_name')}
          </div>

          <div className="grid content-start gap-2">
            <Label htmlFor={`${id}-mode`}>Mode</Label>
            <NativeSelect
              id={`${id}-mode`}
              aria-invalid={errors.mode ? true : undefined}
              aria-describedby={describedBy('mode', `${id}-mode-hint`)}
              {...register('mode')}
            >
              {SMS_MODES.map((mode) => (
                <NativeSelectOption key={mode} value={mode}>
                  {MODE_LABELS[mode]}
                </NativeSelectOption>
              ))}
            </NativeSelect>
            <p id={`${id}-mode-hint`} className="text-sm text-muted-foreground">
              AUTOGEN lets 2Factor create the code; template mode sends it in your DLT template.
            </p>
            {fieldError('mode')}
          </div>
        </div>

        <p className="flex items-start gap-2 rounded-md border border-dashed p-3 text-sm text-muted-foreground">
          <InfoIcon className="mt-0.5 size-4 shrink-0" aria-hidden="true" />
          <span>
            If OTPs arrive as voice calls instead of SMS, the sender ID and the template are not mapped to DLT yet: map
            them in your 2Factor account.
          </span>
        </p>

        <div role="status" className="empty:hidden">
          {notice ? (
            <Alert role="none">
              <CheckCircle2Icon aria-hidden="true" />
              <AlertDescription>{notice}</AlertDescription>
            </Alert>
          ) : null}
        </div>
        {saveError && !fieldIssuesShown ? (
          <Alert variant="destructive">
            <AlertTitle>Not saved</AlertTitle>
            <AlertDescription>{saveError.message}</AlertDescription>
          </Alert>
        ) : null}

        <ConnectionResult pending={connection.isPending} result={connection.data} error={connection.error} />
      </CardContent>

      <CardFooter className="flex-wrap gap-2">
        <Button type="submit" disabled={save.isPending}>
          {save.isPending ? (
            <>
              <Loader2Icon className="animate-spin" aria-hidden="true" />
              Saving…
            </>
          ) : (
            'Save'
          )}
        </Button>
        <Button type="button" variant="outline" disabled={connection.isPending} onClick={() => connection.mutate()}>
          {connection.isPending ? (
            <Loader2Icon className="animate-spin" aria-hidden="true" />
          ) : (
            <PlugZapIcon aria-hidden="true" />
          )}
          {connection.isPending ? 'Testing…' : 'Test connection'}
        </Button>
      </CardFooter>
    </form>
  );
}

function ConnectionResult({
  pending,
  result,
  error,
}: {
  pending: boolean;
  result: ConnectionTestResponse | undefined;
  error: ApiError | null;
}) {
  // One polite live region that is always there, so each new result is announced once.
  return (
    <div role="status" className="empty:hidden">
      {pending ? null : error ? (
        <Alert variant="destructive" role="none">
          <AlertTitle>Connection test failed</AlertTitle>
          <AlertDescription>{error.message}</AlertDescription>
        </Alert>
      ) : result?.ok ? (
        <Alert role="none">
          <CheckCircle2Icon aria-hidden="true" />
          <AlertTitle>Connection OK</AlertTitle>
          <AlertDescription>
            {result.balance !== undefined ? <p>Balance: {result.balance}</p> : null}
            <p>{result.message}</p>
          </AlertDescription>
        </Alert>
      ) : result ? (
        <Alert variant="destructive" role="none">
          <AlertTitle>Connection failed</AlertTitle>
          <AlertDescription>{result.message}</AlertDescription>
        </Alert>
      ) : null}
    </div>
  );
}
