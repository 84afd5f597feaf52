import { useRef, useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { KeyRoundIcon, Loader2Icon, Trash2Icon } from 'lucide-react';
import type { ApiKeySource, SmsConfigView } from '../../../common/api/sms.js';
import type { ApiError } from '@/api/client';
import { removeSavedApiKey } from '@/api/sms/removeSavedApiKey';
import {
  AlertDialog,
  AlertDialogAction,
  AlertDialogCancel,
  AlertDialogContent,
  AlertDialogDescription,
  AlertDialogFooter,
  AlertDialogHeader,
  AlertDialogTitle,
  AlertDialogTrigger,
} from '@/components/ui/alert-dialog';
import { Button } from '@/components/ui/button';

/** How each key source reads on the page. */
export const API_KEY_SOURCE_LABELS: Record<ApiKeySource, string> = {
  saved: 'the key saved here',
  environment: "the key set in the server's environment",
  sandbox: 'the sandbox: codes are simulated and no SMS is sent',
  none: 'none: no SMS can be sent until a key is saved',
};

/** What removing the saved key leads to, said before the admin confirms. */
const AFTER_REMOVAL: Record<SmsConfigView['api_key_source_without_saved'], string> = {
  environment: "The app goes back to the key set in the server's environment.",
  sandbox: 'The app goes back to the sandbox: codes are simulated and no SMS is sent.',
  none: 'No key is left: phone login and test sends stop working until a key is saved again.',
};

/**
 * Which 2Factor API key sends right now, and, when one is saved here, "Remove saved key" behind a
 * confirmation dialog. After a removal, focus moves to the "Key in use" line so the new source is read out.
 */
export function ApiKeyInUse({
  config,
  onRemoved,
}: {
  config: SmsConfigView;
  onRemoved: (view: SmsConfigView) => void;
}) {
  const inUseRef = useRef<HTMLParagraphElement>(null);
  const [open, setOpen] = useState(false);
  const removal = useMutation<SmsConfigView, ApiError, void>({ mutationFn: () => removeSavedApiKey() });
  const masked =
    config.api_key_source === 'saved' || config.api_key_source === 'environment' ? config.api_key_masked : null;

  const remove = async () => {
    try {
      const view = await removal.mutateAsync();
      setOpen(false);
      onRemoved(view);
    } catch {
      // Shown in the dialog, which stays open so the admin can try again or cancel.
    }
  };

  return (
    <div className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2 rounded-md border bg-muted/30 p-3 text-sm">
      <p
        ref={inUseRef}
        tabIndex={-1}
        className="flex min-w-0 items-start gap-2 rounded-sm outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50"
      >
        <KeyRoundIcon className="mt-0.5 size-4 shrink-0 text-muted-foreground" aria-hidden="true" />
        <span>
          <span className="text-muted-foreground">Key in use: </span>
          <span className="font-medium">{API_KEY_SOURCE_LABELS[config.api_key_source]}</span>
          {masked ? <span className="font-mono"> {masked}</span> : null}
        </span>
      </p>
      {/* Mounted whether or not a key is saved, so closing after a removal can still place the focus. */}
      <AlertDialog
        open={open}
        onOpenChange={(next) => {
          if (removal.isPending) return;
          if (next) removal.reset();
          setOpen(next);
        }}
      >
        {config.api_key_source === 'saved' ? (
          <AlertDialogTrigger asChild>
            <Button type="button" variant="outline" size="sm">
              <Trash2Icon aria-hidden="true" />
              Remove saved key
            </Button>
          </AlertDialogTrigger>
        ) : null}
        <AlertDialogContent
          onCloseAutoFocus={(event) => {
            if (removal.isSuccess) {
              // The trigger is gone with the saved key: say where things stand instead.
              event.preventDefault();
              inUseRef.current?.focus();
            }
          }}
        >
          <AlertDialogHeader>
            <AlertDialogTitle>Remove the saved API key?</AlertDialogTitle>
            <AlertDialogDescription>
              The key {config.api_key_masked} is deleted from the settings.{' '}
              {AFTER_REMOVAL[config.api_key_source_without_saved]}
            </AlertDialogDescription>
          </AlertDialogHeader>
          {removal.error ? (
            <p role="alert" className="text-sm text-destructive">
              Not removed: {removal.error.message}
            </p>
          ) : null}
          <AlertDialogFooter>
            <AlertDialogCancel disabled={removal.isPending}>Keep it</AlertDialogCancel>
            <AlertDialogAction
              className="bg-destructive text-white hover:bg-destructive/90 focus-visible:ring-destructive/20"
              disabled={removal.isPending}
              onClick={(event) => {
                // Close only once the server has answered.
                event.preventDefault();
                void remove();
              }}
            >
              {removal.isPending ? (
                <>
                  <Loader2Icon className="animate-spin" aria-hidden="true" />
                  Removing…
                </>
              ) : (
                'Remove key'
              )}
            </AlertDialogAction>
          </AlertDialogFooter>
        </AlertDialogContent>
      </AlertDialog>
    </div>
  );
}
