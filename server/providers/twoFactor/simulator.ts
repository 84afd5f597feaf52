/**
 * A 2Factor.in simulator ("sandbox"): the same URLs and JSON answers as the real API (per
 * /work/shared/2factor-api.md), plus faults, an outbox of delivered messages and request-rate stats.
 * Used by provider tests, integration tests, the e2e browser suite and benchmarks. Built on node:http with
 * no framework so it sustains thousands of requests per second.
 *
 * API routes, under `/API/V1/{key}/` (phones: `9876543210`, `919876543210`, `+919876543210`):
 *   GET  SMS/{phone}/AUTOGEN[/{template}]       → session id
 *   GET  SMS/{phone}/AUTOGEN2[/{template}]      → session id, and `"OTP"` (2Factor does this; we never call it)
 *   GET  SMS/{phone}/AUTOGEN3/{template}        → session id
 *   GET  SMS/{phone}/{otp 4–6 digits}[/{template}] → session id for a code the caller chose
 *   GET  SMS/VERIFY/{session}/{otp}             → OTP Matched | 400 OTP Mismatch | OTP Expired | 400 No Entry Exists
 *   GET  SMS/VERIFY3/{phone}/{otp}              → same, against the phone's newest session
 *   POST ADDON_SERVICES/SEND/TSMS               → session id (form: From, To, TemplateName | Msg, VAR1..VARn)
 *   GET  ADDON_SERVICES/RPT/TSMS/{session}      → XML delivery report, statusDesc DELIVERED
 *   GET  BAL/SMS, BAL/VOICE, ADDON_SERVICES/BAL/TRANSACTIONAL_SMS → balance as text
 *
 * Delivery reports, as 2Factor posts them to the callback URL set in an account (see deliveryCallback.ts): once a
 * callback URL is set (option `deliveryReports`, or the control API), each delivered message is reported after
 * `delayMs` as a form POST: `mode=SMS_OTP` for OTP SMS, the transactional SMS form (`SmsStatus`, `ErrorName`, …) for
 * TSMS. The outcome is drawn from `mix` (relative weights). The `voiceInsteadOfSms` fault reports OTPs as voice calls
 * (`mode=VOICE_OTP`), as 2Factor does when the DLT template or sender is not mapped in the account. A report that
 * cannot be posted is counted and dropped (no retry). The TSMS failure and rejection details are simulator
 * inventions in 2Factor's field layout; only DELIVERED is documented.
 *
 * Choices where 2Factor's behaviour is [unknown] (all simulator inventions, none relied on by the client):
 * - `Invalid API Key` is answered with HTTP `invalidKeyHttpStatus` (default 200).
 * - TSMS request errors (bad sender id, missing template, bad number) answer HTTP 400.
 * - An unknown route answers 404 `{"Status":"Error","Details":"Unknown API route"}`.
 * - The delivery report's XML layout is ours; only `statusDesc` is documented.
 * - How long 2Factor remembers things: here a code can be verified for `otpTtlMs`, then answers "OTP Expired"
 *   for another `otpTtlMs`, then is unknown. The newest code of a phone (`lastCodeFor`) and the delivery
 *   report of a template SMS are kept as long (2 × `otpTtlMs` after the send), then forgotten, so memory
 *   follows recent traffic: a sweep every `sweepIntervalMs` drops what has expired even while no request
 *   comes in. The outbox keeps the newest `outboxLimit` messages whatever their age.
 *
 * ─── CONTROL API: EXISTS ONLY IN THE SIMULATOR, NEVER ON 2FACTOR ─────────────────────────────────────────
 * For tests that run the simulator in another process (e2e). Not counted in stats, never delayed or faulted.
 *   GET  /__simulator/outbox[?phone=+91…]   delivered messages, newest last
 *   GET  /__simulator/last-code?phone=+91…  `{"code": "123456" | null}`
 *   GET  /__simulator/stats                 see SimulatorStats
 *   GET  /__simulator/faults                current faults
 *   POST /__simulator/faults                JSON `{latencyMs?, mode?}` merged into the faults (like setFaults)
 *   POST /__simulator/balances              JSON `{sms?, voice?, transactionalSms?}` (strings, like setBalances)
 *   GET  /__simulator/delivery-reports      delivery report settings, and reports posted / failed / pending
 *   POST /__simulator/delivery-reports      JSON `{callbackUrl?, delayMs?, mix?, voiceInsteadOfSms?}` merged in
 *   POST /__simulator/reset                 clears outbox, sessions, stats and pending reports; faults,
 *                                           delivery report settings and balances back to the start options
 * (In a query string `+` reads as a space; the phone filter accepts `+91…`, `%2B91…` and ` 91…` alike.)
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomInt, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { TWO_FACTOR_TEXT, type TwoFactorAnswer } from './wireSchemas.js';
import { createRequestStats, type RequestKind, type SimulatorStats } from './simulatorStats.js';
import { createExpiringMap } from './expiringMap.js';
import { createOtpSessionStore, type SessionVerdict } from './simulatorSessions.js';

export type { SimulatorStats } from './simulatorStats.js';

export const FAULT_MODES = [
  'none',
  'http500',
  'html',
  'brokenJson',
  'oversized',
  'invalidKey',
  'expired',
  'hang',
] as const;
/**
 * - `http500`: 500 with an HTML body. `html`: 200 text/html. `brokenJson`: 200 with truncated JSON.
 *   `oversized`: 200 JSON of about 1 MiB (a runaway body the client must not read whole).
 * - `invalidKey`: every API call answers `Invalid API Key`. `expired`: every verify answers `OTP Expired`
 *   with Status Success. `hang`: no answer at all until `close()`.
 */
export type FaultMode = (typeof FAULT_MODES)[number];

export interface SimulatorFaults {
  /** Added before every API answer, with a timer (the event loop stays free). */
  latencyMs: number;
  mode: FaultMode;
}

export interface SimulatorMessage {
  kind: 'otp' | 'template';
  /** E.164, `+91…`. */
  phone: string;
  /** OTP messages only. */
  code?: string;
  providerSessionId: string;
  templateName?: string;
  /** Template messages: sender id. */
  from?: string;
  /** Template messages: VAR1..VARn in order. */
  variables?: string[];
  /** Template messages sent with `Msg` (open template) instead of a template name. */
  text?: string;
  /** ISO 8601. */
  at: string;
}

/** The outcomes a delivery report can tell, with their relative weights in `mix`. */
export interface DeliveryReportMix {
  delivered: number;
  failed: number;
  rejected: number;
}

export interface DeliveryReportSettings {
  /** Where reports are posted (a form POST, as 2Factor does); null: no reports. */
  callbackUrl: string | null;
  /** From a message to its report. */
  delayMs: number;
  mix: DeliveryReportMix;
  /** Fault: OTP SMS are reported as voice calls (`mode=VOICE_OTP`): the DLT template or sender is not mapped. */
  voiceInsteadOfSms: boolean;
}

export interface DeliveryReportStatus extends DeliveryReportSettings {
  /** Reports the callback URL answered with a 2xx. */
  posted: number;
  /** Reports that could not be posted or were answered otherwise (not retried). */
  failed: number;
  /** Reports waiting for their delay or their answer. */
  pending: number;
}

export interface SimulatorRetained {
  /** OTP sessions, live or answered as expired. */
  sessions: number;
  /** Phones whose newest code is remembered. */
  lastCodes: number;
  /** Template SMS whose delivery report can be asked for. */
  templateReports: number;
  outbox: number;
}

export interface SimulatorRequest {
  method: string;
  /** Exactly as received: raw path and query. */
  url: string;
  /** POST bodies only. */
  body?: string;
}

/** What the BAL routes answer, as 2Factor does: text in `Details`. */
export interface SimulatorBalances {
  sms: string;
  voice: string;
  transactionalSms: string;
}

export interface TwoFactorSimulatorOptions extends Partial<SimulatorFaults> {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** When set, any other key answers `Invalid API Key`; when not set, every key is accepted. */
  validApiKeys?: string[];
  /** 2Factor's status for a bad key is unknown; 200 by default. */
  invalidKeyHttpStatus?: number;
  /** Digits of generated codes, 4–8 (default 6). */
  otpLength?: number;
  /** How long a code can be verified (default 10 minutes). */
  otpTtlMs?: number;
  /** Balances answered by the BAL routes (default "500" each). */
  balances?: Partial<SimulatorBalances>;
  /** OTP sessions, newest codes and template reports kept at most, each, oldest dropped first (default 100 000). */
  maxSessions?: number;
  /** How often what has expired is dropped, requests or not (default 60 000 ms). */
  sweepIntervalMs?: number;
  /** The outbox keeps at least the newest this many messages (default 10 000). */
  outboxLimit?: number;
  /** Clock for code expiry, message times and stats (default Date.now). */
  now?: () => number;
  /** Called on each delivered message. An exception turns that API call into a 500. */
  onMessage?: (message: SimulatorMessage) => void;
  /** Called on each API request as received (not control requests), before latency and faults. */
  onRequest?: (request: SimulatorRequest) => void;
  /** Delivery reports posted to a callback URL (default: none). */
  deliveryReports?: Partial<DeliveryReportSettings>;
}

export interface TwoFactorSimulator {
  /** `http://host:port`, to use as the client's baseUrl. */
  url: string;
  port: number;
  /** Stops listening and drops every connection (keep-alive and hanging ones). */
  close(): Promise<void>;
  outbox(filter?: { phone?: string }): SimulatorMessage[];
  /** The newest OTP texted to this phone (any accepted format) in the last 2 × otpTtlMs, or undefined. */
  lastCodeFor(phone: string): string | undefined;
  /** The code texted in the 2Factor session `providerSessionId` (an OTP, or a template's VAR1), without copying the outbox. */
  codeForSession(providerSessionId: string): string | undefined;
  /** How many entries each store holds now: what the simulator's memory grows with. */
  retained(): SimulatorRetained;
  stats(): SimulatorStats;
  resetStats(): void;
  setFaults(faults: Partial<SimulatorFaults>): void;
  /** Changes what the BAL routes answer from now on. */
  setBalances(balances: Partial<SimulatorBalances>): void;
  /** Merges `settings` into the delivery report settings; reports already scheduled keep theirs. */
  setDeliveryReports(settings: Partial<DeliveryReportSettings>): void;
  deliveryReports(): DeliveryReportStatus;
  /** Clears outbox, sessions, stats and pending reports; faults, delivery report settings and balances go back to the start options. */
  reset(): void;
}

/** The longest latency or report delay that can be injected: ten minutes covers every timeout under test. */
export const MAX_INJECTED_DELAY_MS = 600_000;

const balancesSchema = z.strictObject({
  sms: z.string().max(32).optional(),
  voice: z.string().max(32).optional(),
  transactionalSms: z.string().max(32).optional(),
});

const faultsSchema = z.strictObject({
  latencyMs: z.number().int().min(0).max(MAX_INJECTED_DELAY_MS).optional(),
  mode: z.enum(FAULT_MODES).optional(),
});

const deliveryReportsSchema = z.strictObject({
  callbackUrl: z
    .url({ protocol: /^https?$/ })
    .nullable()
    .optional(),
  delayMs: z.number().int().min(0).max(MAX_INJECTED_DELAY_MS).optional(),
  mix: z
    .strictObject({
      delivered: z.number().int().min(0),
      failed: z.number().int().min(0),
      rejected: z.number().int().min(0),
    })
    .refine((mix) => mix.delivered + mix.failed + mix.rejected > 0, 'at least one outcome needs a weight')
    .optional(),
  voiceInsteadOfSms: z.boolean().optional(),
});

/** Code length when none is given, as a 2Factor account sends by default. */
const DEFAULT_OTP_LENGTH = 6;
/** The `oversized` fault answers this much, far over what the client reads (MAX_ANSWER_BYTES). */
const OVERSIZED_ANSWER_BYTES = 1 << 20;

/** The outbox keeps at least the newest this many messages. */
const DEFAULT_OUTBOX_LIMIT = 10_000;
/** How often what has expired is dropped, requests or not. */
const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
/** How long a code can be verified. */
const DEFAULT_OTP_TTL_MS = 600_000;
/** OTP sessions, newest codes and template reports kept at most, each, oldest dropped first. */
const DEFAULT_MAX_SESSIONS = 100_000;

const DEFAULT_DELIVERY_REPORTS: DeliveryReportSettings = {
  callbackUrl: null,
  delayMs: 1_000,
  mix: { delivered: 1, failed: 0, rejected: 0 },
  voiceInsteadOfSms: false,
};

const REPORT_POST_TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 64 * 1024;
const JSON_TYPE = 'application/json; charset=utf-8';

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

type Route = { kind: RequestKind; answer: (body: string) => Answer };

function jsonAnswer(status: number, payload: TwoFactorAnswer & Record<string, string>): Answer {
  return { status, contentType: JSON_TYPE, body: JSON.stringify(payload) };
}
const success = (details: string, extra: Record<string, string> = {}) =>
  jsonAnswer(200, { Status: 'Success', Details: details, ...extra });
const error = (status: number, details: string) => jsonAnswer(status, { Status: 'Error', Details: details });

/** `9876543210`, `919876543210`, `+919876543210` → `+919876543210`; anything else → undefined. */
export function parseSimulatorPhone(raw: string): string | undefined {
  const value = raw.trim();
  if (/^\+91\d{10}$/.test(value)) return value;
  if (/^91\d{10}$/.test(value)) return `+${value}`;
  if (/^\d{10}$/.test(value)) return `+91${value}`;
  return undefined;
}

export async function startTwoFactorSimulator(options: TwoFactorSimulatorOptions = {}): Promise<TwoFactorSimulator> {
  const now = options.now ?? Date.now;
  const host = options.host ?? '127.0.0.1';
  const otpLength = options.otpLength ?? DEFAULT_OTP_LENGTH;
  if (!Number.isInteger(otpLength) || otpLength < 4 || otpLength > 8) throw new Error('otpLength must be 4–8');
  const validKeys = options.validApiKeys ? new Set(options.validApiKeys) : undefined;
  const invalidKeyHttpStatus = options.invalidKeyHttpStatus ?? 200;
  const outboxLimit = options.outboxLimit ?? DEFAULT_OUTBOX_LIMIT;
  const initialBalances: SimulatorBalances = { sms: '500', voice: '500', transactionalSms: '500', ...options.balances };
  let balances = { ...initialBalances };
  const startFaults = faultsSchema.parse({ latencyMs: options.latencyMs, mode: options.mode });
  const initialFaults: SimulatorFaults = { latencyMs: startFaults.latencyMs ?? 0, mode: startFaults.mode ?? 'none' };

  let faults: SimulatorFaults = { ...initialFaults };
  const stats = createRequestStats(now);
  const ttlMs = options.otpTtlMs ?? DEFAULT_OTP_TTL_MS;
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const sessions = createOtpSessionStore({ now, ttlMs, maxSessions });
  const retention = { now, retentionMs: 2 * ttlMs, maxEntries: maxSessions };
  /** TSMS session id → recipients (E.164), for delivery reports. */
  const templateSessions = createExpiringMap<string[]>(retention);
  let outbox: SimulatorMessage[] = [];
  const lastCodes = createExpiringMap<string>(retention);
  const pendingTimers = new Set<NodeJS.Timeout>();
  let closed = false;
  const initialDeliveryReports: DeliveryReportSettings = {
    ...DEFAULT_DELIVERY_REPORTS,
    ...deliveryReportsSchema.parse(options.deliveryReports ?? {}),
  };
  let deliveryReports: DeliveryReportSettings = { ...initialDeliveryReports };
  const reportTimers = new Set<NodeJS.Timeout>();
  let reportsInFlight = 0;
  let reportCounts = { posted: 0, failed: 0 };
  /** Aborts the reports being posted when the simulator closes or resets. */
  let reportsAbort = new AbortController();

  function deliver(message: SimulatorMessage) {
    outbox.push(message);
    // Trim in chunks so a long benchmark does not pay an O(n) shift per message.
    if (outbox.length >= outboxLimit + Math.max(1, Math.floor(outboxLimit / 10))) outbox = outbox.slice(-outboxLimit);
    if (message.code !== undefined) lastCodes.set(message.phone, message.code);
    options.onMessage?.(message);
    scheduleDeliveryReport(message);
  }

  /** Draws the message's outcome now (the settings in force when it was sent) and posts its report after the delay. */
  function scheduleDeliveryReport(message: SimulatorMessage) {
    const settings = deliveryReports;
    if (settings.callbackUrl === null || closed) return;
    const outcome = drawOutcome(settings.mix);
    const asVoice = message.kind === 'otp' && settings.voiceInsteadOfSms;
    const timer = setTimeout(() => {
      reportTimers.delete(timer);
      const form =
        message.kind === 'otp' ? otpReportForm(message, outcome, asVoice, now()) : tsmsReportForm(message, outcome);
      void postReport(settings.callbackUrl!, form);
    }, settings.delayMs);
    reportTimers.add(timer);
  }

  async function postReport(url: string, form: Record<string, string>) {
    reportsInFlight += 1;
    const signal = reportsAbort.signal;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.any([signal, AbortSignal.timeout(REPORT_POST_TIMEOUT_MS)]),
      });
      await response.arrayBuffer();
      if (!signal.aborted) reportCounts[response.ok ? 'posted' : 'failed'] += 1;
    } catch {
      if (!signal.aborted) reportCounts.failed += 1;
    } finally {
      reportsInFlight -= 1;
    }
  }

  function cancelReports() {
    for (const timer of reportTimers) clearTimeout(timer);
    reportTimers.clear();
    reportsAbort.abort();
    reportsAbort = new AbortController();
  }

  function newCode(): string {
    return String(randomInt(0, 10 ** otpLength)).padStart(otpLength, '0');
  }

  function sendOtp(
    rawPhone: string,
    code: string,
    templateName: string | undefined,
    extra: Record<string, string> = {},
  ): Answer {
    const phone = parseSimulatorPhone(rawPhone);
    if (!phone) return error(400, TWO_FACTOR_TEXT.phoneLengthMismatch);
    const session = sessions.create(phone, code);
    deliver({
      kind: 'otp',
      phone,
      code,
      providerSessionId: session.id,
      ...(templateName === undefined ? {} : { templateName }),
      at: new Date(now()).toISOString(),
    });
    return success(session.id, extra);
  }

  function verifyAnswer(verdict: SessionVerdict): Answer {
    if (faults.mode === 'expired') return success(TWO_FACTOR_TEXT.otpExpired);
    switch (verdict) {
      case 'matched':
        return success(TWO_FACTOR_TEXT.otpMatched);
      case 'mismatch':
        return error(400, TWO_FACTOR_TEXT.otpMismatch);
      case 'expired':
        return success(TWO_FACTOR_TEXT.otpExpired);
      case 'not_found':
        return error(400, TWO_FACTOR_TEXT.noSession);
    }
  }

  function sendTemplateSms(body: string): Answer {
    const form = new URLSearchParams(body);
    const from = form.get('From') ?? 'TFCTOR';
    const templateName = form.get('TemplateName') ?? undefined;
    const text = form.get('Msg') ?? undefined;
    if (!/^[A-Za-z]{6}$/.test(from)) return error(400, TWO_FACTOR_TEXT.senderOrTemplateNotMapped);
    if (!templateName && !text) return error(400, TWO_FACTOR_TEXT.missingTemplateName);
    const phones = (form.get('To') ?? '').split(',').map(parseSimulatorPhone);
    if (phones.some((phone) => phone === undefined)) return error(400, TWO_FACTOR_TEXT.phoneLengthMismatch);
    const variables = templateVariables(form);
    const providerSessionId = randomUUID();
    templateSessions.set(providerSessionId, phones as string[]);
    const at = new Date(now()).toISOString();
    for (const phone of phones as string[]) {
      deliver({
        kind: 'template',
        phone,
        providerSessionId,
        from,
        variables,
        ...(templateName ? { templateName } : {}),
        ...(text ? { text } : {}),
        at,
      });
    }
    return success(providerSessionId);
  }

  function deliveryReport(sessionId: string): Answer {
    const recipients = templateSessions.get(sessionId);
    if (!recipients) return error(400, TWO_FACTOR_TEXT.noSession);
    const items = recipients
      .map((phone) => `<Message><To>${phone.slice(1)}</To><statusDesc>DELIVERED</statusDesc></Message>`)
      .join('');
    return {
      status: 200,
      contentType: 'application/xml; charset=utf-8',
      body: `<?xml version="1.0" encoding="UTF-8"?><Response><Status>Success</Status><SessionId>${escapeXml(sessionId)}</SessionId>${items}</Response>`,
    };
  }

  /** Maps the segments after the key to a route; unknown shapes still count (as `other`) and answer 404. */
  function route(method: string, rest: string[]): Route {
    const [first, second, third, fourth] = rest;
    const n = rest.length;
    if (first === 'SMS' && method !== 'POST' && second !== undefined) {
      if ((second === 'VERIFY' || second === 'VERIFY3') && n === 4 && third !== undefined && fourth !== undefined) {
        const byPhone = second === 'VERIFY3';
        return {
          kind: 'verify',
          answer: () => {
            if (!byPhone) return verifyAnswer(sessions.verifyById(third, fourth));
            const phone = parseSimulatorPhone(third);
            if (!phone) return error(400, TWO_FACTOR_TEXT.phoneLengthMismatch);
            return verifyAnswer(sessions.verifyByPhone(phone, fourth));
          },
        };
      }
      if ((n === 3 || n === 4) && third !== undefined) {
        if (third === 'AUTOGEN' || third === 'AUTOGEN2') {
          const extra = third === 'AUTOGEN2' ? (code: string) => ({ OTP: code }) : () => ({});
          return {
            kind: 'autogen',
            answer: () => {
              const code = newCode();
              return sendOtp(second, code, fourth, extra(code));
            },
          };
        }
        if (third === 'AUTOGEN3') {
          return {
            kind: 'autogen',
            answer: () =>
              fourth === undefined
                ? error(400, TWO_FACTOR_TEXT.missingTemplateName)
                : sendOtp(second, newCode(), fourth),
          };
        }
        if (/^\d{4,6}$/.test(third)) return { kind: 'autogen', answer: () => sendOtp(second, third, fourth) };
      }
    }
    const path = rest.join('/');
    if (method === 'POST' && path === 'ADDON_SERVICES/SEND/TSMS') return { kind: 'tsms', answer: sendTemplateSms };
    if (method !== 'POST') {
      if (path === 'BAL/SMS') return { kind: 'balance', answer: () => success(balances.sms) };
      if (path === 'BAL/VOICE') return { kind: 'balance', answer: () => success(balances.voice) };
      if (path === 'ADDON_SERVICES/BAL/TRANSACTIONAL_SMS')
        return { kind: 'balance', answer: () => success(balances.transactionalSms) };
      if (n === 4 && path.startsWith('ADDON_SERVICES/RPT/TSMS/') && fourth !== undefined) {
        return { kind: 'other', answer: () => deliveryReport(fourth) };
      }
    }
    return { kind: 'other', answer: () => error(404, 'Unknown API route') };
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, rawUrl: string, pathname: string) {
    const segments = decodeSegments(pathname);
    const isApi = segments !== undefined && segments[0] === 'API' && segments[1] === 'V1' && segments.length >= 3;
    const key = isApi ? (segments[2] as string) : '';
    let rest = isApi ? segments.slice(3) : [];
    if (rest.length > 0 && rest[rest.length - 1] === '') rest = rest.slice(0, -1);
    const method = req.method ?? 'GET';
    const matched: Route = isApi
      ? route(method, rest)
      : { kind: 'other', answer: () => error(404, 'Unknown API route') };
    stats.record(matched.kind);

    const body = method === 'POST' ? await readBody(req) : '';
    options.onRequest?.({ method, url: rawUrl, ...(method === 'POST' ? { body: body ?? '' } : {}) });

    const fault = faults;
    if (fault.latencyMs > 0) await delay(fault.latencyMs);
    if (closed) return;
    if (fault.mode === 'hang') return; // closeAllConnections() ends it.

    let answer: Answer;
    if (fault.mode === 'http500') {
      answer = {
        status: 500,
        contentType: 'text/html; charset=utf-8',
        body: '<html><body><h1>500 Internal Server Error</h1></body></html>',
      };
    } else if (fault.mode === 'html') {
      answer = {
        status: 200,
        contentType: 'text/html; charset=utf-8',
        body: '<!DOCTYPE html><html><body><p>Service temporarily unavailable</p></body></html>',
      };
    } else if (fault.mode === 'brokenJson') {
      answer = { status: 200, contentType: JSON_TYPE, body: '{"Status":"Success","Deta' };
    } else if (fault.mode === 'oversized') {
      answer = {
        status: 200,
        contentType: JSON_TYPE,
        body: JSON.stringify({ Status: 'Success', Details: 'x'.repeat(OVERSIZED_ANSWER_BYTES) }),
      };
    } else if (fault.mode === 'invalidKey' || (validKeys !== undefined && !validKeys.has(key))) {
      answer = error(invalidKeyHttpStatus, TWO_FACTOR_TEXT.invalidApiKey);
    } else if (body === undefined) {
      answer = error(413, 'Request body too large');
    } else {
      answer = matched.answer(body);
    }
    send(res, answer);
  }

  function handleControl(req: IncomingMessage, res: ServerResponse, pathname: string, query: URLSearchParams) {
    const method = req.method ?? 'GET';
    const phoneFilter = () => {
      const raw = query.get('phone');
      if (raw === null) return undefined;
      return parseSimulatorPhone(raw) ?? raw;
    };
    if (method === 'GET' && pathname === '/__simulator/outbox') {
      const phone = phoneFilter();
      return sendJson(res, 200, api.outbox(phone === undefined ? {} : { phone }));
    }
    if (method === 'GET' && pathname === '/__simulator/last-code') {
      const phone = phoneFilter();
      return sendJson(res, 200, { code: phone === undefined ? null : (api.lastCodeFor(phone) ?? null) });
    }
    if (method === 'GET' && pathname === '/__simulator/stats') return sendJson(res, 200, stats.snapshot());
    if (method === 'GET' && pathname === '/__simulator/faults') return sendJson(res, 200, faults);
    if (method === 'POST' && pathname === '/__simulator/faults') {
      return void readBody(req).then((body) => {
        let parsed: ReturnType<typeof faultsSchema.safeParse> | undefined;
        try {
          parsed = faultsSchema.safeParse(JSON.parse(body ?? ''));
        } catch {
          parsed = undefined;
        }
        if (!parsed?.success)
          return sendJson(res, 400, { error: `faults must be JSON {latencyMs?, mode?: ${FAULT_MODES.join('|')}}` });
        api.setFaults(parsed.data);
        return sendJson(res, 200, faults);
      });
    }
    if (method === 'GET' && pathname === '/__simulator/delivery-reports')
      return sendJson(res, 200, api.deliveryReports());
    if (method === 'POST' && pathname === '/__simulator/delivery-reports') {
      return void readBody(req).then((body) => {
        let parsed: ReturnType<typeof deliveryReportsSchema.safeParse> | undefined;
        try {
          parsed = deliveryReportsSchema.safeParse(JSON.parse(body ?? ''));
        } catch {
          parsed = undefined;
        }
        if (!parsed?.success) {
          return sendJson(res, 400, {
            error:
              'delivery reports must be JSON {callbackUrl?: http(s) URL | null, delayMs?, mix?: {delivered, failed, rejected}, voiceInsteadOfSms?}',
          });
        }
        api.setDeliveryReports(parsed.data);
        return sendJson(res, 200, api.deliveryReports());
      });
    }
    if (method === 'POST' && pathname === '/__simulator/balances') {
      return void readBody(req).then((body) => {
        let parsed: ReturnType<typeof balancesSchema.safeParse> | undefined;
        try {
          parsed = balancesSchema.safeParse(JSON.parse(body ?? ''));
        } catch {
          parsed = undefined;
        }
        if (!parsed?.success)
          return sendJson(res, 400, {
            error: 'balances must be JSON {sms?, voice?, transactionalSms?} with string values',
          });
        api.setBalances(parsed.data);
        return sendJson(res, 200, balances);
      });
    }
    if (method === 'POST' && pathname === '/__simulator/reset') {
      api.reset();
      return sendJson(res, 200, { ok: true });
    }
    return sendJson(res, 404, { error: 'unknown simulator control route' });
  }

  function delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        pendingTimers.delete(timer);
        resolve();
      }, ms);
      pendingTimers.add(timer);
    });
  }

  const server = createServer((req, res) => {
    const rawUrl = req.url ?? '/';
    const queryStart = rawUrl.indexOf('?');
    const pathname = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
    const fail = () => {
      if (!res.headersSent && !res.destroyed) send(res, error(500, 'Simulator internal error'));
    };
    try {
      if (pathname.startsWith('/__simulator/')) {
        handleControl(req, res, pathname, new URLSearchParams(queryStart === -1 ? '' : rawUrl.slice(queryStart + 1)));
      } else {
        handleApi(req, res, rawUrl, pathname).catch(fail);
      }
    } catch {
      fail();
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const sweeper = setInterval(() => {
    sessions.sweep();
    lastCodes.sweep();
    templateSessions.sweep();
  }, options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS);
  sweeper.unref();
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;

  const api: TwoFactorSimulator = {
    url: `http://${urlHost}:${port}`,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        closed = true;
        clearInterval(sweeper);
        for (const timer of pendingTimers) clearTimeout(timer);
        pendingTimers.clear();
        cancelReports();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
    outbox(filter = {}) {
      const phone = filter.phone === undefined ? undefined : (parseSimulatorPhone(filter.phone) ?? filter.phone);
      const selected = phone === undefined ? outbox : outbox.filter((message) => message.phone === phone);
      return selected.map((message) => ({
        ...message,
        ...(message.variables ? { variables: [...message.variables] } : {}),
      }));
    },
    lastCodeFor(phone) {
      return lastCodes.get(parseSimulatorPhone(phone) ?? phone);
    },
    codeForSession(providerSessionId) {
      const message = outbox.findLast((m) => m.providerSessionId === providerSessionId);
      return message?.code ?? message?.variables?.[0];
    },
    retained: () => ({
      sessions: sessions.size,
      lastCodes: lastCodes.size,
      templateReports: templateSessions.size,
      outbox: outbox.length,
    }),
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    setFaults(partial) {
      const parsed = faultsSchema.parse(partial);
      faults = {
        latencyMs: parsed.latencyMs ?? faults.latencyMs,
        mode: parsed.mode ?? faults.mode,
      };
    },
    setDeliveryReports(partial) {
      const parsed = deliveryReportsSchema.parse(partial);
      deliveryReports = {
        callbackUrl: parsed.callbackUrl === undefined ? deliveryReports.callbackUrl : parsed.callbackUrl,
        delayMs: parsed.delayMs ?? deliveryReports.delayMs,
        mix: parsed.mix ?? deliveryReports.mix,
        voiceInsteadOfSms: parsed.voiceInsteadOfSms ?? deliveryReports.voiceInsteadOfSms,
      };
    },
    deliveryReports: () => ({
      ...deliveryReports,
      mix: { ...deliveryReports.mix },
      ...reportCounts,
      pending: reportTimers.size + reportsInFlight,
    }),
    setBalances(partial) {
      const parsed = balancesSchema.parse(partial);
      balances = {
        sms: parsed.sms ?? balances.sms,
        voice: parsed.voice ?? balances.voice,
        transactionalSms: parsed.transactionalSms ?? balances.transactionalSms,
      };
    },
    reset() {
      balances = { ...initialBalances };
      outbox = [];
      lastCodes.clear();
      sessions.clear();
      templateSessions.clear();
      stats.reset();
      faults = { ...initialFaults };
      cancelReports();
      deliveryReports = { ...initialDeliveryReports };
      reportCounts = { posted: 0, failed: 0 };
    },
  };
  return api;
}

/** `/API/V1/k/SMS/x` → `['API','V1','k','SMS','x']`, percent-decoded; undefined when not decodable. */
function decodeSegments(pathname: string): string[] | undefined {
  try {
    return pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

/** The request body as text, or undefined when it exceeds MAX_BODY_BYTES. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function templateVariables(form: URLSearchParams): string[] {
  const numbered: Array<[number, string]> = [];
  for (const [name, value] of form) {
    const match = /^VAR([1-9]\d?)$/.exec(name); // VAR1..VAR99
    if (match) numbered.push([Number(match[1]), value]);
  }
  numbered.sort((a, b) => a[0] - b[0]);
  const variables: string[] = [];
  for (const [index, value] of numbered) variables[index - 1] = value;
  return Array.from(variables, (value) => value ?? '');
}

function send(res: ServerResponse, answer: Answer) {
  if (res.destroyed) return;
  res.writeHead(answer.status, {
    'content-type': answer.contentType,
    'content-length': Buffer.byteLength(answer.body),
  });
  res.end(answer.body);
}

function sendJson(res: ServerResponse, status: number, payload: unknown) {
  send(res, { status, contentType: JSON_TYPE, body: JSON.stringify(payload) });
}

type ReportedOutcome = keyof DeliveryReportMix;

function drawOutcome(mix: DeliveryReportMix): ReportedOutcome {
  const outcomes: ReportedOutcome[] = ['delivered', 'failed', 'rejected'];
  let pick = randomInt(0, mix.delivered + mix.failed + mix.rejected);
  for (const outcome of outcomes) {
    if (pick < mix[outcome]) return outcome;
    pick -= mix[outcome];
  }
  return 'delivered';
}

const OTP_STATUS: Readonly<Record<ReportedOutcome, string>> = {
  delivered: 'DELIVERED',
  failed: 'FAILED',
  rejected: 'REJECTED',
};

/** 2Factor's SMS OTP or voice OTP callback form; `To` is the 10-digit number, as 2Factor posts it. */
function otpReportForm(
  message: SimulatorMessage,
  outcome: ReportedOutcome,
  asVoice: boolean,
  nowMs: number,
): Record<string, string> {
  const common = { SessionId: message.providerSessionId, To: message.phone.slice(3), Status: OTP_STATUS[outcome] };
  if (!asVoice) return { mode: 'SMS_OTP', ...common };
  return {
    mode: 'VOICE_OTP',
    ...common,
    api_request_time: istTimestamp(Date.parse(message.at)),
    call_start_time: istTimestamp(nowMs - 9_000),
    call_end_time: istTimestamp(nowMs - 2_000),
    callDetailStatus: OTP_STATUS[outcome],
  };
}

/** Status and error fields of a transactional SMS report, per outcome (failed and rejected: simulator inventions). */
const TSMS_REPORT_FIELDS: Readonly<Record<ReportedOutcome, Record<string, string>>> = {
  delivered: {
    SmsStatus: 'DELIVERED',
    StatusGroupId: '3',
    StatusGroupName: 'DELIVERED',
    StatusId: '5',
    StatusName: 'DELIVERED_TO_HANDSET',
    StatusDescription: 'Message delivered to handset',
    ErrorGroupId: '0',
    ErrorGroupName: 'OK',
    ErrorId: '0',
    ErrorName: 'NO_ERROR',
    ErrorDescription: 'No Error',
    ErrorPermanent: 'false',
  },
  failed: {
    SmsStatus: 'UNDELIVERABLE',
    StatusGroupId: '2',
    StatusGroupName: 'UNDELIVERABLE',
    StatusId: '4',
    StatusName: 'UNDELIVERABLE_NOT_DELIVERED',
    StatusDescription: 'Message sent not delivered',
    ErrorGroupId: '1',
    ErrorGroupName: 'HANDSET_ERRORS',
    ErrorId: '27',
    ErrorName: 'EC_ABSENT_SUBSCRIBER',
    ErrorDescription: 'Absent Subscriber',
    ErrorPermanent: 'false',
  },
  rejected: {
    SmsStatus: 'REJECTED',
    StatusGroupId: '5',
    StatusGroupName: 'REJECTED',
    StatusId: '6',
    StatusName: 'REJECTED_DLT',
    StatusDescription: 'Rejected by DLT scrubbing',
    ErrorGroupId: '2',
    ErrorGroupName: 'OPERATOR_ERRORS',
    ErrorId: '4001',
    ErrorName: 'DLT_TEMPLATE_MISMATCH',
    ErrorDescription: 'The text does not match a registered DLT template',
    ErrorPermanent: 'true',
  },
};

/** 2Factor's transactional SMS report form; `SmsTo` is 91 and the 10 digits. Only the DELIVERED values are documented. */
function tsmsReportForm(message: SimulatorMessage, outcome: ReportedOutcome): Record<string, string> {
  return { SessionId: message.providerSessionId, SmsTo: message.phone.slice(1), ...TSMS_REPORT_FIELDS[outcome] };
}

/** `2026-11-24 15:30:00`, Indian time, as 2Factor writes call times. */
function istTimestamp(ms: number): string {
  return new Date(ms + 5.5 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);
}
