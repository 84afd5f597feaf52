/**
 * Scenario 8 (`BENCH_ONLY=memory`): the memory of the embedded defaults, as `npm start` runs them.
 *
 * One server in development mode on PGlite under its own DATA_DIR (seeded with registered users), with the
 * in-memory limit stores and the sandbox 2Factor simulator inside its process. The limits are lifted as in the
 * throughput runs (every request comes from 127.0.0.1 and one admin), and every send goes to a phone of its
 * own, so nothing is refused and every store is written. The load is a mix of what the app serves:
 *   30 % login sends to registered phones · 25 % login sends to unregistered phones (no SMS, a decoy session)
 *   10 % admin test sends · 5 % admin template SMS · 30 % code checks of the registered sends (wrong code)
 * then the server idles. The probe preloaded into it (memoryProbe.mjs) reports RSS, the V8 heap and PGlite's
 * WebAssembly memory when it has started, right after the requests and after the idle period; RSS is also
 * read from /proc every second for the peak. Nothing here reads the server's own reports.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { preparePglite, ROOT, SERVER_ENTRY } from './infra.js';
import type { LoadClient } from './loadClient.js';
import type { BodySpec, LoadResult } from './loadTypes.js';
import { freePort, startProcess, waitForHttp } from '../lib/processes.mjs';
import { THROUGHPUT_LIMITS } from './scenarios.js';

export interface MemorySettings {
  /** Requests of the mix. */
  requests: number;
  /** Seconds the server idles after them before the last reading. */
  idleS: number;
  /** Registered users (phones) seeded before the server starts. */
  users: number;
  connections: number;
}

export interface MemoryContext {
  settings: MemorySettings;
  load: LoadClient;
  tmpDir: string;
  log: (line: string) => void;
}

/** One reading, in MiB. `wasm*`: PGlite's WebAssembly memory (its size, and the part of it resident). */
export interface MemoryReading {
  label: string;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  wasmMb: number;
  wasmResidentMb: number | null;
  /** V8's heap by space (new, old, code, large objects…): committed size and what is in use. */
  heapSpaces: Record<string, { sizeMb: number; usedMb: number }>;
}

export interface MemoryResult {
  settings: MemorySettings;
  readings: MemoryReading[];
  peakRssMb: number;
  /** Seconds the requests took. */
  loadS: number;
  /** Answers by part of the mix: HTTP status → count, and the `status` codes of the non-2xx ones. */
  answers: Record<string, { http: Record<string, number>; codes: Record<string, number> }>;
  /** Answers that were not what that part of the mix must get (2xx for sends, 400 otp_mismatch for checks). */
  unexpected: number;
}

const PROBE = path.join(ROOT, 'scripts', 'bench', 'memoryProbe.mjs');
const MIB = 1024 * 1024;
const mib = (bytes: number) => Math.round((bytes / MIB) * 10) / 10;
/** Phone numbers (offsets from PHONE_BASE) of the unregistered parts of the mix: far above the seeded users. */
const UNREGISTERED_FROM = 1_000_000;
const TEST_SENDS_FROM = 2_000_000;
const TEMPLATES_FROM = 3_000_000;
const DEMO_ADMIN = { email: 'admin@example.com', password: 'demo-otp-2026' };
/** Upper bound on any one part of the mix, so a stuck server cannot hold the bench forever. */
const MAX_PART_S = 900;
/** How long a probe reading may take to appear, and how often its file is looked at meanwhile. */
const PROBE_READING_TIMEOUT_MS = 10_000;
const PROBE_POLL_MS = 50;
/** Peak RSS is sampled this often through the run. */
const RSS_SAMPLE_MS = 1_000;
/** The server starts PGlite and runs its migrations before it answers. */
const SERVER_START_TIMEOUT_MS = 60_000;
/** After the first health answer, lazy start-up work settles before the first reading. */
const SETTLE_AFTER_START_MS = 3_000;

interface ProbeLine {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  wasm: Array<{ bytes: number; residentBytes: number | null }>;
  heapSpaces: Record<string, { size: number; used: number }>;
}

function residentSetBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Asks the probe in `pid` for a reading (SIGUSR2) and waits for its line in `file`. */
async function readProbe(pid: number, file: string, label: string): Promise<MemoryReading> {
  const linesBefore = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + PROBE_READING_TIMEOUT_MS;
  for (;;) {
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    if (lines.length > linesBefore) {
      const line = JSON.parse(lines[lines.length - 1]!) as ProbeLine;
      const resident = line.wasm.map((w) => w.residentBytes);
      return {
        label,
        rssMb: mib(line.rss),
        heapUsedMb: mib(line.heapUsed),
        heapTotalMb: mib(line.heapTotal),
        externalMb: mib(line.external),
        arrayBuffersMb: mib(line.arrayBuffers),
        wasmMb: mib(line.wasm.reduce((sum, w) => sum + w.bytes, 0)),
        wasmResidentMb: resident.some((r) => r === null)
          ? null
          : mib(resident.reduce((sum: number, r) => sum + (r ?? 0), 0)),
        heapSpaces: Object.fromEntries(
          Object.entries(line.heapSpaces).map(([name, space]) => [
            name,
            { sizeMb: mib(space.size), usedMb: mib(space.used) },
          ]),
        ),
      };
    }
    if (Date.now() > deadline)
      throw new Error(`memory probe: no reading within ${PROBE_READING_TIMEOUT_MS / 1000} s (${label})`);
    await new Promise((resolve) => setTimeout(resolve, PROBE_POLL_MS));
  }
}

async function logInAsAdmin(url: string): Promise<string> {
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(DEMO_ADMIN),
  });
  await response.arrayBuffer();
  const cookies = response.headers.getSetCookie().map((cookie) => cookie.split(';')[0]);
  if (!response.ok || cookies.length === 0) throw new Error(`demo admin login: HTTP ${response.status}`);
  return cookies.join('; ');
}

export async function embeddedMemory(ctx: MemoryContext): Promise<MemoryResult> {
  const { settings } = ctx;
  const dataDir = path.join(ctx.tmpDir, 'memory');
  mkdirSync(dataDir, { recursive: true });
  ctx.log(`  memory: seeding ${settings.users} users in PGlite`);
  await preparePglite(dataDir, settings.users);

  const probeFile = path.join(dataDir, 'memory-probe.jsonl');
  const port = await freePort();
  const managed = startProcess('embedded-memory', process.execPath, ['--import', PROBE, SERVER_ENTRY], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      MEMORY_PROBE_FILE: probeFile,
      ...THROUGHPUT_LIMITS,
      // The checks come after all the sends: on a busy machine the first codes must still be live by then.
      SMS_OTP_TTL_S: '3600',
    },
    cwd: ROOT,
  });
  const url = `http://127.0.0.1:${port}`;
  let peakRss = 0;
  const rssPoller = setInterval(() => {
    peakRss = Math.max(peakRss, residentSetBytes(managed.pid) ?? 0);
  }, RSS_SAMPLE_MS);
  try {
    await waitForHttp(`${url}/api/health`, SERVER_START_TIMEOUT_MS, managed);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_AFTER_START_MS));
    const readings = [await readProbe(managed.pid, probeFile, 'started')];
    const cookie = await logInAsAdmin(url);

    const n = settings.requests;
    const share = (fraction: number) => Math.max(1, Math.round(n * fraction));
    const connectionsFor = (fraction: number) => Math.max(1, Math.round(settings.connections * fraction));
    const part = (
      body: BodySpec,
      urlPath: string,
      fraction: number,
      extra: { collectSessions?: boolean; headers?: Record<string, string> } = {},
    ) =>
      ctx.load.load({
        targets: [url],
        method: 'POST',
        path: urlPath,
        body,
        mode: {
          kind: 'closed',
          connections: connectionsFor(fraction),
          durationS: MAX_PART_S,
          requests: share(fraction),
        },
        ...extra,
      });
    const startedAt = Date.now();
    ctx.log(`  memory: ${n} requests (${settings.connections} connections), then ${settings.idleS} s idle`);
    const [registered, unregistered, tests, templates] = await Promise.all([
      part({ kind: 'sendOtp', phoneStart: 0, phoneCount: settings.users, purpose: 'login' }, '/api/sms/sendOtp', 0.3, {
        collectSessions: true,
      }),
      part(
        { kind: 'sendOtp', phoneStart: UNREGISTERED_FROM, phoneCount: 1_000_000, purpose: 'login' },
        '/api/sms/sendOtp',
        0.25,
      ),
      part(
        { kind: 'sendOtp', phoneStart: TEST_SENDS_FROM, phoneCount: 1_000_000, purpose: 'test' },
        '/api/sms/sendOtp',
        0.1,
        { headers: { cookie } },
      ),
      part({ kind: 'sendTemplate', phoneStart: TEMPLATES_FROM, phoneCount: 1_000_000 }, '/api/sms/sendTemplate', 0.05, {
        headers: { cookie },
      }),
    ]);
    const pairs = (registered.sessions ?? [])
      .slice(0, share(0.3))
      .map((s) => ({ session_id: s.session_id, otp: '000000' }));
    const checks = await ctx.load.load({
      targets: [url],
      method: 'POST',
      path: '/api/sms/verifyOtp',
      body: { kind: 'verifyOtp', pairs },
      mode: { kind: 'closed', connections: settings.connections, durationS: MAX_PART_S },
    });
    const loadS = Math.round((Date.now() - startedAt) / 100) / 10;
    readings.push(await readProbe(managed.pid, probeFile, `after ${n} requests`));

    await new Promise((resolve) => setTimeout(resolve, settings.idleS * 1000));
    readings.push(await readProbe(managed.pid, probeFile, `after ${settings.idleS} s idle`));

    const sends = {
      'login, registered': registered,
      'login, unregistered': unregistered,
      'admin test': tests,
      'admin template': templates,
    };
    const answers: MemoryResult['answers'] = {};
    let unexpected = 0;
    for (const [name, result] of Object.entries(sends)) {
      answers[name] = { http: result.statusCounts, codes: result.errorCodes };
      unexpected += result.non2xx + result.errors + result.timeouts;
    }
    answers['wrong-code checks'] = { http: checks.statusCounts, codes: checks.errorCodes };
    unexpected += wrongCodeSurprises(checks);
    return { settings, readings, peakRssMb: mib(peakRss), loadS, answers, unexpected };
  } finally {
    clearInterval(rssPoller);
    await managed.stop();
  }
}

/** A wrong code must get 400 otp_mismatch: anything else is a surprise. */
function wrongCodeSurprises(result: LoadResult): number {
  const mismatches = result.errorCodes.otp_mismatch ?? 0;
  return result.completed - mismatches + result.errors + result.timeouts;
}
