import type { ReactNode } from 'react';
import { Navigate, Outlet, useLocation } from 'react-router';
import type { Role } from '../../../common/roles.js';
import { PageSkeleton } from '@/components/layout/PageSkeleton';
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { useAuth } from '@/hooks/useAuth';
import ForbiddenPage from '@/pages/forbidden/index';

interface ProtectedRouteProps {
  /** Roles allowed in; omitted means any logged-in user. */
  roles?: readonly Role[];
  /** What to guard; omitted means the child routes (<Outlet />). */
  children?: ReactNode;
}

/**
 * Guards a page in the browser. The server guards the data: this only decides what to show.
 * Logged out → /login, remembering where the user was going (unless they pressed Log out);
 * wrong role → the 403 page, URL unchanged.
 */
export function ProtectedRoute({ roles, children }: ProtectedRouteProps) {
  const { user, isLoading, error, retry, loggedOutByUser } = useAuth();
  const location = useLocation();

  if (isLoading) return <PageSkeleton />;

  if (error) {
    return (
      <div className="mx-auto w-full max-w-md px-4 py-10">
        <Alert variant="destructive">
          <AlertTitle>We could not check your session</AlertTitle>
          <AlertDescription>
            <p>{error.message}</p>
            <Button variant="outline" size="sm" className="mt-2" onClick={() => void retry()}>
              Try again
            </Button>
          </AlertDescription>
        </Alert>
      </div>
    );
  }

  if (!user) {
    // After Log out, the next login starts from the role's home, not from the page the user left.
    return <Navigate to="/login" state={loggedOutByUser ? null : { from: location }} replace />;
  }

  if (roles && !roles.includes(user.role)) return <ForbiddenPage />;

  return children ?? <Outlet />;
}
