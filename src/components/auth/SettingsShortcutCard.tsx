import { MessageSquareIcon } from 'lucide-react';
import { Link } from 'react-router';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { SETTINGS_SMS_OTP_PATH } from '@/lib/paths';

/** On admin home pages: the way into Settings → SMS & OTP. */
export function SettingsShortcutCard() {
  return (
    <Card>
      <CardHeader>
        <CardTitle>
          <h2>Settings</h2>
        </CardTitle>
        <CardDescription>The 2Factor.in API key, the SMS template, test sends and the OTP logs.</CardDescription>
      </CardHeader>
      <CardContent>
        <Button asChild variant="outline">
          <Link to={SETTINGS_SMS_OTP_PATH}>
            <MessageSquareIcon aria-hidden="true" />
            Settings → SMS &amp; OTP
          </Link>
        </Button>
      </CardContent>
    </Card>
  );
}
