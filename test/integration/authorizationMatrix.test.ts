/**
 * The authorization matrix: every API route × {logged out, agent, staff, admin, super_admin}, each cell the
 * HTTP status the server must answer, with a fresh session per cell and the real wiring (a database from the
 * migrations, 2Factor simulated over HTTP). A refused cell must also cost no 2Factor call and change nothing.
 */
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../../common/roles.js';
import { createUser } from '../../server/auth/createUser.js';
import { buildTestApp, useTestDatabase, type TestApp } from '../support/testApp.js';
import { dbKindsUnderTest } from '../support/testDatabases.js';
import { CALLBACK_PATH, CALLBACK_TOKEN } from '../support/deliveryKit.js';
import {
  addUser,
  cookieFor,
  NO_ABUSE_LIMITS,
  simulatorEnv,
  testPhone,
  useRecordingSimulator,
} from '../support/securityKit.js';

type Caller = 'logged out' | Role;
const CALLERS: readonly Caller[] = ['logged out', 'agent', 'staff', 'admin', 'super_admin'];

interface Route {
  name: string;
  /** Sends the request as `cookie` (undefined: logged out); may prepare what the route needs first. */
  call: (ctx: CellContext) => Promise<request.Response>;
}

interface CellContext {
  app: TestApp;
  cookie: string | undefined;
  /** A phone nobody else in this test uses. */
  freshPhone: () => string;
  /** A phone that belongs to a (new) agent. */
  registeredPhone: () => Promise<string>;
  codeSentTo: (phone: string) => string;
}

const LOGIN_EMAIL = 'matrix-login@example.com';
const LOGIN_PASSWORD = 'matrix login password 2026';

function as(req: request.Test, cookie: string | undefined): request.Test {
  return cookie ? req.set('Cookie', cookie) : req;
}

const ROUTES: Record<string, Route['call']> = {
  'GET    /api/health': ({ app, cookie }) => as(request(app.app).get('/api/health'), cookie),
  'POST   /api/auth/login': ({ app, cookie }) =>
    as(request(app.app).post('/api/auth/login'), cookie).send({ email: LOGIN_EMAIL, password: LOGIN_PASSWORD }),
  'GET    /api/auth/me': ({ app, cookie }) => as(request(app.app).get('/api/auth/me'), cookie),
  'POST   /api/auth/logout': ({ app, cookie }) =>
    as(request(app.app).post('/api/auth/logout'), cookie).set('Content-Type', 'application/json'),
  'GET    /api/sms/config': ({ app, cookie }) => as(request(app.app).get('/api/sms/config'), cookie),
  'PUT    /api/sms/config': ({ app, cookie }) =>
    as(request(app.app).put('/api/sms/config'), cookie).send({ template_name: 'Matrix_Template', mode: 'autogen' }),
  'DELETE /api/sms/config/api_key': ({ app, cookie }) =>
    as(request(app.app).delete('/api/sms/config/api_key'), cookie).send({}),
  'POST   /api/sms/config/test': ({ app, cookie }) =>
    as(request(app.app).post('/api/sms/config/test'), cookie).set('Content-Type', 'application/json'),
  'GET    /api/sms/logs': ({ app, cookie }) => as(request(app.app).get('/api/sms/logs?limit=5'), cookie),
  'GET    /api/sms/funnel': ({ app, cookie }) => as(request(app.app).get('/api/sms/funnel?period=7d'), cookie),
  'GET    /api/sms/usage': ({ app, cookie }) => as(request(app.app).get('/api/sms/usage'), cookie),
  // 2Factor's servers post with no cookie; a cookie neither helps nor hurts. The token in the path decides.
  'POST   /api/sms/callbacks/2factor/{token}': ({ app, cookie }) =>
    as(request(app.app).post(CALLBACK_PATH), cookie)
      .type('form')
      .send({ mode: 'SMS_OTP', SessionId: 'matrix', To: '9876543210', Status: 'DELIVERED' }),
  'POST   /api/sms/callbacks/2factor/{wrong}': ({ app, cookie }) =>
    as(request(app.app).post(`${CALLBACK_PATH}-wrong`), cookie)
      .type('form')
      .send({ mode: 'SMS_OTP', SessionId: 'matrix', Status: 'DELIVERED' }),
  'GET    /api/sms/config/changes': ({ app, cookie }) => as(request(app.app).get('/api/sms/config/changes'), cookie),
  'GET    /api/sms/balance': ({ app, cookie }) => as(request(app.app).get('/api/sms/balance'), cookie),
  'GET    /api/sms/test-numbers': ({ app, cookie }) => as(request(app.app).get('/api/sms/test-numbers'), cookie),
  'POST   /api/sms/sendTemplate': ({ app, cookie, freshPhone }) =>
    as(request(app.app).post('/api/sms/sendTemplate'), cookie).send({
      to: freshPhone(),
      template_name: 'Order_Update',
      var1: 'A-1',
    }),
  'POST   /api/sms/sendOtp (test)': ({ app, cookie, freshPhone }) =>
    as(request(app.app).post('/api/sms/sendOtp'), cookie).send({ phone: freshPhone(), purpose: 'test' }),
  'POST   /api/sms/sendOtp (login)': async ({ app, cookie, registeredPhone }) =>
    as(request(app.app).post('/api/sms/sendOtp'), cookie).send({ phone: await registeredPhone(), purpose: 'login' }),
  'POST   /api/sms/verifyOtp': async ({ app, cookie, registeredPhone, codeSentTo }) => {
    // Anyone holding the session id may verify it: the session, not the caller, decides who is logged in.
    const phone = await registeredPhone();
    const sent = await request(app.app).post('/api/sms/sendOtp').send({ phone }).expect(200);
    return as(request(app.app).post('/api/sms/verifyOtp'), cookie).send({
      session_id: sent.body.session_id,
      otp: codeSentTo(phone),
    });
  },
  'GET    /api/no-such-route': ({ app, cookie }) => as(request(app.app).get('/api/no-such-route'), cookie),
};

// prettier-ignore
const MATRIX: ReadonlyArray<readonly [route: keyof typeof ROUTES, loggedOut: number, agent: number, staff: number, admin: number, superAdmin: number]> = [
  //  route                              logged out  agent  staff  admin  super_admin
  ['GET    /api/health',                     200,     200,   200,   200,   200],
  ['POST   /api/auth/login',                 200,     200,   200,   200,   200],
  ['GET    /api/auth/me',                    200,     200,   200,   200,   200],
  ['POST   /api/auth/logout',                204,     204,   204,   204,   204],
  ['GET    /api/sms/config',                 401,     403,   403,   200,   200],
  ['PUT    /api/sms/config',                 401,     403,   403,   200,   200],
  ['DELETE /api/sms/config/api_key',         401,     403,   403,   200,   200],
  ['POST   /api/sms/config/test',            401,     403,   403,   200,   200],
  ['GET    /api/sms/logs',                   401,     403,   403,   200,   200],
  ['GET    /api/sms/funnel',                 401,     403,   403,   200,   200],
  ['GET    /api/sms/usage',                  401,     403,   403,   200,   200],
  ['POST   /api/sms/callbacks/2factor/{token}', 200,   200,   200,   200,   200],
  ['POST   /api/sms/callbacks/2factor/{wrong}', 404,   404,   404,   404,   404],
  ['GET    /api/sms/config/changes',         401,     403,   403,   200,   200],
  ['GET    /api/sms/balance',                401,     403,   403,   200,   200],
  ['GET    /api/sms/test-numbers',           401,     403,   403,   200,   200],
  ['POST   /api/sms/sendTemplate',           401,     403,   403,   200,   200],
  ['POST   /api/sms/sendOtp (test)',         401,     403,   403,   200,   200],
  ['POST   /api/sms/sendOtp (login)',        200,     200,   200,   200,   200],
  ['POST   /api/sms/verifyOtp',              200,     200,   200,   200,   200],
  ['GET    /api/no-such-route',              404,     404,   404,   404,   404],
];

describe.each(dbKindsUnderTest())('authorization matrix on %s', (kind) => {
  const testDb = useTestDatabase(kind);
  const recorder = useRecordingSimulator();

  it('covers every role the product has', () => {
    expect([...CALLERS.slice(1)].sort()).toEqual([...ROLES].sort());
  });

  it.each(MATRIX.map(([route, ...statuses]) => [route.trim().replace(/\s+/g, ' '), route, statuses] as const))(
    '%s',
    async (_title, route, statuses) => {
      const app = buildTestApp(testDb().db, {
        env: simulatorEnv(recorder.simulator(), { ...NO_ABUSE_LIMITS, TWO_FACTOR_CALLBACK_TOKEN: CALLBACK_TOKEN }),
      });
      await createUser(app.users, { email: LOGIN_EMAIL, password: LOGIN_PASSWORD, role: 'staff' });
      let phoneCounter = 0;
      const freshPhone = () => testPhone(++phoneCounter);
      const ctx = (cookie: string | undefined): CellContext => ({
        app,
        cookie,
        freshPhone,
        registeredPhone: async () => {
          const phone = freshPhone();
          await addUser(app, 'agent', phone);
          return phone;
        },
        codeSentTo: (phone) => recorder.simulator().lastCodeFor(phone)!,
      });

      const expected: Record<string, number> = {};
      const actual: Record<string, number> = {};
      const deniedSideEffects: string[] = [];
      for (const [i, caller] of CALLERS.entries()) {
        const cookie = caller === 'logged out' ? undefined : await cookieFor(app, await addUser(app, caller));
        const settingsBefore = await testDb().db.query('select * from public.sms_settings');
        const providerCallsBefore = recorder.requests.length;
        const res = await ROUTES[route]!(ctx(cookie));
        expected[caller] = statuses[i]!;
        actual[caller] = res.status;
        if (res.status === 401 || res.status === 403) {
          expect(res.body.status).toBe(res.status === 401 ? 'unauthorized' : 'forbidden');
          // The routes under test prepare nothing for a refused caller, so nothing may reach 2Factor or change.
          if (recorder.requests.length !== providerCallsBefore) deniedSideEffects.push(`${caller}: 2Factor was called`);
          const settingsAfter = await testDb().db.query('select * from public.sms_settings');
          if (JSON.stringify(settingsAfter.rows) !== JSON.stringify(settingsBefore.rows))
            deniedSideEffects.push(`${caller}: settings changed`);
        }
      }
      expect(actual).toEqual(expected);
      expect(deniedSideEffects).toEqual([]);
    },
    60_000,
  );
});
