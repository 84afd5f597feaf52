import type { ComponentType } from 'react';
import { MailIcon, SmartphoneIcon, type LucideIcon } from 'lucide-react';
import { Navigate, useLocation } from 'react-router';
import { EmailLoginForm } from '@/components/auth/EmailLoginForm';
import { PhoneLoginForm } from '@/components/auth/PhoneLoginForm';
import { PageSkeleton } from '@/components/layout/PageSkeleton';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '@/components/ui/tabs';
import { useAuth } from '@/hooks/useAuth';
import { PRODUCT_NAME } from '@/lib/product';
import { destinationAfterLogin } from '@/lib/routeAccess';

interface LoginMethod {
  value: string;
  label: string;
  icon: LucideIcon;
  Form: ComponentType;
}

/**
 * The ways to log in, one tab each, in this order.
 * Each form navigates on success itself (see destinationAfterLogin).
 */
const LOGIN_METHODS: readonly LoginMethod[] = [
  { value: 'email', label: 'Email', icon: MailIcon, Form: EmailLoginForm },
  { value: 'phone', label: 'Phone', icon: SmartphoneIcon, Form: PhoneLoginForm },
];

export default function LoginPage() {
  const { user, isLoading } = useAuth();
  const location = useLocation();

  if (isLoading) return <PageSkeleton />;
  // Already logged in: same destination as after a fresh login.
  if (user) return <Navigate to={destinationAfterLogin(user.role, location.state)} replace />;

  return (
    <main id="main" className="flex min-h-svh items-center justify-center bg-muted/40 px-4 py-10">
      <title>{`Log in · ${PRODUCT_NAME}`}</title>
      <Card className="w-full max-w-sm">
        <CardHeader>
          <CardTitle>
            <h1 className="text-xl">Log in to {PRODUCT_NAME}</h1>
          </CardTitle>
          <CardDescription>Choose how you want to sign in.</CardDescription>
        </CardHeader>
        <CardContent>
          <Tabs defaultValue={LOGIN_METHODS[0]?.value} className="gap-4">
            <TabsList aria-label="Login method" className="w-full">
              {LOGIN_METHODS.map(({ value, label, icon: Icon }) => (
                <TabsTrigger key={value} value={value}>
                  <Icon aria-hidden="true" />
                  {label}
                </TabsTrigger>
              ))}
            </TabsList>
            {/* Each panel opens with a field: Tab goes from the tabs straight to it (WAI-ARIA tabs pattern),
                so the panel itself is no Tab stop. */}
            {LOGIN_METHODS.map(({ value, Form }) => (
              <TabsContent key={value} value={value} tabIndex={-1}>
                <Form />
              </TabsContent>
            ))}
          </Tabs>
        </CardContent>
      </Card>
    </main>
  );
}
