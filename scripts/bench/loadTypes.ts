/**
 * What the bench orchestrator and the load driver (a separate process) say to each other over IPC.
 * Only plain JSON crosses: bodies are described, and the driver builds them per request.
 */

/** How each request body is made. */
export type BodySpec =
  | { kind: 'static'; body: string }
  /** A distinct registered phone per request: `+91` + (7000000000 + phoneStart + n), n counting up. */
  | { kind: 'sendOtp'; phoneStart: number; phoneCount: number; purpose: 'login' | 'test' }
  /** A template SMS (`/api/sms/sendTemplate`) per request, to phones numbered as for sendOtp. */
  | { kind: 'sendTemplate'; phoneStart: number; phoneCount: number }
  /** One session per request, in order; the run stops when they are used up. */
  | { kind: 'verifyOtp'; pairs: Array<{ session_id: string; otp: string }> }
  /** Better Auth's send-otp body (`{"phoneNumber"}`), phones as for `sendOtp`. */
  | { kind: 'betterAuthSendOtp'; phoneStart: number; phoneCount: number }
  /** Better Auth's verify body, one phone and its code per request, in order, until used up. */
  | { kind: 'betterAuthVerify'; pairs: Array<{ phoneNumber: string; code: string }> };

export type LoadMode =
  /**
   * Closed loop: `connections` keep one request in flight each, as fast as the server answers, for
   * `durationS`, or until `requests` have been sent when that is given (`durationS` then bounds the run).
   */
  | { kind: 'closed'; connections: number; durationS: number; requests?: number }
  /**
   * Open loop at a fixed rate: one request every 1/`ratePerS` s whatever the answers do, on keep-alive
   * connections (as many as are in flight); latency counts from each request's due time.
   */
  | { kind: 'paced'; ratePerS: number; durationS: number };

export interface LoadJob {
  kind: 'load';
  /** Base URLs (`http://127.0.0.1:port`); connections are spread over them round-robin. */
  targets: string[];
  method: 'GET' | 'POST';
  path: string;
  body: BodySpec;
  mode: LoadMode;
  /** Sent with every request besides `content-type` (e.g. a session cookie). */
  headers?: Record<string, string>;
  /** Collect `{session_id, phone}` of every 2xx sendOtp answer (for the verify runs). */
  collectSessions?: boolean;
  /** Collect the phone of every 2xx answer (Better Auth's sends answer no session id). */
  collectPhones?: boolean;
  /** Return every latency, so runs can be merged (interleaved rounds). */
  keepSamples?: boolean;
  timeoutS?: number;
}

export interface SequenceStep {
  target: string;
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

/** A few requests one after the other (functional checks of scenario 6). */
export interface SequenceJob {
  kind: 'sequence';
  steps: SequenceStep[];
}

export interface StepAnswer {
  status: number;
  /** From sending the request to the last byte of the answer, at the client. */
  elapsedMs: number;
  body: Record<string, unknown> | null;
  retryAfter: string | null;
  setsCookie: boolean;
}

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface LoadResult {
  /** Answers received during the run. */
  completed: number;
  elapsedS: number;
  requestsPerS: number;
  /** HTTP status → count. */
  statusCounts: Record<string, number>;
  non2xx: number;
  /** Connection errors and timeouts (no HTTP answer). */
  errors: number;
  /** The connection errors by code (ECONNRESET, …) → count. */
  errorKinds: Record<string, number>;
  timeouts: number;
  latencyMs: { all: Percentiles; ok: Percentiles; failed: Percentiles };
  /** The `status` code of non-2xx JSON answers (`provider_busy`, `rate_limited`, …) → count. */
  errorCodes: Record<string, number>;
  /** 429 and 503 answers without a Retry-After header. */
  missingRetryAfter: number;
  sessions?: Array<{ session_id: string; phone: string }>;
  phones?: string[];
  samples?: { ok: number[]; failed: number[] };
  /** Merged results: the figures of each interleaved round. */
  rounds?: Array<{ completed: number; elapsedS: number; requestsPerS: number }>;
}

export type DriverRequest = { id: number; job: LoadJob | SequenceJob };
export type DriverReply =
  { id: number; ok: true; result: LoadResult | StepAnswer[] } | { id: number; ok: false; error: string };

export const PHONE_BASE = 7_000_000_000;
export const phoneNumber = (index: number) => `+91${PHONE_BASE + index}`;

/** One field of an answer's JSON body as text: '' when absent, JSON for anything that is not a string. */
export function bodyField(answer: StepAnswer | undefined, field: string): string {
  const value = answer?.body?.[field];
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
