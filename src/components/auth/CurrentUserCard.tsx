import { ROLE_LABELS } from '../../../common/roles.js';
import { Badge } from '@/components/ui/badge';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { useAuth } from '@/hooks/useAuth';

/** Who is logged in and with which role. */
export function CurrentUserCard() {
  const { user } = useAuth();
  if (!user) return null;

  return (
    <Card>
      <CardHeader>
        <CardTitle>
          <h2>Signed in</h2>
        </CardTitle>
        <CardDescription>The account this session belongs to.</CardDescription>
      </CardHeader>
      <CardContent>
        <dl className="grid gap-3 text-sm sm:grid-cols-[max-content_1fr] sm:gap-x-6">
          <dt className="text-muted-foreground">Email</dt>
          <dd className="min-w-0 font-medium break-all">{user.email}</dd>
          <dt className="text-muted-foreground">Role</dt>
          <dd>
            <Badge variant="secondary">{ROLE_LABELS[user.role]}</Badge>
          </dd>
        </dl>
      </CardContent>
    </Card>
  );
}
