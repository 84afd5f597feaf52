/**
 * The API reference (GET /api/openapi.json, GET /api/docs): a valid OpenAPI 3.1 document that names every
 * route the app mounts (found by walking the real app's Express router stack, so a route added without its
 * entry in server/apiDocs/apiOperations.ts fails here), whose examples fit its schemas, and whose schemas,
 * status codes and headers fit what the server really answers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import express, { type Express } from 'express';
import request, { type Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../server/auth/createUser.js';
import { sandboxFromSimulator } from '../../server/providers/twoFactor/simulatorSandbox.js';
import { buildTestApp, createFakeClock, useTestDatabase, type TestApp } from '../support/testApp.js';
import { addUser, codeSentTo, cookieFor, newPhone, signedIn, useSimulator } from '../support/smsKit.js';

/**
 * Routes the app mounts that are not part of the JSON API: the React app's page for any other path, and
 * Prometheus' scrape endpoint (text format behind its own bearer token; see docs/operations.md).
 */
const NOT_API = new Set(['GET /{*path}', 'GET /metrics']);

const DOC_ID = 'https://sms-otp.test/openapi.json';
const HTTP_METHODS = ['get', 'post', 'put', 'delete', 'patch'] as const;

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Partial<Record<(typeof HTTP_METHODS)[number], Operation>>>;
  components: { headers: Record<string, { schema: object; required?: boolean }> };
}
interface MediaType {
  schema?: object;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Operation {
  requestBody?: { content: Record<string, MediaType> };
  parameters?: Array<{ name: string; in: string; schema: object; example?: unknown }>;
  responses: Record<string, { headers?: Record<string, { $ref: string }>; content?: Record<string, MediaType> }>;
}

/** A router layer as Express 5 (router 2.x) keeps it: a route, or a mounted router with its mount path. */
interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  rawPath?: unknown;
  handle: { stack?: Layer[] };
}

/** Every `METHOD /path` the app routes, with OpenAPI-style parameters (`:id` → `{id}`). */
function mountedRoutes(app: Express): string[] {
  const routes: string[] = [];
  const join = (prefix: string, part: string) => (part === '/' ? prefix : `${prefix}${part}`);
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        if (typeof layer.route.path !== 'string')
          throw new Error(`a route with several paths under ${prefix}: list each one`);
        const full = join(prefix, layer.route.path).replace(/:(\w+)/g, '{$1}');
        for (const method of Object.keys(layer.route.methods))
          routes.push(`${method === '_all' ? 'ALL' : method.toUpperCase()} ${full}`);
      } else if (layer.handle.stack) {
        if (typeof layer.rawPath !== 'string')
          throw new Error(`a router mounted on a pattern under ${prefix}: the test cannot name its routes`);
        walk(layer.handle.stack, join(prefix, layer.rawPath));
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return routes;
}

function documentedRoutes(doc: OpenApiDocument): string[] {
  return Object.entries(doc.paths).flatMap(([pathName, item]) =>
    HTTP_METHODS.filter((method) => item[method]).map((method) => `${method.toUpperCase()} ${pathName}`),
  );
}

/** JSON-pointer escaping of one path segment. */
const pointer = (segment: string) => segment.replaceAll('~', '~0').replaceAll('/', '~1');

function createAjv(doc: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ ...doc, $id: DOC_ID });
  return ajv;
}

describe('API reference', () => {
  const testDb = useTestDatabase('pglite');
  const sim = useSimulator();
  let clientDir = '';
  let doc: OpenApiDocument;
  let ajv: ReturnType<typeof createAjv>;

  beforeAll(() => {
    // The real app serves the React build too: give it one, so its routes are walked as well.
    clientDir = mkdtempSync(path.join(tmpdir(), 'api-reference-client-'));
    writeFileSync(path.join(clientDir, 'index.html'), '<!doctype html><title>app</title>');
  });
  afterAll(() => rmSync(clientDir, { recursive: true, force: true }));

  const appFor = (env: Record<string, string> = {}): TestApp =>
    buildTestApp(testDb().db, {
      env,
      clientDir,
      sandbox: sandboxFromSimulator(sim()),
      holdAnswer: async () => undefined,
      clock: createFakeClock(Date.now()),
    });

  beforeAll(async () => {
    const res = await request(appFor().app).get('/api/openapi.json').expect(200).expect('Content-Type', /json/);
    doc = res.body as OpenApiDocument;
    ajv = createAjv(doc);
  });

  it('serves a valid OpenAPI 3.1 document at /api/openapi.json', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('finds routes wherever they are mounted: on the app, in routers, in routers within routers', () => {
    const app = express();
    app.get('/metrics', () => undefined);
    const api = express.Router();
    const hooks = express.Router();
    hooks.post('/send-sms', () => undefined);
    api.use('/hooks/supabase', hooks);
    api.post('/sms/callbacks/:provider', () => undefined);
    api.use((_req, _res, next) => next()); // plain middleware: not a route
    app.use('/api', api);
    expect(mountedRoutes(app)).toEqual([
      'GET /metrics',
      'POST /api/hooks/supabase/send-sms',
      'POST /api/sms/callbacks/{provider}',
    ]);
  });

  it('documents every route the app mounts, and only those', () => {
    const mounted = mountedRoutes(appFor().app).filter((route) => !NOT_API.has(route));
    expect(mounted).toContain('DELETE /api/sms/config/api_key');
    expect(documentedRoutes(doc).sort()).toEqual([...new Set(mounted)].sort());
  });

  it('gives every operation an error answer for each code it can send, and headers where limits and logins apply', () => {
    const sendOtp = doc.paths['/api/sms/sendOtp']!.post!;
    expect(Object.keys(sendOtp.responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '403',
      '413',
      '415',
      '429',
      '500',
      '502',
      '503',
    ]);
    expect(Object.keys(sendOtp.responses['200']!.headers!)).toEqual(
      expect.arrayContaining(['RateLimit', 'RateLimit-Policy']),
    );
    expect(Object.keys(sendOtp.responses['429']!.headers!)).toEqual(
      expect.arrayContaining(['Retry-After', 'RateLimit', 'RateLimit-Policy']),
    );
    expect(Object.keys(doc.paths['/api/auth/login']!.post!.responses['200']!.headers!)).toContain('Set-Cookie');
    expect(Object.keys(doc.paths['/api/auth/logout']!.post!.responses['204']!.headers!)).toContain('Set-Cookie');
    expect(Object.keys(doc.paths['/api/sms/config/api_key']!.delete!.responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '403',
      '413',
      '415',
      '500',
      '503',
    ]);
  });

  it('has examples that all fit their schemas', () => {
    let checked = 0;
    const check = (schemaPointer: string, example: unknown, where: string) => {
      const validate = ajv.getSchema(`${DOC_ID}#${schemaPointer}`);
      expect(validate, where).toBeDefined();
      expect(validate!(example), `${where}: ${JSON.stringify(validate!.errors)}`).toBe(true);
      checked += 1;
    };
    for (const [pathName, item] of Object.entries(doc.paths)) {
      for (const method of HTTP_METHODS) {
        const operation = item[method];
        if (!operation) continue;
        const base = `/paths/${pointer(pathName)}/${method}`;
        const checkContent = (content: Record<string, MediaType> | undefined, at: string) => {
          for (const [mediaType, media] of Object.entries(content ?? {})) {
            const schemaAt = `${at}/content/${pointer(mediaType)}/schema`;
            if (media.example !== undefined) check(schemaAt, media.example, `${method} ${pathName} ${at}`);
            for (const [name, example] of Object.entries(media.examples ?? {}))
              check(schemaAt, example.value, `${method} ${pathName} ${at} ${name}`);
          }
        };
        checkContent(operation.requestBody?.content, `${base}/requestBody`);
        for (const status of Object.keys(operation.responses))
          checkContent(operation.responses[status]!.content, `${base}/responses/${status}`);
      }
    }
    for (const [name, header] of Object.entries(doc.components.headers)) {
      for (const example of (header.schema as { examples?: unknown[] }).examples ?? [])
        check(`/components/headers/${pointer(name)}/schema`, example, name);
    }
    expect(checked).toBeGreaterThan(25);
  });

  describe('what the server answers fits what the document says', () => {
    /** `res` is a documented answer of `METHOD path`: its status, its body's schema and its headers. */
    function expectDocumented(res: Response, method: (typeof HTTP_METHODS)[number], pathName: string): void {
      const operation = doc.paths[pathName]?.[method];
      const where = `${method.toUpperCase()} ${pathName} → ${res.status} ${res.text.slice(0, 200)}`;
      expect(operation, where).toBeDefined();
      const documented = operation!.responses[String(res.status)];
      expect(documented, `${where}: status not documented`).toBeDefined();
      const mediaType = String(res.headers['content-type'] ?? '').split(';')[0]!;
      if (documented!.content) {
        expect(Object.keys(documented!.content), where).toContain(mediaType);
        if (mediaType === 'application/json') {
          const validate = ajv.getSchema(
            `${DOC_ID}#/paths/${pointer(pathName)}/${method}/responses/${res.status}/content/application~1json/schema`,
          )!;
          expect(validate(res.body), `${where}: ${JSON.stringify(validate.errors)}`).toBe(true);
        }
      } else {
        expect(res.text, where).toBe('');
      }
      if (res.status === 429) expect(res.headers['retry-after'], `${where}: Retry-After`).toBeDefined();
      for (const [name, header] of Object.entries(documented!.headers ?? {})) {
        const component = doc.components.headers[header.$ref.split('/').at(-1)!]!;
        const received = res.headers[name.toLowerCase()];
        if (component.required) expect(received, `${where}: header ${name}`).toBeDefined();
        if (received === undefined) continue;
        const schema = ajv.getSchema(`${DOC_ID}#${header.$ref.slice(1)}/schema`)!;
        for (const value of ([] as unknown[]).concat(received)) {
          const typed = (schema.schema as { type?: string }).type === 'integer' ? Number(value) : value;
          expect(schema(typed), `${where}: header ${name}: ${String(value)}`).toBe(true);
        }
      }
    }

    it('for health, logins, the session and logout', async () => {
      const app = appFor();
      await createUser(app.users, { email: 'docs-user@example.com', password: 'Lantern Orchard 2026', role: 'staff' });
      expectDocumented(await request(app.app).get('/api/health'), 'get', '/api/health');

      const login = await request(app.app)
        .post('/api/auth/login')
        .send({ email: 'docs-user@example.com', password: 'Lantern Orchard 2026' });
      expect(login.status).toBe(200);
      expectDocumented(login, 'post', '/api/auth/login');
      const wrong = await request(app.app)
        .post('/api/auth/login')
        .send({ email: 'docs-user@example.com', password: 'not the password' });
      expect(wrong.status).toBe(401);
      expectDocumented(wrong, 'post', '/api/auth/login');
      expectDocumented(
        await request(app.app).post('/api/auth/login').send({ email: 'not an email' }),
        'post',
        '/api/auth/login',
      );

      const cookie = (login.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!;
      expectDocumented(
        await request(app.app).get('/api/auth/me').set('Cookie', cookie).expect(200),
        'get',
        '/api/auth/me',
      );
      const nobody = await request(app.app).get('/api/auth/me').expect(200);
      expect(nobody.body).toEqual({ user: null });
      expectDocumented(nobody, 'get', '/api/auth/me');
      expectDocumented(
        await request(app.app).post('/api/auth/logout').set('Cookie', cookie).send({}).expect(204),
        'post',
        '/api/auth/logout',
      );
      expectDocumented(
        await request(app.app).post('/api/auth/logout').set('Origin', 'https://attacker.example').send({}).expect(403),
        'post',
        '/api/auth/logout',
      );
      expectDocumented(await request(app.app).post('/api/auth/logout').expect(415), 'post', '/api/auth/logout');
    });

    it('for sending and checking codes, limits included', async () => {
      const app = appFor({ SMS_MAX_VERIFY_ATTEMPTS: '3' });
      const phone = newPhone();
      const owner = await addUser(app, 'agent', phone);

      const sent = await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(200);
      expectDocumented(sent, 'post', '/api/sms/sendOtp');
      expectDocumented(
        await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(429),
        'post',
        '/api/sms/sendOtp',
      );
      expectDocumented(
        await request(app.app).post('/api/sms/sendOtp').send({ phone: '12345' }).expect(400),
        'post',
        '/api/sms/sendOtp',
      );
      expectDocumented(
        await request(app.app).post('/api/sms/sendOtp').send({ phone: newPhone(), purpose: 'test' }).expect(401),
        'post',
        '/api/sms/sendOtp',
      );

      const code = codeSentTo(sim(), phone);
      const wrongCode = code === '000000' ? '111111' : '000000';
      const mismatch = await request(app.app)
        .post('/api/sms/verifyOtp')
        .send({ session_id: sent.body.session_id, otp: wrongCode })
        .expect(400);
      expect(mismatch.body.status).toBe('otp_mismatch');
      expectDocumented(mismatch, 'post', '/api/sms/verifyOtp');
      const verified = await request(app.app)
        .post('/api/sms/verifyOtp')
        .send({ session_id: sent.body.session_id, otp: code })
        .expect(200);
      expect(verified.body.user).toEqual(owner);
      expectDocumented(verified, 'post', '/api/sms/verifyOtp');
      expectDocumented(
        await request(app.app)
          .post('/api/sms/verifyOtp')
          .send({ session_id: sent.body.session_id, otp: code })
          .expect(404),
        'post',
        '/api/sms/verifyOtp',
      );
    });

    it('for the admin routes', async () => {
      const app = appFor();
      const admin = await signedIn(app);
      const as = (req: request.Test) => req.set('Cookie', admin.cookie);

      expectDocumented(await as(request(app.app).get('/api/sms/config')).expect(200), 'get', '/api/sms/config');
      expectDocumented(
        await as(request(app.app).put('/api/sms/config')).send({ api_key: 'docs-key-0000-1111' }).expect(200),
        'put',
        '/api/sms/config',
      );
      expectDocumented(
        await as(request(app.app).put('/api/sms/config')).send({ mode: 'voice' }).expect(400),
        'put',
        '/api/sms/config',
      );
      expectDocumented(
        await as(request(app.app).delete('/api/sms/config/api_key')).send({}).expect(200),
        'delete',
        '/api/sms/config/api_key',
      );
      expectDocumented(
        await as(request(app.app).post('/api/sms/config/test')).send({}).expect(200),
        'post',
        '/api/sms/config/test',
      );
      expectDocumented(
        await as(request(app.app).post('/api/sms/sendOtp')).send({ phone: newPhone(), purpose: 'test' }).expect(200),
        'post',
        '/api/sms/sendOtp',
      );
      expectDocumented(
        await as(request(app.app).post('/api/sms/sendTemplate')).send({ to: newPhone(), var1: 'A-1' }).expect(200),
        'post',
        '/api/sms/sendTemplate',
      );
      expectDocumented(await as(request(app.app).get('/api/sms/usage')).expect(200), 'get', '/api/sms/usage');
      expectDocumented(
        await as(request(app.app).get('/api/sms/config/changes')).expect(200),
        'get',
        '/api/sms/config/changes',
      );
      expectDocumented(
        await as(request(app.app).get('/api/sms/test-numbers')).expect(200),
        'get',
        '/api/sms/test-numbers',
      );
      await app.smsBalance.pollIfDue();
      const balance = await as(request(app.app).get('/api/sms/balance')).expect(200);
      expect(balance.body.accounts[0].balance).toBe(500);
      expectDocumented(balance, 'get', '/api/sms/balance');
      expectDocumented(await as(request(app.app).get('/api/sms/logs?limit=1')).expect(200), 'get', '/api/sms/logs');
      expectDocumented(await as(request(app.app).get('/api/sms/logs?limit=0')).expect(400), 'get', '/api/sms/logs');
      expectDocumented(
        await as(request(app.app).get('/api/sms/funnel?period=7d')).expect(200),
        'get',
        '/api/sms/funnel',
      );
      expectDocumented(
        await as(request(app.app).get('/api/sms/funnel?period=30d')).expect(400),
        'get',
        '/api/sms/funnel',
      );

      const staff = await cookieFor(app, await addUser(app, 'staff'));
      expectDocumented(
        await request(app.app).get('/api/sms/config').set('Cookie', staff).expect(403),
        'get',
        '/api/sms/config',
      );
    });

    it("for 2Factor's delivery reports", async () => {
      const token = 'docs-callback-token-0123456789abcdef-0123';
      const app = appFor({ TWO_FACTOR_CALLBACK_TOKEN: token });
      const pathName = '/api/sms/callbacks/2factor/{token}';
      const form = {
        mode: 'SMS_OTP',
        SessionId: 'c8e46da6-7b5c-4515-a3b2-83bf045cce44',
        To: '9876543210',
        Status: 'DELIVERED',
      };
      expectDocumented(
        await request(app.app).post(`/api/sms/callbacks/2factor/${token}`).type('form').send(form).expect(200),
        'post',
        pathName,
      );
      expectDocumented(
        await request(app.app).post(`/api/sms/callbacks/2factor/${token}`).send(form).expect(200),
        'post',
        pathName,
      );
      expectDocumented(
        await request(app.app).post(`/api/sms/callbacks/2factor/${token}-wrong`).type('form').send(form).expect(404),
        'post',
        pathName,
      );
      expectDocumented(
        await request(app.app)
          .post(`/api/sms/callbacks/2factor/${token}`)
          .type('form')
          .send({ ...form, Padding: 'x'.repeat(5_000) })
          .expect(413),
        'post',
        pathName,
      );
    });

    it('for the reference itself', async () => {
      const app = appFor();
      expectDocumented(await request(app.app).get('/api/openapi.json').expect(200), 'get', '/api/openapi.json');
      expectDocumented(await request(app.app).get('/api/docs/start.js').expect(200), 'get', '/api/docs/{asset}');
      expectDocumented(await request(app.app).get('/api/docs/swagger-ui.css').expect(200), 'get', '/api/docs/{asset}');
      expectDocumented(await request(app.app).get('/api/docs/package.json').expect(404), 'get', '/api/docs/{asset}');
      const page = await request(app.app).get('/api/docs').expect(200);
      expectDocumented(page, 'get', '/api/docs');
    });
  });
});
