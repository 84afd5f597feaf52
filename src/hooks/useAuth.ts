import { useCallback } from 'react';
import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import type { LoginRequest, LoginResponse, PublicUser } from '../../common/api/auth.js';
import type { ApiError } from '@/api/client';
import { login } from '@/api/auth/login';
import { logout } from '@/api/auth/logout';
import { fetchCurrentUser } from '@/api/auth/me';
import { isApiError } from '@/api/client';
import { CURRENT_USER_QUERY_KEY } from '@/lib/queryClient';

/**
 * QueryClients whose user logged out by their own hand (the Log out button), as opposed to a session
 * that expired. ProtectedRoute reads it so that logging out does not remember the page for the next login.
 */
const loggedOutByUser = new WeakSet<QueryClient>();

/**
 * The session as the UI sees it. `user` is null when logged out (the server answers `{ user: null }`);
 * `error` is set only when the session could not be checked (network, 5xx).
 */
export function useAuth() {
  const queryClient = useQueryClient();

  const me = useQuery<PublicUser | null, ApiError>({
    queryKey: CURRENT_USER_QUERY_KEY,
    queryFn: ({ signal }) => fetchCurrentUser(signal),
  });

  /** For other ways in (phone OTP login): put the user the server returned into the cache. */
  const setUser = useCallback(
    (user: PublicUser | null) => {
      if (user) loggedOutByUser.delete(queryClient);
      queryClient.setQueryData<PublicUser | null>(CURRENT_USER_QUERY_KEY, user);
    },
    [queryClient],
  );

  const loginMutation = useMutation<LoginResponse, ApiError, LoginRequest>({
    mutationFn: (request) => login(request),
    onSuccess: (answer) => {
      // Data cached for a previous user must not leak into this one's pages.
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== CURRENT_USER_QUERY_KEY[0] });
      setUser(answer.user);
    },
  });

  const logoutMutation = useMutation<void, ApiError, void>({
    mutationFn: async () => {
      try {
        await logout();
      } catch (error) {
        // Already logged out (expired session): the goal is reached.
        if (!(isApiError(error) && error.httpStatus === 401)) throw error;
      }
    },
    onSuccess: () => {
      loggedOutByUser.add(queryClient);
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== CURRENT_USER_QUERY_KEY[0] });
      setUser(null);
    },
  });

  return {
    user: me.data ?? null,
    /** True until the first answer about the session arrives. */
    isLoading: me.isPending,
    /** The session could not be checked (network, 5xx). */
    error: me.isError && me.data === undefined ? me.error : null,
    retry: me.refetch,
    /** The user is logged out because they pressed Log out (not because the session expired). */
    loggedOutByUser: loggedOutByUser.has(queryClient),
    setUser,
    login: loginMutation,
    logout: logoutMutation,
  };
}
