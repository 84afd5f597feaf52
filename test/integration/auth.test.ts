/**
 * Email login end to end: POST /api/auth/login, GET /api/auth/me, POST /api/auth/logout over the real
 * wiring and a database built from the migrations, plus the HTTP protections every API route shares.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ROLE_HOME, ROLES, type Role } from '../../common/roles.js';
import { createUser } from '../../server/auth/createUser.js';
import { buildTestApp, createFakeClock, TEST_APP_SECRET, useTestDatabase, type TestApp } from '../support/testApp.js';
import { dbKindsUnderTest } from '../support/testDatabases.js';

const PASSWORD = 'correct horse battery staple';
const HOUR_MS = 3_600_000;

function addUser(app: TestApp, role: Role, email = `${role.replace('_', '')}@example.com`) {
  return createUser(app.users, { email, password: PASSWORD, role });
}

function login(app: TestApp, email: string, password = PASSWORD) {
  return request(app.app).post('/api/auth/login').send({ email, password });
}

/** The Set-Cookie headers of a response. */
function setCookies(res: request.Response): string[] {
  return ([] as string[]).concat(res.headers['set-cookie'] ?? []);
}

/** The `name=value` part of the session cookie a response sets. */
function sessionCookieOf(res: request.Response): string {
  const setCookie = setCookies(res).filter((cookie) => /^(__Host-)?sid=/.test(cookie));
  expect(setCookie).toHaveLength(1);
  return setCookie[0]!.split(';')[0]!;
}

/** The `name=value` part of the trusted-device cookie a response sets. */
function deviceCookieOf(res: request.Response): string {
  const cookie = setCookies(res).find((value) => /^(__Host-)?device=/.test(value));
  expect(cookie, 'a trusted-device cookie').toBeDefined();
  return cookie!.split(';')[0]!;
}

function me(app: TestApp, cookie?: string) {
  const req = request(app.app).get('/api/auth/me');
  return cookie ? req.set('Cookie', cookie) : req;
}

/** Who GET /api/auth/me says is logged in with this cookie: a user, or null (it answers 200 either way). */
async function loggedInUser(
  app: TestApp,
  cookie?: string,
): Promise<{ id: string; email: string; role: string } | null> {
  const res = await me(app, cookie).expect(200);
  return res.body.user;
}

describe.each(dbKindsUnderTest())('email login on %s', (kind) => {
  const testDb = useTestDatabase(kind);

  describe('POST /api/auth/login', () => {
    it.each(ROLES.map((role) => [role, ROLE_HOME[role]] as const))(
      'logs in a %s and sends them to %s',
      async (role, home) => {
        const app = buildTestApp(testDb().db);
        const user = await addUser(app, role);

        const res = await login(app, user.email).expect(200);

        expect(res.body).toEqual({ user: { id: user.id, email: user.email, role }, redirect: home });
        expect(res.body.user.id).toMatch(/^[0-9a-f-]{36}$/);
      },
    );

    it('sets an HttpOnly, SameSite=Lax session cookie for path /, not Secure outside production', async () => {
      const app = buildTestApp(testDb().db);
      const user = await addUser(app, 'staff');

      const res = await login(app, user.email).expect(200);

      const [cookie] = setCookies(res);
      expect(cookie).toMatch(/^sid=[A-Za-z0-9_-]{43};/);
      expect(cookie).toContain('; HttpOnly');
      expect(cookie).toContain('; SameSite=Lax');
      expect(cookie).toContain('; Path=/');
      expect(cookie).toContain(`; Max-Age=${app.config.sessionTtlHours * 3600}`);
      expect(cookie).not.toMatch(/secure/i);
    });

    it('in production names the cookie __Host-sid and marks it Secure', async () => {
      const app = buildTestApp(testDb().db, { env: { NODE_ENV: 'production', APP_SECRET: TEST_APP_SECRET } });
      const user = await addUser(app, 'admin');

      const res = await login(app, user.email).expect(200);

      const [cookie] = setCookies(res);
      expect(cookie).toMatch(/^__Host-sid=[A-Za-z0-9_-]{43};/);
      expect(cookie).toContain('; Secure');
      expect(cookie).toContain('; HttpOnly');
      expect(cookie).toContain('; SameSite=Lax');
      expect(cookie).toContain('; Path=/');
      expect(cookie).not.toContain('Domain=');
      const token = sessionCookieOf(res).split('=')[1];
      expect(await loggedInUser(app, `__Host-sid=${token}`)).toMatchObject({ id: user.id });
      // The unprefixed development name is not accepted in production.
      expect(await loggedInUser(app, `sid=${token}`)).toBeNull();
    });

    it('answers a wrong password and an unknown email with the same 401 and sets no cookie', async () => {
      const app = buildTestApp(testDb().db);
      const user = await addUser(app, 'agent');

      const wrongPassword = await login(app, user.email, 'not the right password').expect(401);
      const unknownEmail = await login(app, 'nobody@example.com').expect(401);

      expect(wrongPassword.body).toEqual({
        status: 'invalid_credentials',
        message: 'The email or password is incorrect.',
      });
      expect(unknownEmail.body).toEqual(wrongPassword.body);
      expect(wrongPassword.headers['set-cookie']).toBeUndefined();
      expect(unknownEmail.headers['set-cookie']).toBeUndefined();
    });

    it('matches the email whatever its case and surrounding spaces', async () => {
      const app = buildTestApp(testDb().db);
      const user = await addUser(app, 'admin', 'Priya.Sharma@Example.com');
      expect(user.email).toBe('priya.sharma@example.com');

      const res = await login(app, '  PRIYA.sharma@EXAMPLE.COM ').expect(200);

      expect(res.body.user).toEqual({ id: user.id, email: 'priya.sharma@example.com', role: 'admin' });
    });

    it('answers 400 invalid_request for a missing password or a malformed email', async () => {
      const app = buildTestApp(testDb().db);

      const noPassword = await request(app.app).post('/api/auth/login').send({ email: 'a@example.com' }).expect(400);
      const badEmail = await login(app, 'not-an-email').expect(400);

      expect(noPassword.body.status).toBe('invalid_request');
      expect(badEmail.body.status).toBe('invalid_request');
    });
  });

  describe('GET /api/auth/me', () => {
    it('answers 200 with user null without a session cookie: logged out is an answer, not an error', async () => {
      const app = buildTestApp(testDb().db);
      const res = await me(app).expect(200);
      expect(res.body).toEqual({ user: null });
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('answers user null for a cookie that is not a live session', async () => {
      const app = buildTestApp(testDb().db);
      expect(await loggedInUser(app, `sid=${'A'.repeat(43)}`)).toBeNull();
      expect(await loggedInUser(app, 'sid=garbage')).toBeNull();
    });

    it('keeps 401 unauthorized for the other protected routes', async () => {
      const app = buildTestApp(testDb().db);
      const res = await request(app.app).get('/api/sms/config').expect(401);
      expect(res.body.status).toBe('unauthorized');
    });

    it('answers the logged-in user with the session cookie', async () => {
      const app = buildTestApp(testDb().db);
      const user = await addUser(app, 'super_admin');
      const cookie = sessionCookieOf(await login(app, user.email).expect(200));

      const res = await me(app, cookie).expect(200);

      expect(res.body).toEqual({ user: { id: user.id, email: user.email, role: 'super_admin' } });
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers.etag).toBeUndefined();
    });

    it('refuses a session once SESSION_TTL_HOURS have passed', async () => {
      const clock = createFakeClock();
      const app = buildTestApp(testDb().db, { clock });
      const user = await addUser(app, 'staff');
      const cookie = sessionCookieOf(await login(app, user.email).expect(200));
      const ttlMs = app.config.sessionTtlHours * HOUR_MS;

      clock.advance(ttlMs - 60_000);
      expect(await loggedInUser(app, cookie)).toMatchObject({ id: user.id });

      clock.advance(60_000);
      expect(await loggedInUser(app, cookie)).toBeNull();
    });
  });

  describe('POST /api/auth/logout', () => {
    it('clears the cookie and ends the session on the server, so the old cookie no longer works', async () => {
      const app = buildTestApp(testDb().db);
      const user = await addUser(app, 'agent');
      const cookie = sessionCookieOf(await login(app, user.email).expect(200));

      const res = await request(app.app).post('/api/auth/logout').set('Cookie', cookie).send({}).expect(204);

      const [cleared] = setCookies(res);
      expect(cleared).toMatch(/^sid=;/);
      expect(cleared).toContain('Max-Age=0');
      expect(await loggedInUser(app, cookie)).toBeNull();
    });

    it('ends only that session: another login of the same user stays valid', async () => {
      const app = buildTestApp(testDb().db);
      const user = await addUser(app, 'admin');
      const first = sessionCookieOf(await login(app, user.email).expect(200));
      const second = sessionCookieOf(await login(app, user.email).expect(200));

      await request(app.app).post('/api/auth/logout').set('Cookie', first).send({}).expect(204);

      expect(await loggedInUser(app, first)).toBeNull();
      expect(await loggedInUser(app, second)).toMatchObject({ id: user.id });
    });

    it('answers 204 without a session too', async () => {
      const app = buildTestApp(testDb().db);
      await request(app.app).post('/api/auth/logout').send({}).expect(204);
    });
  });

  describe('failed login limit', () => {
    const LIMIT = 3;
    const env = { LOGIN_RATE_LIMIT_PER_15_MIN: String(LIMIT) };

    it('answers 429 rate_limited with Retry-After and IETF RateLimit headers after too many failures, until the window ends', async () => {
      const clock = createFakeClock();
      const app = buildTestApp(testDb().db, { env, clock });
      const user = await addUser(app, 'staff');

      for (let i = 0; i < LIMIT; i += 1) await login(app, user.email, 'wrong password!').expect(401);
      const limited = await login(app, user.email).expect(429);

      expect(limited.body).toEqual({ status: 'rate_limited', message: expect.any(String), retry_after_s: 900 });
      expect(limited.headers['retry-after']).toBe('900');
      expect(limited.headers['ratelimit-policy']).toMatch(/^"login-ip"; q=3; w=900\b/);
      expect(limited.headers['ratelimit']).toBe('"login-ip"; r=0; t=900');
      expect(limited.headers['set-cookie']).toBeUndefined();

      clock.advance(5 * 60_000);
      const later = await login(app, user.email).expect(429);
      expect(later.body.retry_after_s).toBe(600);
      expect(later.headers['retry-after']).toBe('600');

      clock.advance(10 * 60_000);
      await login(app, user.email).expect(200);
    });

    it('does not count successful logins', async () => {
      const app = buildTestApp(testDb().db, { env });
      const user = await addUser(app, 'agent');

      for (let i = 0; i < LIMIT - 1; i += 1) await login(app, user.email, 'wrong password!').expect(401);
      for (let i = 0; i < LIMIT + 1; i += 1) await login(app, user.email).expect(200);
      const lastAllowed = await login(app, user.email, 'wrong password!').expect(401);
      expect(lastAllowed.headers['ratelimit']).toMatch(/^"login-ip"; r=0;/);

      await login(app, user.email, 'wrong password!').expect(429);
    });
  });

  describe('per-account throttle (any number of addresses)', () => {
    // Every request from a new forged address, behind TRUST_PROXY: the per-IP limit never applies.
    const env = { TRUST_PROXY: 'true', LOGIN_RATE_LIMIT_PER_15_MIN: '1000000' };
    let address = 0;
    const from = (app: TestApp, email: string, password = PASSWORD, cookie?: string) => {
      address += 1;
      const req = request(app.app)
        .post('/api/auth/login')
        .set('X-Forwarded-For', `198.51.${address >> 8}.${address & 255}`);
      return (cookie ? req.set('Cookie', cookie) : req).send({ email, password });
    };

    it('lets 5 wrong passwords through, then makes each try wait 1 s, 2 s, 4 s… up to 30 s, without checking the password meanwhile', async () => {
      const clock = createFakeClock();
      const app = buildTestApp(testDb().db, { env, clock });
      const user = await addUser(app, 'staff');
      for (let i = 0; i < 5; i++) await from(app, user.email, 'wrong password!').expect(401);

      const waits: number[] = [];
      for (let i = 0; i < 7; i++) {
        const held = await from(app, user.email).expect(429); // even the right password waits
        expect(held.body).toMatchObject({ status: 'rate_limited', retry_after_s: expect.any(Number) });
        expect(held.headers['retry-after']).toBe(String(held.body.retry_after_s));
        expect(held.headers['ratelimit']).toBe(`"login-account"; r=0; t=${held.body.retry_after_s}`);
        expect(held.headers['set-cookie']).toBeUndefined();
        waits.push(held.body.retry_after_s);
        clock.advance(held.body.retry_after_s * 1000);
        await from(app, user.email, 'wrong password!').expect(401);
      }
      expect(waits).toEqual([1, 2, 4, 8, 16, 30, 30]);

      clock.advance(30_000);
      await from(app, user.email).expect(200);
      // A correct password clears the count.
      await from(app, user.email, 'wrong password!').expect(401);
      await from(app, user.email, 'wrong password!').expect(401);
    });

    it('throttles an email nobody has exactly like a real account, so the throttle reveals nothing', async () => {
      const clock = createFakeClock();
      const app = buildTestApp(testDb().db, { env, clock });
      const user = await addUser(app, 'staff');
      const answers = async (email: string) => {
        const statuses: number[] = [];
        for (let i = 0; i < 7; i++) statuses.push((await from(app, email, 'wrong password!')).status);
        return statuses;
      };
      const known = await answers(user.email);
      const unknown = await answers('nobody-here@example.com');
      expect(unknown).toEqual(known);
      expect(known).toEqual([401, 401, 401, 401, 401, 429, 429]);
    });

    it('forgets failures 15 minutes after the last one', async () => {
      const clock = createFakeClock();
      const app = buildTestApp(testDb().db, { env, clock });
      const user = await addUser(app, 'staff');
      for (let i = 0; i < 5; i++) await from(app, user.email, 'wrong password!').expect(401);
      clock.advance(15 * 60_000);
      for (let i = 0; i < 5; i++) await from(app, user.email, 'wrong password!').expect(401);
    });

    it('never slows the owner down on a device that logged in before, whatever strangers do to the account', async () => {
      const clock = createFakeClock();
      const app = buildTestApp(testDb().db, { env, clock });
      const user = await addUser(app, 'admin');
      const device = deviceCookieOf(await from(app, user.email).expect(200));
      for (let i = 0; i < 12; i++) await from(app, user.email, 'wrong password!');
      await from(app, user.email).expect(429);

      const owner = await from(app, user.email, PASSWORD, device).expect(200);
      expect(sessionCookieOf(owner)).toMatch(/^sid=/);
      // The device's own wrong passwords are counted on the device, with the same growing wait.
      for (let i = 0; i < 5; i++) await from(app, user.email, 'wrong password!', device).expect(401);
      expect((await from(app, user.email, PASSWORD, device).expect(429)).body.retry_after_s).toBe(1);
    });

    it('treats a forged device cookie, or one from another account, as no device', async () => {
      const clock = createFakeClock();
      const app = buildTestApp(testDb().db, { env, clock });
      const victim = await addUser(app, 'admin');
      const attacker = await addUser(app, 'staff');
      const attackersDevice = deviceCookieOf(await from(app, attacker.email).expect(200));
      for (let i = 0; i < 5; i++) await from(app, victim.email, 'wrong password!').expect(401);
      await from(app, victim.email, PASSWORD, attackersDevice).expect(429);
      const [name, value] = attackersDevice.split('=') as [string, string];
      const forged = `${name}=${value.replace(/^[^.]+/, victim.id)}`;
      await from(app, victim.email, PASSWORD, forged).expect(429);
    });

    it('sets the device cookie HttpOnly, SameSite=Lax, for 180 days, and __Host- and Secure in production', async () => {
      const app = buildTestApp(testDb().db, { env: { NODE_ENV: 'production', APP_SECRET: TEST_APP_SECRET } });
      const user = await addUser(app, 'admin');
      const cookie = setCookies(await login(app, user.email).expect(200)).find((value) =>
        value.startsWith('__Host-device='),
      );
      expect(cookie).toMatch(/^__Host-device=[^;]+; Max-Age=15552000; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
    });
  });

  describe('protection against cross-site requests', () => {
    it('refuses a write whose Origin is another site with 403 cross_site_request', async () => {
      const app = buildTestApp(testDb().db);
      const res = await request(app.app)
        .post('/api/auth/login')
        .set('Origin', 'https://evil.example')
        .send({ email: 'a@example.com', password: PASSWORD })
        .expect(403);
      expect(res.body).toEqual({ status: 'cross_site_request', message: expect.any(String) });
    });

    it('refuses a write a browser marks Sec-Fetch-Site: cross-site', async () => {
      const app = buildTestApp(testDb().db);
      const res = await request(app.app)
        .post('/api/auth/logout')
        .set('Sec-Fetch-Site', 'cross-site')
        .send({})
        .expect(403);
      expect(res.body.status).toBe('cross_site_request');
    });

    it('refuses an opaque Origin (null), as sandboxed frames and some redirects send', async () => {
      const app = buildTestApp(testDb().db);
      await request(app.app)
        .post('/api/auth/login')
        .set('Origin', 'null')
        .send({ email: 'a@example.com', password: PASSWORD })
        .expect(403);
    });

    it('accepts a write from its own origin', async () => {
      const app = buildTestApp(testDb().db);
      const user = await addUser(app, 'admin');
      await request(app.app)
        .post('/api/auth/login')
        .set('Host', 'otp.example.in')
        .set('Origin', 'https://otp.example.in')
        .set('Sec-Fetch-Site', 'same-origin')
        .send({ email: user.email, password: PASSWORD })
        .expect(200);
    });

    it('refuses a form-encoded write (what a cross-site HTML form can send) with 415 unsupported_media_type', async () => {
      const app = buildTestApp(testDb().db);
      const user = await addUser(app, 'admin');
      const res = await request(app.app)
        .post('/api/auth/login')
        .type('form')
        .send({ email: user.email, password: PASSWORD })
        .expect(415);
      expect(res.body.status).toBe('unsupported_media_type');
      expect(res.headers['set-cookie']).toBeUndefined();
    });
  });

  describe('request bodies and unknown routes', () => {
    it('answers malformed JSON with 400 invalid_request as JSON', async () => {
      const app = buildTestApp(testDb().db);
      const res = await request(app.app)
        .post('/api/auth/login')
        .set('Content-Type', 'application/json')
        .send('{"email": "a@example.com", "password": ')
        .expect(400)
        .expect('Content-Type', /application\/json/);
      expect(res.body).toEqual({ status: 'invalid_request', message: 'The request body is not valid JSON.' });
    });

    it('answers a body over 16 kB with 413 payload_too_large', async () => {
      const app = buildTestApp(testDb().db);
      const res = await login(app, 'a@example.com', 'x'.repeat(17 * 1024)).expect(413);
      expect(res.body.status).toBe('payload_too_large');
    });

    it('answers an unknown /api path with 404 not_found as JSON', async () => {
      const app = buildTestApp(testDb().db);
      const res = await request(app.app)
        .get('/api/no-such-thing')
        .expect(404)
        .expect('Content-Type', /application\/json/);
      expect(res.body).toEqual({ status: 'not_found', message: expect.any(String) });
      await request(app.app).post('/api/auth/nope').send({}).expect(404);
    });
  });

  it('sends helmet security headers and no X-Powered-By', async () => {
    const app = buildTestApp(testDb().db);
    const res = await request(app.app).get('/api/health').expect(200);
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'strict-transport-security': expect.stringContaining('max-age='),
    });
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'self'");
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});
