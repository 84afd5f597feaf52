/**
 * Hostile input, property-based (fast-check): thousands of generated requests per route — wrong types, huge
 * strings, unicode digits, nulls, nested junk, prototype keys, SQL and path-injection text, `../` and `%2F`
 * in phones, session ids and codes, junk headers and cookies, malformed JSON — against the real wiring on
 * PGlite and a 2Factor simulator that records every request it receives.
 *
 * For every case: never a 5xx; every error answer follows the catalogue (common/errorCodes.ts); invalid input
 * (by an oracle written here, independent of the server's schemas) is refused with 400/413 and costs no
 * provider call; valid input calls 2Factor exactly as expected; and every URL 2Factor receives has exactly
 * the expected shape, with each value inside its own path segment.
 *
 * The number of cases follows PROPERTY_RUNS (test/support/propertyRuns.ts: 100 locally, 1000 under CI).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTestApp, useTestDatabase, type TestApp } from '../support/testApp.js';
import {
  addUser,
  cookieFor,
  errorContractProblems,
  listen,
  NO_ABUSE_LIMITS,
  SECURITY_API_KEY,
  simulatorEnv,
  testPhone,
  useRecordingSimulator,
} from '../support/securityKit.js';
import type { SimulatorRequest } from '../../server/providers/twoFactor/simulator.js';
import { PROPERTY_RUNS } from '../support/propertyRuns.js';

const RUNS = PROPERTY_RUNS;
/**
 * "Valid input really reached 2Factor": a share of the generated cases (5–10 % of template bodies). With CI's
 * 1000 runs that share is certain; with the 100 of a local run it is not (8 % of 100 is 5 or fewer one run in
 * four), so a local run checks each case against the oracle and leaves the share to CI.
 */
const expectShareOfRuns = (count: number, share: number) => {
  if (RUNS >= 1_000) expect(count).toBeGreaterThan(RUNS * share);
};
const JSON_LIMIT_BYTES = 16 * 1024;
/** SMS_RESEND_COOLDOWN_S is 1 here; the clock moves this much before a send (little, so login sessions stay live). */
const COOLDOWN_MS = 1_100;
/** Generous: thousands of requests on a machine shared with other test runs. */
const PROPERTY_TIMEOUT_MS = 600_000;

// ─── oracles: what valid input is, written from the contract (issue 3), not imported from the server ────────
const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const INDIAN_MOBILE = /^\+91[6-9][0-9]{9}$/;
const validPhone = (value: unknown) =>
  typeof value === 'string' && value.length <= 32 && INDIAN_MOBILE.test(value.trim());
const validOtp = (value: unknown) => typeof value === 'string' && /^[0-9]{4,6}$/.test(value.trim());
const UUID =
  /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[1-8][0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$/;
const validTemplateName = (value: unknown) =>
  typeof value === 'string' &&
  value.trim().length >= 1 &&
  value.trim().length <= 64 &&
  /^[A-Za-z0-9 _.-]+$/.test(value.trim()) &&
  /[A-Za-z0-9]/.test(value);
const validApiKey = (value: unknown) => typeof value === 'string' && /^[A-Za-z0-9-]{8,128}$/.test(value.trim());

/** The body as the server will see it: too large, not JSON at all, or a parsed value. */
type BodyView = { kind: 'too_large' } | { kind: 'unparsable' } | { kind: 'json'; value: unknown };
function viewBody(raw: string): BodyView {
  if (Buffer.byteLength(raw) > JSON_LIMIT_BYTES) return { kind: 'too_large' };
  // express.json reads an empty body as {}, and is strict otherwise: only an object or an array at the top.
  if (raw === '') return { kind: 'json', value: {} };
  if (!/^[\s]*[[{]/.test(raw)) return { kind: 'unparsable' };
  try {
    return { kind: 'json', value: JSON.parse(raw) };
  } catch {
    return { kind: 'unparsable' };
  }
}

// ─── generators ──────────────────────────────────────────────────────────────────────────────────────────────
const REGISTERED = Array.from({ length: 8 }, (_, i) => testPhone(i + 1));
const INJECTIONS = [
  '../',
  '..%2F',
  '%2F',
  '%2f',
  '%2e%2e%2f',
  '..\\',
  '/',
  '//',
  '?',
  '?x=1',
  '#',
  '&',
  '%00',
  '\u0000',
  '\n',
  '\r\n',
  '%0d%0a',
  "' OR '1'='1",
  ' OR 1=1--',
  '"; drop table public.otp_logs; --',
  "'); delete from public.users; --",
  '$(reboot)',
  '`id`',
  '${7*7}',
  '{{7*7}}',
  '<script>alert(1)</script>',
  '/AUTOGEN2',
  '/../../BAL/SMS',
  '/VERIFY/x/1234',
  '%252F',
  '\u202e',
  '\ufeff0',
  '\u2028',
];
const WHITESPACE = [' ', '\t', '\n', '\u00a0', '\u3000', '\ufeff', '\u2003'];
/** Zeros of other digit systems: Arabic-Indic, extended Arabic-Indic, Devanagari, Bengali, fullwidth, math bold. */
const DIGIT_ZEROS = [0x0660, 0x06f0, 0x0966, 0x09e6, 0xff10, 0x1d7ce];
const toDigits = (text: string, zero: number, onlyAt?: number) =>
  [...text]
    .map((char, i) =>
      /[0-9]/.test(char) && (onlyAt === undefined || i === onlyAt) ? String.fromCodePoint(zero + Number(char)) : char,
    )
    .join('');

const injected = (base: fc.Arbitrary<string>) =>
  fc.tuple(base, fc.constantFrom(...INJECTIONS), fc.nat(40)).map(([value, injection, at]) => {
    const i = at % (value.length + 1);
    return value.slice(0, i) + injection + value.slice(i);
  });
const padded = (base: fc.Arbitrary<string>) =>
  fc.tuple(base, fc.constantFrom(...WHITESPACE), fc.constantFrom(...WHITESPACE)).map(([v, a, b]) => a + v + b);
const unicodeDigits = (base: fc.Arbitrary<string>) =>
  fc
    .tuple(base, fc.constantFrom(...DIGIT_ZEROS), fc.option(fc.nat(15), { nil: undefined }))
    .map(([v, zero, at]) => toDigits(v, zero, at));
const huge = (prefix: string) => fc.integer({ min: 33, max: 40_000 }).map((n) => prefix + '9'.repeat(n));
const junkValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constant(9876543210),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  fc.jsonValue({ maxDepth: 3 }),
);
const anyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);

const registeredPhone = fc.constantFrom(...REGISTERED);
const phoneArb = fc.oneof(
  { weight: 4, arbitrary: registeredPhone },
  { weight: 2, arbitrary: padded(registeredPhone) },
  fc.constantFrom('+919876543210', '+917000000000', '+916999999999'), // valid, nobody's
  injected(registeredPhone),
  unicodeDigits(registeredPhone),
  fc.stringMatching(/^\+?(91|0091|0)?[0-9 ().-]{0,16}$/),
  fc.constantFrom(
    '＋919000000001',
    '+91 90000 00001',
    '+91-9000000001',
    '919000000001',
    '9000000001',
    '+1 2025550123',
    '+915000000001',
    '+9190000000011',
    '',
    ' ',
  ),
  anyString,
  huge('+91'),
  junkValue,
);
const purposeArb = fc.oneof(
  fc.constant(undefined),
  fc.constant(undefined),
  fc.constantFrom('login', 'test'),
  fc.constantFrom('admin', 'LOGIN', '', '../', 'test ', null),
  junkValue,
);
const extraKeys = fc.dictionary(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'PHONE',
    'phone ',
    'purpose\u0000',
    'session_id',
    'user_id',
    'role',
    'verified',
  ),
  junkValue,
  { maxKeys: 3 },
);

/** A body as raw text: an object built from `fields` (with junk keys), any JSON value, or any text at all. */
function bodyArb(fields: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.tuple(fields, extraKeys).map(([known, extra]) => jsonWithKeys(extra, known)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.string({ maxLength: 60 }),
        fc.constantFrom(
          '{',
          '{"phone":',
          '{"phone":"+919000000001"',
          "{'phone':'+919000000001'}",
          '[]',
          'null',
          '0',
          '"x"',
          '{"a":1}}',
        ),
      ),
    },
  );
}

/** JSON text with the extra keys first (so `__proto__` is a real own key in the text) and the known fields after. */
function jsonWithKeys(extra: Record<string, unknown>, known: Record<string, unknown>): string {
  const parts = [...Object.entries(extra), ...Object.entries(known)]
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`);
  return `{${parts.join(',')}}`;
}

/** The parsed object as the server reads fields (JSON.parse keeps `__proto__` as an own key; later duplicates win). */
const field = (body: Record<string, unknown>, name: string): unknown =>
  Object.hasOwn(body, name) ? body[name] : undefined;

// ─── the harness ─────────────────────────────────────────────────────────────────────────────────────────────
interface Answer {
  status: number;
  text: string;
  json: Record<string, unknown> | undefined;
  provider: SimulatorRequest[];
}

type Who = 'anonymous' | 'agent' | 'admin';

describe('hostile input on PGlite (property-based)', () => {
  const testDb = useTestDatabase('pglite');
  const recorder = useRecordingSimulator();

  interface Harness {
    app: TestApp;
    url: string;
    cookies: Record<Who, string | undefined>;
    /** Keys that may appear in provider URLs (the env key, and any an admin saved). */
    keysInForce: Set<string>;
    call(
      method: string,
      path: string,
      options?: { raw?: string; headers?: Record<string, string>; who?: Who },
    ): Promise<Answer>;
    close(): Promise<void>;
  }

  async function harness(env: Record<string, string> = {}): Promise<Harness> {
    const app = buildTestApp(testDb().db, {
      env: simulatorEnv(recorder.simulator(), {
        ...NO_ABUSE_LIMITS,
        SMS_RESEND_COOLDOWN_S: '1',
        SMS_RESEND_COOLDOWN_MAX_S: '1',
        ...env,
      }),
    });
    const server = await listen(app.app);
    for (const phone of REGISTERED) await addUser(app, 'agent', phone);
    const cookies: Record<Who, string | undefined> = {
      anonymous: undefined,
      agent: await cookieFor(app, await addUser(app, 'agent')),
      admin: await cookieFor(app, await addUser(app, 'admin')),
    };
    return {
      app,
      url: server.url,
      cookies,
      keysInForce: new Set([SECURITY_API_KEY]),
      async call(method, path, { raw, headers = {}, who = 'anonymous' } = {}) {
        const before = recorder.requests.length;
        const cookie = cookies[who];
        const res = await fetch(`${server.url}${path}`, {
          method,
          headers: {
            ...(raw === undefined ? {} : { 'content-type': 'application/json' }),
            ...(cookie ? { cookie } : {}),
            ...headers,
          },
          body: raw,
        });
        const text = await res.text();
        let json: Record<string, unknown> | undefined;
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {
          json = undefined;
        }
        return { status: res.status, text, json, provider: recorder.requests.slice(before) };
      },
      close: server.close,
    };
  }

  /** What must hold for every answer, whatever the input. */
  function expectSafe(h: Harness, answer: Answer, context: string) {
    expect(answer.status, `${context} → ${answer.text.slice(0, 300)}`).toBeLessThan(500);
    expect(errorContractProblems(answer.status, answer.json), context).toEqual([]);
    expect(answer.text).not.toContain(SECURITY_API_KEY);
    for (const request of answer.provider) expect(providerUrlProblems(h, request), context).toEqual([]);
  }

  /** The only URLs our server may ever send to 2Factor, each value percent-encoded inside its own segment. */
  function providerUrlProblems(h: Harness, request: SimulatorRequest): string[] {
    const match = /^\/API\/V1\/([^/?#]+)\/(.*)$/.exec(request.url);
    if (!match) return [`unexpected provider URL ${request.url}`];
    const [, key, rest] = match;
    const problems: string[] = [];
    if (!h.keysInForce.has(key!)) problems.push(`URL carries an unexpected key segment ${key}`);
    const ok =
      (request.method === 'GET' && /^SMS\/91[6-9][0-9]{9}\/AUTOGEN\/(?!\.{1,2}$)[A-Za-z0-9._%-]+$/.test(rest!)) ||
      (request.method === 'GET' && /^SMS\/VERIFY\/[0-9a-f-]{36}\/[0-9]{4,6}$/.test(rest!)) ||
      (request.method === 'POST' && rest === 'ADDON_SERVICES/SEND/TSMS') ||
      (request.method === 'GET' && rest === 'BAL/SMS');
    if (!ok) problems.push(`unexpected provider URL shape ${request.method} ${request.url}`);
    if (request.method === 'POST') {
      const form = new URLSearchParams(request.body ?? '');
      const names = [...form.keys()];
      if (new Set(names).size !== names.length) problems.push(`repeated form field in ${request.body}`);
      if (!names.every((name) => ['From', 'To', 'TemplateName', 'VAR1', 'VAR2'].includes(name)))
        problems.push(`unexpected form field in ${request.body}`);
      if (!/^91[6-9][0-9]{9}$/.test(form.get('To') ?? ''))
        problems.push(`To is not one Indian mobile: ${form.get('To')}`);
    }
    return problems;
  }

  it(
    `POST /api/sms/sendOtp: ${Math.round(RUNS * 1.5)} generated bodies from anonymous users, agents and admins`,
    async () => {
      const h = await harness();
      try {
        const sendOtpBody = bodyArb(fc.record({ phone: phoneArb, purpose: purposeArb }, { requiredKeys: [] }));
        await fc.assert(
          fc.asyncProperty(sendOtpBody, fc.constantFrom<Who>('anonymous', 'agent', 'admin'), async (raw, who) => {
            h.app.clock.advance(COOLDOWN_MS); // every valid send is past its phone's resend cooldown
            const answer = await h.call('POST', '/api/sms/sendOtp', { raw, who });
            const context = `sendOtp as ${who}: ${raw.slice(0, 200)}`;
            expectSafe(h, answer, context);

            const body = viewBody(raw);
            if (body.kind === 'too_large') return void expect(answer.status, context).toBe(413);
            const value = body.kind === 'json' ? body.value : undefined;
            const phone = isPlainObject(value) ? field(value, 'phone') : undefined;
            const purpose = isPlainObject(value)
              ? field(value, 'purpose') === undefined
                ? 'login'
                : field(value, 'purpose')
              : undefined;
            const valid = isPlainObject(value) && validPhone(phone) && (purpose === 'login' || purpose === 'test');
            if (!valid) {
              expect(answer.status, context).toBe(400);
              expect(['invalid_request', 'invalid_phone']).toContain(answer.json?.status);
              expect(answer.provider, context).toEqual([]);
              return;
            }
            const e164 = (phone as string).trim();
            if (purpose === 'test' && who !== 'admin') {
              expect(answer.status, context).toBe(who === 'anonymous' ? 401 : 403);
              expect(answer.provider).toEqual([]);
              return;
            }
            expect(answer.status, context).toBe(200);
            const texted = purpose === 'test' || REGISTERED.includes(e164);
            expect(answer.provider.map((r) => r.url)).toEqual(
              texted ? [`/API/V1/${SECURITY_API_KEY}/SMS/${e164.slice(1)}/AUTOGEN/SMSTemplate1`] : [],
            );
          }),
          { numRuns: Math.round(RUNS * 1.5) },
        );
        expectShareOfRuns(recorder.requests.length, 1 / 10); // valid sends really were exercised
        expect(({} as Record<string, unknown>).role).toBeUndefined(); // no prototype pollution from `__proto__` keys
      } finally {
        await h.close();
      }
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    `POST /api/sms/verifyOtp: ${RUNS} generated session ids and codes against live, used, dead and decoy sessions`,
    async () => {
      const h = await harness();
      try {
        const simulator = recorder.simulator();
        /** One live login session per registered phone, renewed when it is used up. */
        const live = new Map<string, { id: string; providerSessionId: string; spent: boolean }>();
        const renew = async (phone: string) => {
          h.app.clock.advance(COOLDOWN_MS);
          const sent = await h.call('POST', '/api/sms/sendOtp', { raw: JSON.stringify({ phone }) });
          expect(sent.status).toBe(200);
          const providerSessionId = simulator.outbox({ phone }).at(-1)!.providerSessionId;
          live.set(phone, { id: String(sent.json!.session_id), providerSessionId, spent: false });
        };
        for (const phone of REGISTERED.slice(0, 4)) await renew(phone);
        const decoy = await h.call('POST', '/api/sms/sendOtp', { raw: JSON.stringify({ phone: '+917000000000' }) });
        const decoyId = String(decoy.json!.session_id);

        const liveIndex = fc.nat(3);
        const sessionIdArb = fc.oneof(
          { weight: 4, arbitrary: liveIndex.map((i) => ({ kind: 'live' as const, index: i })) },
          { weight: 1, arbitrary: fc.constant({ kind: 'decoy' as const }) },
          {
            weight: 4,
            arbitrary: fc
              .oneof(
                fc.uuid(),
                fc.uuid().map((id) => id.toUpperCase()),
                injected(fc.uuid()),
                padded(fc.uuid()),
                unicodeDigits(fc.uuid()),
                fc.constantFrom('00000000-0000-0000-0000-000000000000', '../../BAL/SMS', '%2F..%2F', "' or 1=1 --", ''),
                anyString,
                huge(''),
                junkValue,
              )
              .map((value) => ({ kind: 'value' as const, value })),
          },
        );
        const otpArb = fc.oneof(
          fc.stringMatching(/^[0-9]{4,6}$/),
          padded(fc.stringMatching(/^[0-9]{4,6}$/)),
          injected(fc.stringMatching(/^[0-9]{4,6}$/)),
          unicodeDigits(fc.stringMatching(/^[0-9]{4,6}$/)),
          fc.constantFrom(
            '../',
            '%2F',
            '1234/..',
            '12%2F34',
            '1234?x=1',
            '1234#',
            '123',
            '1234567',
            '١٢٣٤',
            '１２３４５６',
            ' 1 2 3 4 ',
          ),
          anyString,
          huge(''),
          junkValue,
        );

        await fc.assert(
          fc.asyncProperty(sessionIdArb, otpArb, extraKeys, async (sessionChoice, otp, extra) => {
            let sessionId: unknown;
            let target: { phone: string; providerSessionId: string } | undefined;
            if (sessionChoice.kind === 'live') {
              const phone = REGISTERED[sessionChoice.index]!;
              if (live.get(phone)!.spent) await renew(phone);
              const session = live.get(phone)!;
              sessionId = session.id;
              target = { phone, providerSessionId: session.providerSessionId };
            } else if (sessionChoice.kind === 'decoy') {
              sessionId = decoyId;
            } else {
              sessionId = sessionChoice.value;
            }
            const raw = jsonWithKeys(extra, { session_id: sessionId, otp });
            const answer = await h.call('POST', '/api/sms/verifyOtp', { raw });
            const context = `verifyOtp: ${raw.slice(0, 200)}`;
            expectSafe(h, answer, context);

            const body = viewBody(raw);
            if (body.kind === 'too_large') return void expect(answer.status, context).toBe(413);
            const value = body.kind === 'json' ? (body.value as Record<string, unknown>) : {};
            const sid = field(value, 'session_id');
            const code = field(value, 'otp');
            expect(answer.json?.verified, `every refused verify says verified: false (${context})`).toBe(
              answer.status === 200 ? true : false,
            );
            if (!(typeof sid === 'string' && UUID.test(sid) && validOtp(code))) {
              expect(answer.status, context).toBe(400);
              expect(['invalid_request', 'invalid_otp']).toContain(answer.json?.status);
              expect(answer.provider, context).toEqual([]);
              return;
            }
            if (!target || sid !== sessionId) {
              // Unknown, decoy, or another spelling of a session id: answered without asking 2Factor.
              expect([400, 404, 410, 429], context).toContain(answer.status);
              expect(answer.provider, context).toEqual([]);
              return;
            }
            // A live session with a well-formed code: exactly one verify call, the code in its own segment.
            expect(
              answer.provider.map((r) => r.url),
              context,
            ).toEqual([
              `/API/V1/${SECURITY_API_KEY}/SMS/VERIFY/${target.providerSessionId}/${(code as string).trim()}`,
            ]);
            expect([200, 400], context).toContain(answer.status);
            const session = live.get(target.phone)!;
            if (answer.status === 200 || answer.json?.attempts_left === 0) session.spent = true;
          }),
          { numRuns: RUNS },
        );
        expectShareOfRuns(recorder.requests.filter((r) => r.url.includes('/SMS/VERIFY/')).length, 1 / 20);
      } finally {
        await h.close();
      }
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    `POST /api/sms/sendTemplate: ${RUNS} generated bodies; each field stays in its own form field`,
    async () => {
      const h = await harness();
      try {
        const templateNameArb = fc.oneof(
          { weight: 4, arbitrary: fc.constant(undefined) },
          { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9 _.-]{1,64}$/) },
          injected(fc.constantFrom('OTP_Login', 'Welcome')),
          fc.constantFrom('.', '..', ' .. ', '&TemplateName=X', 'A&To=919999999999', 'x%26VAR1%3D1', '../BAL/SMS'),
          anyString,
          huge('T'),
          junkValue,
        );
        const varArb = fc.oneof(
          { weight: 4, arbitrary: fc.constant(undefined) },
          { weight: 4, arbitrary: fc.string({ maxLength: 160 }) },
          injected(fc.string({ maxLength: 20 })),
          fc.constantFrom('&To=919999999999', 'a=b&c=d', '%26VAR2%3D'),
          huge(''),
          junkValue,
        );
        const templateBody = bodyArb(
          fc.record({ to: phoneArb, template_name: templateNameArb, var1: varArb, var2: varArb }, { requiredKeys: [] }),
        );
        await fc.assert(
          fc.asyncProperty(
            templateBody,
            fc.constantFrom<Who>('anonymous', 'agent', 'admin', 'admin'),
            async (raw, who) => {
              const answer = await h.call('POST', '/api/sms/sendTemplate', { raw, who });
              const context = `sendTemplate as ${who}: ${raw.slice(0, 200)}`;
              expectSafe(h, answer, context);
              const body = viewBody(raw);
              if (body.kind === 'too_large') return void expect(answer.status, context).toBe(413);
              if (body.kind === 'unparsable') return void expect(answer.status, context).toBe(400);
              if (who !== 'admin') {
                expect(answer.status, context).toBe(who === 'anonymous' ? 401 : 403);
                expect(answer.provider).toEqual([]);
                return;
              }
              const value = body.value;
              const to = isPlainObject(value) ? field(value, 'to') : undefined;
              const templateName = isPlainObject(value) ? field(value, 'template_name') : undefined;
              const vars = isPlainObject(value) ? [field(value, 'var1'), field(value, 'var2')] : [];
              const valid =
                isPlainObject(value) &&
                validPhone(to) &&
                (templateName === undefined || validTemplateName(templateName)) &&
                vars.every((v) => v === undefined || (typeof v === 'string' && v.length <= 160));
              if (!valid) {
                expect(answer.status, context).toBe(400);
                expect(answer.provider, context).toEqual([]);
                return;
              }
              expect(answer.status, context).toBe(200);
              expect(answer.provider).toHaveLength(1);
              const form = new URLSearchParams(answer.provider[0]!.body);
              const expected: Record<string, string> = {
                From: 'TFCTOR',
                To: (to as string).trim().slice(1),
                TemplateName: templateName === undefined ? 'SMSTemplate1' : (templateName as string).trim(),
              };
              vars.forEach((v, i) => {
                if (v !== undefined) expected[`VAR${i + 1}`] = v as string;
              });
              // Variables are positional: VAR2 without VAR1 stays VAR2, with an empty VAR1 before it.
              if (vars[0] === undefined && vars[1] !== undefined) expected.VAR1 = '';
              expect(Object.fromEntries(form), context).toEqual(expected);
            },
          ),
          { numRuns: RUNS },
        );
        expectShareOfRuns(recorder.requests.filter((r) => r.method === 'POST').length, 1 / 20);
      } finally {
        await h.close();
      }
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    `PUT /api/sms/config: ${Math.round(RUNS / 2)} generated settings, each followed by a send that must use exactly what was saved`,
    async () => {
      const h = await harness();
      try {
        const apiKeyArb = fc.oneof(
          fc.constant(undefined),
          fc.stringMatching(/^[A-Za-z0-9-]{8,40}$/),
          padded(fc.stringMatching(/^[A-Za-z0-9-]{8,40}$/)),
          injected(fc.constant('abcd-1234-efgh')),
          fc.constantFrom('../../../etc', 'key%2F..%2FBAL', 'key/BAL/SMS', 'short', '........', 'key?x=1', 'key#frag'),
          anyString,
          huge('k'),
          junkValue,
        );
        const templateArb = fc.oneof(
          fc.constant(undefined),
          fc.stringMatching(/^[A-Za-z0-9 _.-]{1,64}$/),
          fc.constantFrom('.', '..', ' . ', ' .. ', '...', '-', '_', ' _ ', '../x', 'a/b', '%2F', 'OTP Login'),
          injected(fc.constant('OTP_Login')),
          anyString,
          junkValue,
        );
        const modeArb = fc.oneof(
          fc.constant(undefined),
          fc.constantFrom('autogen', 'template', 'AUTOGEN', 'voice', '', '../'),
          junkValue,
        );
        const configBody = bodyArb(
          fc.record({ api_key: apiKeyArb, template_name: templateArb, mode: modeArb }, { requiredKeys: [] }),
        );
        let n = 0;
        await fc.assert(
          fc.asyncProperty(configBody, async (raw) => {
            // Each case starts from the environment's settings (past the settings cache's 5 s, and the cooldown).
            await testDb().db.query('delete from public.sms_settings');
            h.keysInForce.clear();
            h.keysInForce.add(SECURITY_API_KEY);
            h.app.clock.advance(6_000);
            const answer = await h.call('PUT', '/api/sms/config', { raw, who: 'admin' });
            const context = `PUT config: ${raw.slice(0, 200)}`;
            const body = viewBody(raw);
            const value = body.kind === 'json' && isPlainObject(body.value) ? body.value : undefined;
            const apiKey = value && field(value, 'api_key');
            const template = value && field(value, 'template_name');
            const mode = value && field(value, 'mode');
            const valid =
              value !== undefined &&
              (apiKey === undefined || validApiKey(apiKey)) &&
              (template === undefined || validTemplateName(template)) &&
              (mode === undefined || mode === 'autogen' || mode === 'template');
            if (valid && typeof apiKey === 'string') h.keysInForce.add(apiKey.trim());
            expectSafe(h, answer, context);
            if (body.kind === 'too_large') expect(answer.status, context).toBe(413);
            else expect(answer.status, context).toBe(valid ? 200 : 400);
            if (answer.status === 200) {
              expect(answer.json).not.toHaveProperty('api_key');
              if (typeof apiKey === 'string') expect(answer.text).not.toContain(apiKey.trim());
            }

            // Whatever was saved, an admin's test send goes out with it, or is refused with a 4xx: never a 5xx.
            n += 1;
            const send = await h.call('POST', '/api/sms/sendOtp', {
              raw: JSON.stringify({ phone: REGISTERED[n % REGISTERED.length], purpose: 'test' }),
              who: 'admin',
            });
            expectSafe(h, send, `send after ${context}`);
            expect(send.status, `send after ${context}`).toBe(200);
            expect(send.provider).toHaveLength(1);
          }),
          {
            numRuns: Math.round(RUNS / 2),
            // Names a URL parser would resolve: they must be refused when saved, not fail every later send.
            examples: [
              ['{"template_name":".."}'],
              ['{"template_name":" . "}'],
              ['{"template_name":"..."}'],
              ['{"api_key":"........"}'],
            ],
          },
        );
      } finally {
        await h.close();
      }
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    `GET /api/sms/logs: ${RUNS} generated query strings`,
    async () => {
      const h = await harness();
      try {
        await h.call('POST', '/api/sms/sendOtp', { raw: JSON.stringify({ phone: REGISTERED[0] }) });
        const key = fc.oneof(
          fc.constantFrom(
            'limit',
            'before',
            'type',
            'limit[]',
            'type[]',
            'limit[a]',
            '__proto__',
            'constructor',
            '',
            '%00',
          ),
          fc.string({ maxLength: 8 }),
        );
        const value = fc.oneof(
          fc.integer({ min: -5, max: 200 }).map(String),
          fc.constantFrom(
            '1e1',
            '1e999',
            'NaN',
            'Infinity',
            '-0',
            '0x10',
            '1.5',
            ' 5 ',
            '',
            '%',
            '%%',
            '%2',
            'autogen',
            'verify',
            'template',
            'AUTOGEN',
            '../',
            "' or 1=1 --",
          ),
          fc.bigInt({ min: 2n ** 53n, max: 2n ** 70n }).map(String),
          anyString,
        );
        const query = fc
          .array(fc.tuple(key, value, fc.boolean()), { maxLength: 5 })
          .map((pairs) =>
            pairs
              .map(([k, v, encode]) =>
                encode ? `${encodeURIComponent(k)}=${encodeURIComponent(v)}` : `${k}=${v}`.replace(/[#\s]/g, ''),
              )
              .join('&'),
          );
        await fc.assert(
          fc.asyncProperty(query, fc.constantFrom<Who>('anonymous', 'agent', 'admin', 'admin'), async (q, who) => {
            let answer: Answer;
            try {
              answer = await h.call('GET', `/api/sms/logs?${q}`, { who });
            } catch (error) {
              // A query the HTTP client itself refuses to send is not a server concern.
              fc.pre(false);
              throw error;
            }
            const context = `logs as ${who}: ?${q}`;
            expectSafe(h, answer, context);
            expect(answer.provider).toEqual([]);
            if (who !== 'admin') return void expect(answer.status, context).toBe(who === 'anonymous' ? 401 : 403);
            expect([200, 400], context).toContain(answer.status);
            if (answer.status === 200) expect(Array.isArray(answer.json?.items)).toBe(true);
            else expect(answer.json?.status).toBe('invalid_request');
          }),
          { numRuns: RUNS },
        );
      } finally {
        await h.close();
      }
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    `POST /api/auth/login: ${Math.round(RUNS / 4)} generated bodies (fewer: each well-formed one costs an argon2 check)`,
    async () => {
      const h = await harness();
      try {
        const emailArb = fc.oneof(
          fc.emailAddress(),
          injected(fc.emailAddress()),
          fc.constantFrom(
            "admin@example.com' --",
            'a@b',
            '@',
            'x@y.z\u0000',
            '"><script>@x.io',
            `${'a'.repeat(300)}@example.com`,
          ),
          anyString,
          junkValue,
        );
        const passwordArb = fc.oneof(
          fc.string({ maxLength: 30 }),
          fc.constantFrom("' OR '1'='1", '', '\u0000'),
          huge('p'),
          junkValue,
        );
        const loginBody = bodyArb(fc.record({ email: emailArb, password: passwordArb }, { requiredKeys: [] }));
        await fc.assert(
          fc.asyncProperty(loginBody, async (raw) => {
            const answer = await h.call('POST', '/api/auth/login', { raw });
            const context = `login: ${raw.slice(0, 200)}`;
            expectSafe(h, answer, context);
            expect(answer.provider).toEqual([]);
            const body = viewBody(raw);
            if (body.kind === 'too_large') return void expect(answer.status, context).toBe(413);
            expect([400, 401], context).toContain(answer.status);
            expect(answer.text).not.toMatch(/set-cookie/i);
          }),
          { numRuns: Math.round(RUNS / 4) },
        );
      } finally {
        await h.close();
      }
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    `every route: ${RUNS} generated header sets (cookies, Origin, Sec-Fetch-Site, Content-Type, encodings, X-Forwarded-For behind TRUST_PROXY)`,
    async () => {
      const h = await harness({ TRUST_PROXY: 'true' });
      try {
        const printable = (max: number) =>
          fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: max });
        const adminCookie = h.cookies.admin!;
        const headersArb = fc.record(
          {
            cookie: fc.oneof(
              fc.constant(adminCookie),
              fc.constant(`${adminCookie}; sid=${'A'.repeat(43)}`),
              fc.constant(`sid=${'A'.repeat(43)}; ${adminCookie}`),
              fc.constant(`__Host-sid=${adminCookie.slice(4)}`),
              fc.stringMatching(/^sid=[A-Za-z0-9_-]{0,60}$/),
              printable(80),
            ),
            origin: fc.oneof(fc.constant('null'), fc.webUrl(), printable(40), fc.constant('http://127.0.0.1')),
            'sec-fetch-site': fc.constantFrom('cross-site', 'same-origin', 'same-site', 'none', 'CROSS-SITE', ''),
            'content-type': fc.constantFrom(
              'application/json',
              'application/json; charset=utf-8',
              'application/json; charset=latin1',
              'application/json; charset=utf-16',
              'application/json; charset=x-junk',
              'APPLICATION/JSON',
              'application/vnd.api+json',
              'text/plain',
              'application/x-www-form-urlencoded',
              'multipart/form-data; boundary=x',
              '',
            ),
            'content-encoding': fc.constantFrom('identity', 'gzip', 'deflate', 'br', 'x-junk'),
            'x-forwarded-for': fc.oneof(fc.ipV4(), fc.ipV6(), fc.constant('127.0.0.1, 10.0.0.1, ::1'), printable(60)),
            'x-http-method-override': fc.constantFrom('DELETE', 'PUT', 'GET'),
            accept: fc.constantFrom('text/html', '*/*', 'application/xml', printable(20)),
            authorization: fc.oneof(fc.constant(`Bearer ${'x'.repeat(40)}`), printable(40)),
          },
          { requiredKeys: [] },
        );
        const routes: Array<{ method: string; path: string; raw?: string }> = [
          { method: 'POST', path: '/api/sms/sendOtp', raw: JSON.stringify({ phone: REGISTERED[0], purpose: 'test' }) },
          { method: 'POST', path: '/api/sms/sendOtp', raw: JSON.stringify({ phone: '../%2F' }) },
          {
            method: 'POST',
            path: '/api/sms/verifyOtp',
            raw: JSON.stringify({ session_id: '6f1c1f5e-8a43-4f6e-9a1d-2b3c4d5e6f70', otp: '123456' }),
          },
          { method: 'POST', path: '/api/sms/sendTemplate', raw: JSON.stringify({ to: REGISTERED[1], var1: 'x' }) },
          { method: 'GET', path: '/api/sms/config' },
          { method: 'PUT', path: '/api/sms/config', raw: JSON.stringify({ mode: 'autogen' }) },
          { method: 'POST', path: '/api/sms/config/test' },
          { method: 'GET', path: '/api/sms/logs?limit=5' },
          { method: 'GET', path: '/api/auth/me' },
          { method: 'POST', path: '/api/auth/logout' },
          {
            method: 'POST',
            path: '/api/auth/login',
            raw: JSON.stringify({ email: 'nobody@example.com', password: 'x' }),
          },
          { method: 'GET', path: '/api/health' },
          { method: 'GET', path: '/api/../api/sms/config' },
          { method: 'GET', path: '/api/sms/%2e%2e/config' },
        ];
        await fc.assert(
          fc.asyncProperty(fc.constantFrom(...routes), headersArb, async (route, headers) => {
            h.app.clock.advance(COOLDOWN_MS);
            let answer: Answer;
            try {
              answer = await h.call(route.method, route.path, {
                raw: route.raw,
                headers: headers as Record<string, string>,
              });
            } catch (error) {
              fc.pre(false); // a header set the HTTP client itself refuses to send
              throw error;
            }
            const context = `${route.method} ${route.path} with ${JSON.stringify(headers).slice(0, 300)}`;
            expectSafe(h, answer, context);
            if (route.method !== 'GET' && headers['sec-fetch-site'] === 'cross-site') {
              expect(answer.status, context).toBe(403);
              expect(answer.json?.status).toBe('cross_site_request');
            }
            if (answer.status !== 200) expect(answer.provider, context).toEqual([]);
            // Only the admin's own cookie (the first `sid` wins) can reach admin routes.
            if (answer.status === 200 && route.path.startsWith('/api/sms/config'))
              expect(headers.cookie?.startsWith(adminCookie)).toBe(true);
          }),
          { numRuns: RUNS },
        );
      } finally {
        await h.close();
      }
    },
    PROPERTY_TIMEOUT_MS,
  );
});
