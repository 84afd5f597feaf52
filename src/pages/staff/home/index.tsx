import { CurrentUserCard } from '@/components/auth/CurrentUserCard';
import { PageHeader } from '@/components/layout/PageHeader';

/** Home of staff. */
export default function StaffHomePage() {
  return (
    <div className="space-y-6">
      <PageHeader title="Staff home" description="Your start page as a staff member." />
      <div className="grid gap-6 md:grid-cols-2">
        <CurrentUserCard />
      </div>
    </div>
  );
}
