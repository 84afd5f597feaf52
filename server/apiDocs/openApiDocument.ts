/**
 * The OpenAPI 3.1 document of the API, generated from the route catalogue (apiOperations.ts) and the zod
 * contracts in common/ with @asteasolutions/zod-to-openapi; nothing in it is written twice. Error answers are
 * derived from each route's traits (a write, sign-in, admin, limits) and the error catalogue
 * (common/errorCodes.ts): one response per HTTP status, its `status` field narrowed to the codes it can carry.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type ResponseConfig,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ERROR_HTTP_STATUS, errorBodySchema, type ErrorBody, type ErrorCode } from '../../common/errorCodes.js';
import { PROJECT_ROOT } from '../paths.js';
import type { ApiOperation } from './apiOperations.js';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/** One line per error code, for the description of the responses that carry it. */
const ERROR_MEANINGS: Record<ErrorCode, string> = {
  invalid_request: 'the body or query is malformed or a field is wrong (`issues` lists them)',
  invalid_phone: 'not an Indian mobile as +91 and 10 digits starting 6–9',
  invalid_otp: 'the code is not 4–6 digits; no attempt was used',
  otp_mismatch: 'wrong code; `attempts_left` says how many remain',
  weak_password: 'the password is too weak',
  invalid_credentials: 'wrong email or password (one answer for both)',
  unauthorized: 'not logged in, or the session expired',
  forbidden: 'logged in, but the role may not do this',
  cross_site_request: 'the write came from another site (Origin or Sec-Fetch-Site)',
  not_found: 'no such route or file',
  session_not_found: 'unknown OTP session, or one already used',
  otp_expired: 'the code expired, or a newer one was sent',
  payload_too_large: 'the body is over 16 kB',
  unsupported_media_type: 'a write without `Content-Type: application/json`',
  too_many_attempts: 'too many wrong codes: this session is dead',
  rate_limited: 'a limit was reached; Retry-After and RateLimit say when to retry and which limit it is',
  internal_error: 'a bug on our side',
  provider_error: '2Factor refused (key, IP allowlist, template or sender mapping)',
  provider_unavailable: '2Factor timed out, failed or is cut off by the circuit breaker',
  provider_busy: 'our ceiling of requests per second to 2Factor is reached',
  provider_not_configured: 'no 2Factor API key in production',
  rate_limiter_unavailable: 'the rate-limit store (Redis) is out of reach, so limited requests are refused',
  database_unavailable: 'the database is out of reach',
  sms_budget_exhausted: "the day's SMS budget (SMS_DAILY_BUDGET) is spent; sends start again at midnight IST",
  shutting_down: 'the server is stopping; another instance answers',
};

const WRITE_METHODS = new Set(['post', 'put', 'delete']);

/** The error codes a route can answer: its own, and those that follow from what it is. */
export function errorCodesOf(operation: ApiOperation): ErrorCode[] {
  const codes = new Set<ErrorCode>(['internal_error', 'shutting_down', ...(operation.errors ?? [])]);
  if (!operation.servedBeforeSessionLookup) codes.add('database_unavailable');
  if (WRITE_METHODS.has(operation.method)) {
    const bodyChecks = operation.servedBeforeCrossSiteGuard
      ? (['payload_too_large', 'invalid_request'] as const)
      : (['cross_site_request', 'unsupported_media_type', 'payload_too_large', 'invalid_request'] as const);
    for (const code of bodyChecks) codes.add(code);
  }
  if (operation.request?.body || operation.request?.query) codes.add('invalid_request');
  if (operation.access !== 'public') codes.add('unauthorized');
  if (operation.access === 'admin') codes.add('forbidden');
  if (operation.rateLimited) {
    codes.add('rate_limited');
    codes.add('rate_limiter_unavailable');
  }
  return [...codes];
}

/** `GET /api/sms/config/{x}` → `getSmsConfigX`. */
function operationIdOf(operation: ApiOperation): string {
  const words = operation.path
    .replace(/^\/api\//, '')
    .split(/[/_.{}-]+/)
    .filter(Boolean);
  return operation.method + words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('');
}

function readVersion(): string {
  const { version } = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  return version;
}

const ref = (name: string) => ({ $ref: `#/components/headers/${name}` });

export function buildOpenApiDocument(operations: readonly ApiOperation[]): OpenApiDocument {
  const registry = new OpenAPIRegistry();

  const headers = {
    RateLimit: {
      description:
        'IETF RateLimit header (draft 8), one item per limit that applies: `"<limit>"; r=<requests left>; t=<seconds until the window resets>`. On a 429 it names the limit that was reached.',
      required: true,
      schema: { type: 'string' as const, examples: ['"sms-send-ip"; r=4; t=60'] },
    },
    'RateLimit-Policy': {
      description:
        'IETF RateLimit-Policy header (draft 8), one item per per-IP limit: `"<limit>"; q=<quota>; w=<window seconds>; pk=:<partition key>:`.',
      schema: { type: 'string' as const, examples: ['"sms-send-ip"; q=5; w=60; pk=:ZTNiMGM0NDI5OGZj:'] },
    },
    'Retry-After': {
      description: 'Seconds to wait before trying again: on every 429, and on the 503s that pass by themselves.',
      schema: { type: 'integer' as const, minimum: 0, examples: [30] },
    },
    'Set-Cookie.session': {
      description: [
        'The session cookie, `__Host-sid=<token>; Path=/; HttpOnly; Secure; SameSite=Lax; Max-Age=<SESSION_TTL_HOURS>`,',
        'and the known-device cookie of the account, `__Host-device=…` (180 days). Outside production they are',
        '`sid` and `device`, without `Secure`.',
      ].join(' '),
      required: true,
      schema: { type: 'string' as const },
    },
    'Set-Cookie.login': {
      description: 'For a login session only: the session and known-device cookies, as a password login sets them.',
      schema: { type: 'string' as const },
    },
    'Set-Cookie.cleared': {
      description: 'The session cookie, expired: the browser forgets it.',
      required: true,
      schema: { type: 'string' as const },
    },
    'Cache-Control': {
      description: 'API answers are never cached.',
      required: true,
      schema: { type: 'string' as const, const: 'no-store' },
    },
  };
  for (const [name, header] of Object.entries(headers)) registry.registerComponent('headers', name, header);
  registry.registerComponent('securitySchemes', 'sessionCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: '__Host-sid',
    description: 'The session cookie a login sets (`sid` outside production). Browsers send it by themselves.',
  });

  /**
   * A named component (`#/components/schemas/<name>`): zod's own `id` metadata, which zod-to-openapi reads.
   * (Its `.openapi()` would need zod patched before common/ builds its schemas.) Each schema is named once.
   */
  const named = new Map<z.ZodType, z.ZodType>();
  const component = (schema: z.ZodType, name: string): z.ZodType => {
    if (!named.has(schema)) named.set(schema, schema.meta({ id: name }));
    return named.get(schema)!;
  };
  const errorBody = component(errorBodySchema, 'ErrorBody');

  for (const operation of operations) {
    const operationId = operationIdOf(operation);
    const capitalised = operationId[0]!.toUpperCase() + operationId.slice(1);
    const responses: RouteConfig['responses'] = {};

    const successHeaders: Record<string, { $ref: string }> = {};
    if (!operation.success.mediaTypes) successHeaders['Cache-Control'] = ref('Cache-Control');
    if (operation.rateLimited)
      Object.assign(successHeaders, { RateLimit: ref('RateLimit'), 'RateLimit-Policy': ref('RateLimit-Policy') });
    if (operation.success.cookie) {
      const cookieHeader = {
        sets: 'Set-Cookie.session',
        sets_on_login: 'Set-Cookie.login',
        clears: 'Set-Cookie.cleared',
      }[operation.success.cookie];
      successHeaders['Set-Cookie'] = ref(cookieHeader);
    }
    const success: ResponseConfig = {
      description: operation.success.description,
      ...(Object.keys(successHeaders).length > 0 ? { headers: successHeaders } : {}),
    };
    if (operation.success.schema) {
      success.content = {
        'application/json': {
          schema: component(operation.success.schema, `${capitalised.replace(/^(Get|Post|Put|Delete)/, '')}Response`),
          ...(operation.success.example === undefined ? {} : { example: operation.success.example }),
        },
      };
    } else if (operation.success.mediaTypes) {
      success.content = Object.fromEntries(
        operation.success.mediaTypes.map((mediaType) => [
          mediaType,
          { schema: { type: mediaType === 'application/json' ? ('object' as const) : ('string' as const) } },
        ]),
      );
    }
    responses[String(operation.success.status)] = success;

    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of errorCodesOf(operation)) {
      const status = ERROR_HTTP_STATUS[code];
      byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
    }
    for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
      const other = operation.otherResponses?.find((response) => response.status === status);
      // ErrorBody, with `status` narrowed to the codes this status carries here.
      const errorSchema = z.intersection(errorBody, z.object({ status: z.enum(codes as [ErrorCode, ...ErrorCode[]]) }));
      const examples: Record<string, { summary: string; value: unknown }> = Object.fromEntries(
        codes.flatMap((code) => {
          const example: ErrorBody | undefined = operation.errorExamples?.[code];
          return example ? [[code, { summary: code, value: example }]] : [];
        }),
      );
      if (other?.example !== undefined) examples.report = { summary: other.description, value: other.example };
      const errorHeaders: Record<string, { $ref: string }> = {};
      if (status === 429 || status === 503) errorHeaders['Retry-After'] = ref('Retry-After');
      if (status === 429 && operation.rateLimited)
        Object.assign(errorHeaders, { RateLimit: ref('RateLimit'), 'RateLimit-Policy': ref('RateLimit-Policy') });
      const meanings = codes.map((code) => `\`${code}\`: ${ERROR_MEANINGS[code]}`).join('; ');
      responses[String(status)] = {
        description: other ? `${other.description} Or an error: ${meanings}.` : `${meanings}.`,
        ...(Object.keys(errorHeaders).length > 0 ? { headers: errorHeaders } : {}),
        content: {
          'application/json': {
            schema: other ? z.union([other.schema, errorSchema]) : errorSchema,
            ...(Object.keys(examples).length > 0 ? { examples } : {}),
          },
        },
      };
    }
    for (const other of operation.otherResponses ?? []) {
      if (byStatus.has(other.status)) continue;
      responses[String(other.status)] = {
        description: other.description,
        content: {
          'application/json': {
            schema: other.schema,
            ...(other.example === undefined ? {} : { example: other.example }),
          },
        },
      };
    }

    const request: RouteConfig['request'] = {};
    if (operation.request?.query) request.query = operation.request.query;
    if (operation.request?.params) request.params = operation.request.params;
    if (WRITE_METHODS.has(operation.method)) {
      const body = operation.request?.body
        ? component(operation.request.body, `${capitalised.replace(/^(Get|Post|Put|Delete)/, '')}Request`)
        : z.object({}).describe('No fields: send `{}`. Every write must be JSON.');
      const mediaTypes = operation.request?.bodyMediaTypes ?? ['application/json'];
      request.body = {
        required: true,
        content: Object.fromEntries(
          mediaTypes.map((mediaType) => [mediaType, { schema: body, example: operation.request?.example ?? {} }]),
        ),
      };
    }

    registry.registerPath({
      method: operation.method,
      path: operation.path,
      operationId,
      tags: [operation.tag],
      summary: operation.summary,
      ...(operation.description
        ? { description: accessNote(operation, operation.description) }
        : { description: accessNote(operation) }),
      ...(operation.access === 'public' ? {} : { security: [{ sessionCookie: [] }] }),
      request,
      responses,
    });
  }

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'SMS OTP with 2Factor.in',
      version: readVersion(),
      description: [
        'Phone OTP login and admin settings over 2Factor.in. Every answer is JSON; every error is',
        '`{"status": "<code>", "message": "…"}` with a stable snake_case `status`. Writes need',
        '`Content-Type: application/json` and are refused from other sites. Signed-in routes use the session',
        'cookie a login sets.',
      ].join(' '),
    },
    tags: [
      { name: 'Authentication', description: 'Email login, who am I, logout.' },
      { name: 'SMS OTP', description: 'Send and check one-time codes (phone login, admin test sends).' },
      {
        name: 'SMS settings',
        description: 'Admins: 2Factor key, template and mode, test sends, delivery funnel, provider log.',
      },
      { name: 'Webhooks', description: 'Posted by other systems: 2Factor delivery reports.' },
      { name: 'Health', description: 'For load balancers and monitoring.' },
      { name: 'Reference', description: 'This reference.' },
    ],
  });
}

function accessNote(operation: ApiOperation, description?: string): string {
  const who = { public: 'Anyone.', signed_in: 'Signed-in users.', admin: 'Admins only (admin, super_admin).' }[
    operation.access
  ];
  return description ? `${description}\n\n${who}` : who;
}
