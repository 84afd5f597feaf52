import { PhoneCallIcon } from 'lucide-react';
import type { DeliveryFunnelResponse } from '../../../common/api/delivery.js';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';

const dateTime = new Intl.DateTimeFormat('en-IN', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'Asia/Kolkata',
});

/**
 * 2Factor reported codes we sent as SMS as voice calls: what users then get is a phone call reading the code out.
 * The usual cause is a DLT template or sender id that is not mapped in the 2Factor account; the fix is there.
 */
export function VoiceInsteadOfSmsAlert({ voice }: { voice: DeliveryFunnelResponse['voice_instead_of_sms'] }) {
  if (voice.last_7_days === 0) return null;
  const codes = voice.last_7_days === 1 ? '1 code' : `${voice.last_7_days} codes`;
  return (
    <Alert variant="destructive">
      <PhoneCallIcon aria-hidden="true" />
      <AlertTitle className="line-clamp-none">OTPs delivered as voice calls</AlertTitle>
      <AlertDescription>
        <p>
          {`${codes} sent as SMS ${voice.last_7_days === 1 ? 'was' : 'were'} delivered as a voice call in the last 7 days`}
          {voice.last_at ? ` (last on ${dateTime.format(new Date(voice.last_at))} IST)` : ''}: the DLT template or
          sender is not mapped in your 2Factor account, so 2Factor called instead.
        </p>
        <p className="font-medium text-foreground">How to fix it</p>
        <ol className="list-decimal space-y-1 pl-5 text-foreground">
          <li>In the 2Factor dashboard, map your DLT-approved sender id (header) and OTP template to your account.</li>
          <li>
            Check the template text matches its DLT registration exactly, with XXXX where the code goes, and that its
            name is the Template name above.
          </li>
          <li>
            Send a test OTP from this page: it should arrive as an SMS, and this warning clears 7 days after the last
            voice call.
          </li>
        </ol>
      </AlertDescription>
    </Alert>
  );
}
