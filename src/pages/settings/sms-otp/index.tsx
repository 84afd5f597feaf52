import { PageHeader } from '@/components/layout/PageHeader';
import { DeliveryFunnelCard } from '@/components/settings/DeliveryFunnelCard';
import { OtpLogsPreview } from '@/components/settings/OtpLogsPreview';
import { SmsBalanceCard } from '@/components/settings/SmsBalanceCard';
import { SmsOtpConfigForm } from '@/components/settings/SmsOtpConfigForm';
import { SmsSettingsChanges } from '@/components/settings/SmsSettingsChanges';
import { SmsTestSender } from '@/components/settings/SmsTestSender';
import { SmsUsageCard } from '@/components/settings/SmsUsageCard';
import { SupabaseHookCard } from '@/components/settings/SupabaseHookCard';
import { TestNumbersNotice } from '@/components/settings/TestNumbersNotice';

/**
 * Settings → SMS & OTP (admins): API configuration, a test sender, today's SMS against the budget beside the
 * 2Factor balance, Supabase Auth's Send SMS Hook, the delivery funnel, the OTP logs and the settings history; a
 * notice while test numbers are active.
 * Contract with src/routes.tsx: this module is imported lazily and must default-export the page component.
 */
export default function SmsOtpSettingsPage() {
  return (
    <div className="grid min-w-0 gap-6">
      <PageHeader
        title="SMS & OTP"
        description="Configure 2Factor.in, send a test OTP, see what was delivered and review the OTP logs."
      />
      <TestNumbersNotice />
      <div className="grid min-w-0 gap-6 lg:grid-cols-2 lg:items-start">
        <SmsOtpConfigForm />
        <SmsTestSender />
      </div>
      <div className="grid min-w-0 gap-6 lg:grid-cols-2 lg:items-start">
        <SmsUsageCard />
        <SmsBalanceCard />
      </div>
      <SupabaseHookCard />
      <DeliveryFunnelCard />
      <OtpLogsPreview />
      <SmsSettingsChanges />
    </div>
  );
}
