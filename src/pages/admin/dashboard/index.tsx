import { CurrentUserCard } from '@/components/auth/CurrentUserCard';
import { SettingsShortcutCard } from '@/components/auth/SettingsShortcutCard';
import { PageHeader } from '@/components/layout/PageHeader';

/** Home of super_admin. */
export default function AdminDashboardPage() {
  return (
    <div className="space-y-6">
      <PageHeader title="Admin dashboard" description="Overview for super administrators." />
      <div className="grid gap-6 md:grid-cols-2">
        <CurrentUserCard />
        <SettingsShortcutCard />
      </div>
    </div>
  );
}
