import { vi } from 'vitest';
import type { PublicUser } from '../../common/api/auth.js';

/** One request as the fake server saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** The query string, parsed (`?before=41` → query.get('before') === '41'). */
  query: URLSearchParams;
  headers: Headers;
  credentials: RequestCredentials | undefined;
  /** The raw body string (undefined for GET). */
  rawBody: string | undefined;
  /** The body parsed as JSON, when it is JSON. */
  body: unknown;
}

export type FakeHandler = (request: RecordedRequest) => Response | Promise<Response>;

/** A JSON answer like the server's. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
  });
}

export function noContent(): Response {
  return new Response(null, { status: 204 });
}

/**
 * Replaces global fetch with a tiny in-memory API keyed by "METHOD /path".
 * Unknown routes answer 404 not_found, like the server. Returns every request it received.
 */
export function stubFetch(routes: Record<string, FakeHandler>) {
  const requests: RecordedRequest[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input), 'http://localhost');
    const rawBody = typeof init.body === 'string' ? init.body : undefined;
    let body: unknown;
    try {
      body = rawBody === undefined ? undefined : JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    const request: RecordedRequest = {
      method: (init.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: url.searchParams,
      headers: new Headers(init.headers),
      credentials: init.credentials,
      rawBody,
      body,
    };
    requests.push(request);
    const handler = routes[`${request.method} ${request.path}`];
    if (!handler)
      return jsonResponse(404, { status: 'not_found', message: `No fake for ${request.method} ${request.path}` });
    return handler(request);
  });
  vi.stubGlobal('fetch', fetchMock);
  return { fetchMock, requests };
}

/** GET /api/auth/me answering this user, or `{ user: null }` (logged out), as the server does. */
export function meRoute(user: PublicUser | null): Record<string, FakeHandler> {
  return { 'GET /api/auth/me': () => jsonResponse(200, { user }) };
}

export const USERS = {
  superAdmin: { id: 'u-1', email: 'root@example.com', role: 'super_admin' },
  admin: { id: 'u-2', email: 'admin@example.com', role: 'admin' },
  staff: { id: 'u-3', email: 'staff@example.com', role: 'staff' },
  agent: { id: 'u-4', email: 'agent@example.com', role: 'agent' },
} as const satisfies Record<string, PublicUser>;
