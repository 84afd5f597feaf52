import { isRouteErrorResponse, useRouteError } from 'react-router';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';

/**
 * Last resort for a route that threw while rendering or whose code failed to load
 * (typically a stale tab after a deploy): offer a reload instead of a blank page.
 */
export function RouteErrorPage() {
  const error = useRouteError();
  const detail = isRouteErrorResponse(error)
    ? `${error.status} ${error.statusText}`
    : 'Something went wrong while showing this page.';

  return (
    <main id="main" className="mx-auto flex min-h-svh w-full max-w-md flex-col justify-center px-4 py-10">
      <Alert variant="destructive">
        <AlertTitle>This page could not be shown</AlertTitle>
        <AlertDescription>
          <p>{detail}</p>
          <Button variant="outline" size="sm" className="mt-2" onClick={() => window.location.reload()}>
            Reload
          </Button>
        </AlertDescription>
      </Alert>
    </main>
  );
}
