import { Skeleton } from '@/components/ui/skeleton';

/** Shown while the session is checked or a page's code loads. Announced once as "Loading…". */
export function PageSkeleton() {
  return (
    <div role="status" aria-live="polite" className="mx-auto w-full max-w-5xl space-y-6 px-4 py-8">
      <span className="sr-only">Loading…</span>
      <div aria-hidden="true" className="space-y-6">
        <Skeleton className="h-8 w-48" />
        <Skeleton className="h-4 w-full max-w-md" />
        <Skeleton className="h-32 w-full" />
      </div>
    </div>
  );
}
