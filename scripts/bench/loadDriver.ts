/**
 * The load generator: a separate process (forked by bench.ts with IPC) that runs autocannon against
 * 127.0.0.1 and answers with figures. Keeping it out of the orchestrator's process means the orchestrator's
 * own work (database checks, simulator polling) never competes with the timing loop.
 *
 * Latencies are recorded per answer from autocannon's `response` events (whole run, no coordinated-omission
 * "correction", which autocannon otherwise applies to rate-limited runs and which distorts percentiles).
 */
import http from 'node:http';
import autocannon from 'autocannon';
import type {
  BodySpec,
  DriverReply,
  DriverRequest,
  LoadJob,
  LoadResult,
  SequenceJob,
  StepAnswer,
} from './loadTypes.js';
import { phoneNumber } from './loadTypes.js';
import { percentiles } from './stats.js';

const HOST_OK = /^http:\/\/127\.0\.0\.1:\d+$/;
/** A request unanswered by then counts as a timeout (LoadJob.timeoutS when not given). */
const DEFAULT_REQUEST_TIMEOUT_S = 10;
/** A paced run starts this long after it is set up, so its first requests are not already late. */
const PACED_START_DELAY_MS = 20;

function assertLocal(targets: string[]): void {
  for (const target of targets) {
    if (!HOST_OK.test(target)) throw new Error(`load driver only targets http://127.0.0.1:<port>, got ${target}`);
  }
}

interface BodySource {
  /** Next body, plus what to remember about it for the answer; undefined when used up. */
  next(): { body: string; phone?: string } | undefined;
  /** How many bodies there are (verify pairs), or undefined when endless. */
  size: number | undefined;
}

function bodySource(spec: BodySpec): BodySource {
  switch (spec.kind) {
    case 'static':
      return { next: () => ({ body: spec.body }), size: undefined };
    case 'sendOtp':
    case 'betterAuthSendOtp': {
      let n = 0;
      const toBody = (phone: string) =>
        spec.kind === 'sendOtp' ? { phone, purpose: spec.purpose } : { phoneNumber: phone };
      return {
        next() {
          const phone = phoneNumber(spec.phoneStart + (n++ % spec.phoneCount));
          return { body: JSON.stringify(toBody(phone)), phone };
        },
        size: undefined,
      };
    }
    case 'sendTemplate': {
      let n = 0;
      return {
        next() {
          const to = phoneNumber(spec.phoneStart + (n++ % spec.phoneCount));
          return { body: JSON.stringify({ to, var1: '1234' }), phone: to };
        },
        size: undefined,
      };
    }
    case 'verifyOtp':
    case 'betterAuthVerify': {
      let n = 0;
      const pairs: object[] = spec.pairs;
      return {
        next() {
          const pair = pairs[n++];
          return pair && { body: JSON.stringify(pair) };
        },
        size: pairs.length,
      };
    }
  }
}

interface Tally {
  ok: number[];
  failed: number[];
  statusCounts: Record<string, number>;
  errorCodes: Record<string, number>;
  missingRetryAfter: number;
  errors: number;
  /** Transport errors by code (ECONNRESET…), so a report can say what they were. */
  errorKinds: Record<string, number>;
  timeouts: number;
  sessions: Array<{ session_id: string; phone: string }>;
  phones: string[];
}

function countError(tally: Tally, error: Error): void {
  tally.errors += 1;
  const kind = (error as NodeJS.ErrnoException).code ?? error.message;
  tally.errorKinds[kind] = (tally.errorKinds[kind] ?? 0) + 1;
}

function newTally(): Tally {
  return {
    ok: [],
    failed: [],
    statusCounts: {},
    errorCodes: {},
    missingRetryAfter: 0,
    errors: 0,
    errorKinds: {},
    timeouts: 0,
    sessions: [],
    phones: [],
  };
}

function headerValue(headers: Record<string, unknown>, name: string): unknown {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/** What an answer tells beyond its latency: sessions to verify later, error codes, Retry-After. */
function recordAnswer(
  job: LoadJob,
  tally: Tally,
  status: number,
  body: string,
  headers: Record<string, unknown>,
  phone: string | undefined,
): void {
  if (status >= 200 && status < 300) {
    if (job.collectSessions) {
      const match = /"session_id":"([0-9a-f-]{36})"/.exec(body);
      if (phone && match) tally.sessions.push({ session_id: match[1]!, phone });
    }
    if (job.collectPhones && phone) tally.phones.push(phone);
    return;
  }
  let code = `http_${status}`;
  try {
    const parsed = JSON.parse(body) as { status?: unknown };
    if (typeof parsed.status === 'string') code = parsed.status;
  } catch {
    // not JSON: keep the HTTP status as the code
  }
  tally.errorCodes[code] = (tally.errorCodes[code] ?? 0) + 1;
  if ((status === 429 || status === 503) && headerValue(headers, 'retry-after') === undefined)
    tally.missingRetryAfter += 1;
}

/** One autocannon instance; resolves when it is done. */
function runInstance(
  job: LoadJob,
  source: BodySource,
  tally: Tally,
  options: { url: string | string[]; connections: number; durationS: number; amount?: number },
): Promise<void> {
  type Context = { phone?: string };
  const request: autocannon.Request = {
    method: job.method,
    path: job.path,
    headers: { ...job.headers, 'content-type': 'application/json' },
    setupRequest(req: autocannon.Request, context: object) {
      const next = source.next();
      if (!next) return req; // used up: `amount` ends the run before this is sent
      (context as Context).phone = next.phone;
      return { ...req, body: next.body };
    },
    onResponse(status: number, body: string, context: object, headers: autocannon.Request['headers']) {
      recordAnswer(job, tally, status, body, headers ?? {}, (context as Context).phone);
    },
  };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: options.url as string,
        connections: options.connections,
        ...(options.amount ? { amount: options.amount } : { duration: options.durationS }),
        timeout: job.timeoutS ?? DEFAULT_REQUEST_TIMEOUT_S,
        requests: [request],
      },
      (error) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve()),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
      tally.statusCounts[statusCode] = (tally.statusCounts[statusCode] ?? 0) + 1;
      (statusCode >= 200 && statusCode < 300 ? tally.ok : tally.failed).push(responseTimeMs);
    });
    instance.on('reqError', (error: Error) => {
      if (/timed out/.test(error.message)) tally.timeouts += 1;
      else countError(tally, error);
    });
    // `amount` runs have no duration of their own: bound them in time too.
    if (options.amount) {
      const timer = setTimeout(() => instance.stop(), options.durationS * 1000);
      instance.on('done', () => clearTimeout(timer));
    }
  });
}

/**
 * Open loop: request n is due at start + n / ratePerS whatever the answers before it do, over keep-alive
 * connections opened as needed (as many as are in flight). Latency counts from the due time, so a late
 * start (a busy driver) is charged to the figure, never hidden by it.
 */
async function runPaced(
  job: LoadJob,
  source: BodySource,
  tally: Tally,
  ratePerS: number,
  durationS: number,
): Promise<void> {
  const targets = job.targets.map((url) => ({
    url: new URL(url),
    agent: new http.Agent({ keepAlive: true, maxSockets: Infinity }),
  }));
  const total = Math.round(ratePerS * durationS);
  const timeoutMs = (job.timeoutS ?? DEFAULT_REQUEST_TIMEOUT_S) * 1000;
  const inFlight = new Set<Promise<void>>();
  const startAt = performance.now() + PACED_START_DELAY_MS;

  const send = (n: number, dueAt: number) => {
    const next = source.next();
    if (!next) return;
    const target = targets[n % targets.length]!;
    const answered = new Promise<void>((resolve) => {
      const req = http.request(
        {
          host: target.url.hostname,
          port: target.url.port,
          method: job.method,
          path: job.path,
          agent: target.agent,
          headers: {
            ...job.headers,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(next.body),
          },
          timeout: timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const latencyMs = performance.now() - dueAt;
            tally.statusCounts[status] = (tally.statusCounts[status] ?? 0) + 1;
            (status >= 200 && status < 300 ? tally.ok : tally.failed).push(latencyMs);
            recordAnswer(job, tally, status, Buffer.concat(chunks).toString('utf8'), res.headers, next.phone);
            resolve();
          });
        },
      );
      req.on('timeout', () => {
        tally.timeouts += 1;
        req.destroy(new Error('timed out'));
        resolve();
      });
      req.on('error', (error) => {
        if (error.message !== 'timed out') countError(tally, error);
        resolve();
      });
      req.end(next.body);
    });
    inFlight.add(answered);
    void answered.then(() => inFlight.delete(answered));
  };

  for (let n = 0; n < total;) {
    const now = performance.now();
    for (; n < total && startAt + (n * 1000) / ratePerS <= now; n += 1) send(n, startAt + (n * 1000) / ratePerS);
    if (n < total)
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, startAt + (n * 1000) / ratePerS - performance.now())),
      );
  }
  while (inFlight.size > 0) await Promise.all(inFlight);
  for (const target of targets) target.agent.destroy();
}

async function runLoad(job: LoadJob): Promise<LoadResult> {
  assertLocal(job.targets);
  const source = bodySource(job.body);
  const tally = newTally();
  const startedAt = performance.now();
  if (job.mode.kind === 'closed') {
    const amount = source.size ?? job.mode.requests;
    const connections =
      amount === undefined ? job.mode.connections : Math.max(1, Math.min(job.mode.connections, amount));
    await runInstance(job, source, tally, {
      url: job.targets.length === 1 ? job.targets[0]! : job.targets,
      connections,
      durationS: job.mode.durationS,
      ...(amount === undefined ? {} : { amount }),
    });
  } else {
    await runPaced(job, source, tally, job.mode.ratePerS, job.mode.durationS);
  }
  const elapsedS = (performance.now() - startedAt) / 1000;
  const completed = tally.ok.length + tally.failed.length;
  return {
    completed,
    elapsedS: Math.round(elapsedS * 100) / 100,
    requestsPerS: Math.round(completed / elapsedS),
    statusCounts: tally.statusCounts,
    non2xx: tally.failed.length,
    errors: tally.errors,
    errorKinds: tally.errorKinds,
    timeouts: tally.timeouts,
    latencyMs: {
      all: percentiles([...tally.ok, ...tally.failed]),
      ok: percentiles(tally.ok),
      failed: percentiles(tally.failed),
    },
    errorCodes: tally.errorCodes,
    missingRetryAfter: tally.missingRetryAfter,
    ...(job.collectSessions ? { sessions: tally.sessions } : {}),
    ...(job.collectPhones ? { phones: tally.phones } : {}),
    ...(job.keepSamples ? { samples: { ok: tally.ok, failed: tally.failed } } : {}),
  };
}

async function runSequence(job: SequenceJob): Promise<StepAnswer[]> {
  assertLocal(job.steps.map((step) => step.target));
  const answers: StepAnswer[] = [];
  for (const step of job.steps) {
    const startedAt = performance.now();
    const response = await fetch(`${step.target}${step.path}`, {
      method: step.method,
      headers: step.body === undefined ? {} : { 'content-type': 'application/json' },
      body: step.body === undefined ? undefined : JSON.stringify(step.body),
    });
    const text = await response.text();
    const elapsedMs = performance.now() - startedAt;
    let body: Record<string, unknown> | null;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = null;
    }
    answers.push({
      status: response.status,
      elapsedMs,
      body,
      retryAfter: response.headers.get('retry-after'),
      setsCookie: response.headers.has('set-cookie'),
    });
  }
  return answers;
}

process.on('message', (message: DriverRequest) => {
  const work = message.job.kind === 'load' ? runLoad(message.job) : runSequence(message.job);
  work.then(
    (result) => process.send?.({ id: message.id, ok: true, result } satisfies DriverReply),
    (error: unknown) =>
      process.send?.({
        id: message.id,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      } satisfies DriverReply),
  );
});
// The orchestrator went away: nothing left to do.
process.on('disconnect', () => process.exit(0));
