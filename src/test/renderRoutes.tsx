import { QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
// RouterProvider from 'react-router', not 'react-router/dom': under Vitest the two entry points load
// different copies of the router (ESM vs CJS) and the hooks would not find the router's context.
import { RouterProvider, createMemoryRouter, type InitialEntry, type RouteObject } from 'react-router';
import { createQueryClient } from '@/lib/queryClient';

/** Renders routes in a memory router with a fresh QueryClient (no retries, so failures show at once). */
export function renderRoutes(routes: RouteObject[], initialEntries: InitialEntry[] = ['/']) {
  const queryClient = createQueryClient();
  const defaults = queryClient.getDefaultOptions();
  queryClient.setDefaultOptions({ ...defaults, queries: { ...defaults.queries, retry: false } });
  const router = createMemoryRouter(routes, { initialEntries });
  const view = render(
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>,
  );
  return { ...view, router, queryClient };
}
