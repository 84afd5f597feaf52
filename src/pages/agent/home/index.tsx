import { CurrentUserCard } from '@/components/auth/CurrentUserCard';
import { PageHeader } from '@/components/layout/PageHeader';

/** Home of agent. */
export default function AgentHomePage() {
  return (
    <div className="space-y-6">
      <PageHeader title="Agent home" description="Your start page as an agent." />
      <div className="grid gap-6 md:grid-cols-2">
        <CurrentUserCard />
      </div>
    </div>
  );
}
