import { Navigate } from 'react-router';
import { ROLE_HOME } from '../../../common/roles.js';
import { PageSkeleton } from '@/components/layout/PageSkeleton';
import { useAuth } from '@/hooks/useAuth';

/** `/`: the role's home when logged in, else the login page. */
export function RoleHomeRedirect() {
  const { user, isLoading, error } = useAuth();
  if (isLoading) return <PageSkeleton />;
  // If the session check failed, the login page (which checks again) is the useful place to be.
  if (!user || error) return <Navigate to="/login" replace />;
  return <Navigate to={ROLE_HOME[user.role]} replace />;
}
