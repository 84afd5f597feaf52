import { useId, useRef, useState, type KeyboardEvent } from 'react';
import { LogOutIcon, MenuIcon, XIcon } from 'lucide-react';
import { NavLink, Outlet, useNavigate } from 'react-router';
import { toast } from 'sonner';
import { ROLE_HOME, ROLE_LABELS, isAdminRole } from '../../../common/roles.js';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { useAuth } from '@/hooks/useAuth';
import { PRODUCT_NAME } from '@/lib/product';
import { cn } from '@/lib/utils';
import { SETTINGS_SMS_OTP_PATH } from '@/lib/paths';

const navLinkClass = ({ isActive }: { isActive: boolean }) =>
  cn(
    'inline-flex h-9 items-center rounded-md px-3 text-sm font-medium transition-colors outline-none',
    'hover:bg-accent hover:text-accent-foreground focus-visible:ring-[3px] focus-visible:ring-ring/50',
    isActive ? 'bg-accent text-accent-foreground' : 'text-muted-foreground',
  );

/**
 * The signed-in frame: skip link, header (product, navigation, who is signed in, Log out) and <main>.
 * Below the md breakpoint the navigation and account block fold behind a Menu button.
 * Rendered under ProtectedRoute, so a user is present.
 */
export function AppLayout() {
  const { user, logout } = useAuth();
  const navigate = useNavigate();
  const [menuOpen, setMenuOpen] = useState(false);
  const menuId = useId();
  const mainRef = useRef<HTMLElement>(null);

  if (!user) return null;

  const home = ROLE_HOME[user.role];
  const closeMenu = () => setMenuOpen(false);

  /** A link in the open small-screen menu hides itself: move focus to the new page instead of losing it. */
  function handleNavigate() {
    if (!menuOpen) return;
    closeMenu();
    mainRef.current?.focus({ preventScroll: true });
  }

  async function handleLogout() {
    try {
      await logout.mutateAsync();
      closeMenu();
      await navigate('/login', { replace: true });
    } catch (error) {
      toast.error(error instanceof Error ? error.message : 'Could not log out. Please try again.');
    }
  }

  function handleMenuKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key === 'Escape' && menuOpen) {
      closeMenu();
      document.getElementById(`${menuId}-toggle`)?.focus();
    }
  }

  return (
    <div className="flex min-h-svh flex-col">
      <a
        href="#main"
        className="sr-only z-50 rounded-md bg-background text-sm font-medium shadow focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:px-4 focus:py-2 focus:ring-[3px] focus:ring-ring/50 focus:outline-none"
      >
        Skip to main content
      </a>

      <header className="sticky top-0 z-40 border-b bg-background/95 backdrop-blur supports-[backdrop-filter]:bg-background/80">
        <div
          className="mx-auto flex w-full max-w-5xl flex-wrap items-center gap-x-6 gap-y-2 px-4 py-2"
          onKeyDown={handleMenuKeyDown}
        >
          <NavLink
            to={home}
            className="rounded-md py-1 text-base font-semibold tracking-tight outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50"
          >
            {PRODUCT_NAME}
          </NavLink>

          <Button
            id={`${menuId}-toggle`}
            variant="ghost"
            size="icon"
            className="ml-auto md:hidden"
            aria-expanded={menuOpen}
            aria-controls={menuId}
            aria-label={menuOpen ? 'Close menu' : 'Open menu'}
            onClick={() => setMenuOpen((open) => !open)}
          >
            {menuOpen ? <XIcon aria-hidden="true" /> : <MenuIcon aria-hidden="true" />}
          </Button>

          <div
            id={menuId}
            className={cn(
              'w-full min-w-0 flex-col gap-3 pb-2 md:flex md:w-auto md:flex-1 md:flex-row md:items-center md:gap-6 md:pb-0',
              menuOpen ? 'flex' : 'hidden',
            )}
          >
            <nav aria-label="Main">
              <ul className="flex flex-col gap-1 md:flex-row">
                <li>
                  <NavLink to={home} end className={navLinkClass} onClick={handleNavigate}>
                    Home
                  </NavLink>
                </li>
                {isAdminRole(user.role) ? (
                  <li>
                    <NavLink to={SETTINGS_SMS_OTP_PATH} className={navLinkClass} onClick={handleNavigate}>
                      Settings
                    </NavLink>
                  </li>
                ) : null}
              </ul>
            </nav>

            <div className="flex min-w-0 flex-wrap items-center gap-x-3 gap-y-2 border-t pt-3 md:ml-auto md:flex-nowrap md:border-0 md:pt-0">
              <p className="flex min-w-0 items-center gap-2 text-sm">
                <span className="sr-only">Signed in as</span>
                <span className="min-w-0 truncate" title={user.email}>
                  {user.email}
                </span>
                <Badge variant="secondary">{ROLE_LABELS[user.role]}</Badge>
              </p>
              <Button variant="outline" size="sm" onClick={() => void handleLogout()} disabled={logout.isPending}>
                <LogOutIcon aria-hidden="true" />
                {logout.isPending ? 'Logging out…' : 'Log out'}
              </Button>
            </div>
          </div>
        </div>
      </header>

      <main ref={mainRef} id="main" tabIndex={-1} className="mx-auto w-full max-w-5xl flex-1 px-4 py-8 outline-none">
        <Outlet />
      </main>
    </div>
  );
}
