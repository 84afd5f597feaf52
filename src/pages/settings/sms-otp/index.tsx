import { PageHeader } from '@/components/layout/PageHeader';
import { DeliveryFunnelCard } from '@/components/settings/DeliveryFunnelCard';
import { OtpLogsPreview } from '@/components/settings/OtpLogsPreview';
import { SmsOtpConfigForm } from '@/components/settings/SmsOtpConfigForm';
import { SmsTestSender } from '@/components/settings/SmsTestSender';
import { SmsUsageCard } from '@/components/settings/SmsUsageCard';

/**
 * Settings → SMS & OTP (admins): API configuration, a test sender, today's SMS against the budget, the delivery
 * funnel and the OTP logs.
 * Contract with src/routes.tsx: this module is imported lazily and must default-export the page component.
 */
export default function SmsOtpSettingsPage() {
  return (
    <div className="grid min-w-0 gap-6">
      <PageHeader title="SMS & OTP" description="Configure 2Factor.in, send a test OTP, see what was delivered and review the OTP logs." />
      <div className="grid min-w-0 gap-6 lg:grid-cols-2 lg:items-start">
        <SmsOtpConfigForm />
        <SmsTestSender />
      </div>
      <SmsUsageCard />
      <DeliveryFunnelCard />
      <OtpLogsPreview />
    </div>
  );
}
