import { Link } from 'react-router';
import { ROLE_HOME } from '../../../common/roles.js';
import { PageHeader } from '@/components/layout/PageHeader';
import { Button } from '@/components/ui/button';
import { useAuth } from '@/hooks/useAuth';

/** 403: rendered in place of a page the user's role may not open; the URL stays as it was. */
export default function ForbiddenPage() {
  const { user } = useAuth();
  const home = user ? ROLE_HOME[user.role] : '/';

  return (
    <section className="mx-auto flex w-full max-w-xl flex-col items-start gap-4 py-10">
      <p className="text-sm font-medium text-muted-foreground">Error 403</p>
      <PageHeader
        title="You don't have access to this page"
        description="Your role does not include this page. If you think it should, ask an administrator."
      />
      <Button asChild>
        <Link to={home}>Go to your home page</Link>
      </Button>
    </section>
  );
}
