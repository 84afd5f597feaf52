import { Link } from 'react-router';
import { PageHeader } from '@/components/layout/PageHeader';
import { Button } from '@/components/ui/button';

export default function NotFoundPage() {
  return (
    <main
      id="main"
      className="mx-auto flex min-h-svh w-full max-w-xl flex-col items-start justify-center gap-4 px-4 py-10"
    >
      <p className="text-sm font-medium text-muted-foreground">Error 404</p>
      <PageHeader title="Page not found" description="There is no page at this address." />
      <Button asChild>
        <Link to="/">Go to the start page</Link>
      </Button>
    </main>
  );
}
