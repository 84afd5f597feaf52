import { PageHeader } from '@/components/layout/PageHeader';

/**
 * Placeholder: replaced by the real Settings → SMS & OTP page.
 * Contract with src/routes.tsx: this module is imported lazily and must default-export the page component.
 */
export default function SmsOtpSettingsPage() {
  return <PageHeader title="SMS & OTP" description="Configure 2Factor.in, send a test OTP and review the OTP logs." />;
}
