import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { isApiError } from '@/api/client';

/** Data this fresh is shown without asking again (cards that must stay current poll on their own). */
const QUERY_STALE_MS = 30_000;
/** Retries of a query that failed in a way that may heal (network error, 5xx). */
const MAX_QUERY_RETRIES = 2;

/** Cache key of the logged-in user (GET /api/auth/me). Anything that logs a user in or out writes it. */
export const CURRENT_USER_QUERY_KEY = ['auth', 'me'] as const;

/** Cache key of the SMS settings (GET /api/sms/config); a successful save writes the answer into it. */
export const SMS_CONFIG_QUERY_KEY = ['sms', 'config'] as const;

/** Today's SMS count against the daily budget (GET /api/sms/usage). */
export const SMS_USAGE_QUERY_KEY = ['sms', 'usage'] as const;

/** Prefix of the delivery funnel of every period (GET /api/sms/funnel): refreshed after each send and check. */
export const DELIVERY_FUNNEL_QUERY_KEY = ['sms', 'funnel'] as const;

/** 2Factor's balances and their trend (GET /api/sms/balance); a saved mode changes which one is in use. */
export const SMS_BALANCE_QUERY_KEY = ['sms', 'balance'] as const;

/** The active test numbers (GET /api/sms/test-numbers): fixed while the server runs. */
export const TEST_NUMBERS_QUERY_KEY = ['sms', 'test-numbers'] as const;

/** The settings audit trail (GET /api/sms/config/changes): invalidated after each save. */
export const SMS_SETTINGS_CHANGES_QUERY_KEY = ['sms', 'config-changes'] as const;

/** Supabase's Send SMS Hook: enabled, its URL, its last call (GET /api/sms/supabase-hook). */
export const SUPABASE_HOOK_QUERY_KEY = ['sms', 'supabase-hook'] as const;

/** Prefix of every OTP log list (GET /api/sms/logs, any filter): invalidated after each send and verify. */
export const OTP_LOGS_QUERY_KEY = ['sms', 'logs'] as const;

/**
 * One QueryClient per app (and per test). Two app-wide rules:
 * - retry only what may heal by itself (network errors and 5xx), never a 4xx;
 * - any call answered `unauthorized` means the session is gone, so the cached user becomes null
 *   and ProtectedRoute sends the browser to /login.
 */
export function createQueryClient(): QueryClient {
  const queryClient: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError: (error) => forgetUserIfUnauthorized(error) }),
    mutationCache: new MutationCache({ onError: (error) => forgetUserIfUnauthorized(error) }),
    defaultOptions: {
      queries: {
        staleTime: QUERY_STALE_MS,
        retry: (failureCount, error) => failureCount < MAX_QUERY_RETRIES && isTransient(error),
      },
      mutations: { retry: false },
    },
  });

  function forgetUserIfUnauthorized(error: unknown): void {
    if (isApiError(error) && error.status === 'unauthorized') {
      queryClient.setQueryData(CURRENT_USER_QUERY_KEY, null);
    }
  }

  return queryClient;
}

function isTransient(error: unknown): boolean {
  if (!isApiError(error)) return false;
  return error.status === 'network_error' || error.httpStatus >= 500;
}
