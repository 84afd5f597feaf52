import { CurrentUserCard } from '@/components/auth/CurrentUserCard';
import { SettingsShortcutCard } from '@/components/auth/SettingsShortcutCard';
import { PageHeader } from '@/components/layout/PageHeader';

/** Home of admin (super_admin may open it too). */
export default function DashboardPage() {
  return (
    <div className="space-y-6">
      <PageHeader title="Dashboard" description="Overview for administrators." />
      <div className="grid gap-6 md:grid-cols-2">
        <CurrentUserCard />
        <SettingsShortcutCard />
      </div>
    </div>
  );
}
